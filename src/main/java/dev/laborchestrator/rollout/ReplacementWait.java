package dev.laborchestrator.rollout;

import dev.laborchestrator.config.Durations;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Waits until the work a drain moved off a host runs healthy elsewhere ({@link Replacements}),
 * within {@code timeouts.health}. Nomad calls a drain complete once the old allocations stopped,
 * healthy replacements or not, so this is what keeps the next host in service while the last one's
 * work is still starting somewhere else. A replacement that ends unhealthy fails the host, naming
 * the job, and so halts the rollout. Replacements live on other nodes, outside the shared view:
 * they are read again after a pause that grows from {@code minPoll} ({@link Waiting#polling}).
 */
final class ReplacementWait {
  private ReplacementWait() {}

  /** Returns what the progress line says; throws when a replacement is unhealthy or too slow. */
  static String await(HostRun run) throws HostFailure, InterruptedException {
    Instant deadline = run.now().plus(run.settings.healthTimeout());
    AtomicReference<Replacements.Status> last = new AtomicReference<>();
    try {
      return run.waiting.polling(
          deadline,
          run.settings.minPoll(),
          () -> {
            Replacements.Status status =
                Replacements.status(run.ports.nomad(), run.node.id(), run.progress().drainIndex());
            last.set(status);
            if (status.failed()) {
              throw new HostFailure(
                  "the work drained off it did not come up healthy elsewhere (job "
                      + String.join(", ", status.unhealthyJobs())
                      + "): "
                      + status.describe());
            }
            if (!status.done()) {
              return Optional.empty();
            }
            return Optional.of(
                status.replacements().isEmpty()
                    ? ""
                    : status.replacements().size()
                        + " replacement(s) running and healthy elsewhere");
          },
          () ->
              "replacements not healthy after "
                  + Durations.format(run.settings.healthTimeout())
                  + ": "
                  + (last.get() == null ? "Nomad did not answer" : last.get().describe()));
    } catch (UnsupportedOperationException e) {
      return ""; // ports without allocation reads: the engine's unit-test fakes
    }
  }
}
