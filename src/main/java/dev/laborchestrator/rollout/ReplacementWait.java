package dev.laborchestrator.rollout;

import dev.laborchestrator.config.Durations;
import java.time.Duration;
import java.time.Instant;

/**
 * Waits until the work a drain moved off a host runs healthy elsewhere ({@link Replacements}),
 * within {@code timeouts.health}. Nomad calls a drain complete once the old allocations stopped,
 * healthy replacements or not, so this is what keeps the next host in service while the last one's
 * work is still starting somewhere else. A replacement that ends unhealthy fails the host, naming
 * the job, and so halts the rollout. Replacements live on other nodes, outside the shared view:
 * they are read again after a pause that grows from {@code minPoll} to two seconds.
 */
final class ReplacementWait {
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(2);

  private ReplacementWait() {}

  /** Returns what the progress line says; throws when a replacement is unhealthy or too slow. */
  static String await(HostRun run) throws HostFailure, InterruptedException {
    Instant deadline = run.now().plus(run.settings.healthTimeout());
    Duration pause = run.settings.minPoll();
    while (true) {
      Replacements.Status status;
      try {
        status =
            run.waiting.retrying(
                deadline, () -> Replacements.status(run.ports.nomad(), run.node.id()));
      } catch (UnsupportedOperationException e) {
        return ""; // ports without allocation reads: the engine's unit-test fakes
      }
      if (status.failed()) {
        throw new HostFailure(
            "the work drained off it did not come up healthy elsewhere (job "
                + String.join(", ", status.unhealthyJobs())
                + "): "
                + status.describe());
      }
      if (status.done()) {
        return status.replacements().isEmpty()
            ? ""
            : status.replacements().size() + " replacement(s) running and healthy elsewhere";
      }
      run.waiting.pastDeadline(
          deadline,
          "replacements not healthy after "
              + Durations.format(run.settings.healthTimeout())
              + ": "
              + status.describe());
      run.ports.clock().sleep(Waiting.min(pause, run.waiting.remaining(deadline)));
      pause = Waiting.min(pause.multipliedBy(2), LONGEST_PAUSE);
    }
  }
}
