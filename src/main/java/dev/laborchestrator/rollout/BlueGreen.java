package dev.laborchestrator.rollout;

import dev.laborchestrator.config.Durations;
import dev.laborchestrator.port.HealthCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code deployStrategy: blue-green}: after the drain, the host is rebooted only once the
 * replacements of its allocations run healthy elsewhere and every Consul service it hosts has a
 * passing instance on another node ({@code allowLastInstance} does not apply: that is what
 * blue-green promises), within {@code timeouts.health}.
 */
final class BlueGreen {
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(2);

  private BlueGreen() {}

  static String awaitElsewhere(HostRun run) throws HostFailure, InterruptedException {
    String replacements = ReplacementWait.await(run);
    Instant deadline = run.now().plus(run.settings.healthTimeout());
    String consulName = run.current().consulName();
    // The services the host had before its drain: its checks as the view holds them now still name
    // them (a drain does not deregister the agent's services).
    List<HealthCheck> checks = run.context.watch().checks(consulName);
    Duration pause = run.settings.minPoll();
    while (checks != null) {
      List<HealthCheck> known = checks;
      Optional<String> last =
          run.waiting.retrying(
              deadline,
              () -> LastInstance.refusal(run.ports.consul(), consulName, known, Set.of()));
      if (last.isEmpty()) {
        break;
      }
      run.waiting.pastDeadline(
          deadline,
          "blue-green: not every service passes on another node after "
              + Durations.format(run.settings.healthTimeout())
              + ": "
              + last.get());
      run.ports.clock().sleep(Waiting.min(pause, run.waiting.remaining(deadline)));
      pause = Waiting.min(pause.multipliedBy(2), LONGEST_PAUSE);
    }
    return "blue-green: "
        + (replacements.isEmpty() ? "nothing was moved" : replacements)
        + "; every service passes on another node";
  }
}
