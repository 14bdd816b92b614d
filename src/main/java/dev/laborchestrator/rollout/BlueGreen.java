package dev.laborchestrator.rollout;

import dev.laborchestrator.config.Durations;
import dev.laborchestrator.port.HealthCheck;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code deployStrategy: blue-green}: after the drain, the host is rebooted only once the
 * replacements of its allocations run healthy elsewhere and every Consul service it hosts has a
 * passing instance on another node ({@code allowLastInstance} does not apply: that is what
 * blue-green promises), within {@code timeouts.health}.
 */
final class BlueGreen {
  private BlueGreen() {}

  static String awaitElsewhere(HostRun run) throws HostFailure, InterruptedException {
    String replacements = ReplacementWait.await(run);
    Instant deadline = run.now().plus(run.settings.healthTimeout());
    String consulName = run.current().consulName();
    // The services the host had before its drain: its checks as the view holds them now still name
    // them (a drain does not deregister the agent's services).
    List<HealthCheck> checks = run.context.watch().checks(consulName);
    if (checks != null) {
      AtomicReference<String> last = new AtomicReference<>("Consul did not answer");
      run.waiting.polling(
          deadline,
          run.settings.minPoll(),
          () -> {
            Optional<String> refusal =
                LastInstance.refusal(run.ports.consul(), consulName, checks, Set.of());
            refusal.ifPresent(last::set);
            return refusal.isPresent() ? Optional.empty() : Optional.of(true);
          },
          () ->
              "blue-green: not every service passes on another node after "
                  + Durations.format(run.settings.healthTimeout())
                  + ": "
                  + last.get());
    }
    return "blue-green: "
        + (replacements.isEmpty() ? "nothing was moved" : replacements)
        + "; every service passes on another node";
  }
}
