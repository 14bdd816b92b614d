package dev.laborchestrator.rollout;

import dev.laborchestrator.config.Durations;
import dev.laborchestrator.port.HealthCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * VERIFYING: every Consul check on the node must pass, without a break, for {@code stableFor} (a
 * server host: and both autopilots must report healthy again), within {@code timeouts.health}. It
 * wakes when the view changes and once more the moment {@code stableFor} is over.
 */
final class VerifyPhase implements Phase {
  /** The check Consul adds while an agent is in maintenance mode. */
  static final String MAINTENANCE_CHECK = "_node_maintenance";

  @Override
  public Step step(HostRun run) throws HostFailure, InterruptedException {
    if (run.progress().healthDeadline() == null) {
      Instant deadline = run.now().plus(run.settings.healthTimeout());
      run.update(p -> p.healthDeadline = deadline);
    }
    Instant deadline = run.progress().healthDeadline();
    String consulName = run.current().consulName();
    Instant passingSince = null;
    while (true) {
      long seen = run.context.watch().version();
      List<HealthCheck> checks = checks(run, consulName);
      Instant now = run.now();
      Instant wakeAt = deadline;
      if (checks != null && healthy(checks)) {
        passingSince = passingSince == null ? now : passingSince;
        Instant stable = passingSince.plus(run.settings.stableFor());
        if (!now.isBefore(stable)) {
          awaitServersHealthy(run, deadline);
          return new Step(
              HostState.ENABLING,
              checks.size()
                  + " Consul checks passing for "
                  + Durations.format(run.settings.stableFor()));
        }
        wakeAt = stable.isBefore(deadline) ? stable : deadline;
      } else {
        passingSince = null;
      }
      if (!now.isBefore(deadline)) {
        throw new HostRollout.VerificationFailure(
            "Consul checks on "
                + consulName
                + " not passing"
                + (passingSince == null ? "" : " for " + Durations.format(run.settings.stableFor()))
                + " after "
                + Durations.format(run.settings.healthTimeout())
                + ": "
                + (checks == null ? "Consul's answer is not known" : describe(checks)));
      }
      run.waiting.awaitChange(seen, wakeAt);
    }
  }

  /** The node's checks as the view has them; while this rollout holds maintenance, without it. */
  static List<HealthCheck> checks(HostRun run, String consulName) {
    List<HealthCheck> checks = run.context.watch().checks(consulName);
    if (checks == null || !run.progress().maintenanceOn()) {
      return checks;
    }
    return checks.stream().filter(c -> !MAINTENANCE_CHECK.equals(c.checkId())).toList();
  }

  /** A server host counts as back only once Nomad's and Consul's autopilot report healthy again. */
  private static void awaitServersHealthy(HostRun run, Instant deadline)
      throws HostFailure, InterruptedException {
    if (!run.host.server()) {
      return;
    }
    while (true) {
      Optional<String> problem =
          run.waiting.retrying(deadline, () -> run.context.gates().serversHealthy());
      if (problem.isEmpty()) {
        return;
      }
      if (!run.now().isBefore(deadline)) {
        throw new HostRollout.VerificationFailure(
            "servers not healthy again after "
                + Durations.format(run.settings.healthTimeout())
                + ": "
                + problem.get());
      }
      // Autopilot is not in the view: it is asked again after a second.
      run.ports.clock().sleep(Waiting.min(Duration.ofSeconds(1), run.waiting.remaining(deadline)));
    }
  }

  static boolean healthy(List<HealthCheck> checks) {
    return !checks.isEmpty() && checks.stream().allMatch(HealthCheck::passing);
  }

  static String describe(List<HealthCheck> checks) {
    if (checks.isEmpty()) {
      return "no checks registered (agent not back?)";
    }
    return checks.stream()
        .filter(c -> !c.passing())
        .map(c -> c.name() + " " + c.status())
        .collect(Collectors.joining(", "));
  }
}
