package dev.laborchestrator.rollout;

import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.plan.Plan.PlannedHost;
import dev.laborchestrator.port.Autopilot;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NomadNode;
import dev.laborchestrator.watch.ClusterWatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The conditions under which no host may be taken out of service: another host of the plan is down,
 * checks on another host are failing, or the Nomad or Consul servers are unhealthy (for a server
 * host: cannot tolerate losing one). Hosts this rollout has out of service itself are not held
 * against it.
 */
public final class Gates {
  private final Ports ports;
  private final Plan plan;
  private final ClusterWatch watch;

  /** Gates that read the run's shared view: no request but the autopilots'. */
  public Gates(Ports ports, Plan plan, ClusterWatch watch) {
    this.ports = ports;
    this.plan = plan;
    this.watch = watch;
  }

  /** Why nothing may start at all, or empty. {@code busy}: hosts the rollout already has out. */
  public Optional<String> beforeStart(Set<String> busy) {
    return refusal(null, busy);
  }

  /** Why {@code host} may not be taken out of service now, or empty. */
  public Optional<String> beforeHost(PlannedHost host, Set<String> busy) {
    return refusal(host, busy);
  }

  private Optional<String> refusal(PlannedHost host, Set<String> busy) {
    List<String> problems = new ArrayList<>();
    for (PlannedHost other : plan.hosts()) {
      if (other.skipped()
          || other.node().isEmpty()
          || busy.contains(other.hostname())
          || host != null && other.hostname().equals(host.hostname())) {
        continue;
      }
      Indexed<NomadNode> seen = watch.node(other.requireNode().id());
      NomadNode node = seen == null ? null : seen.value();
      if (node == null || !node.ready()) {
        problems.add(
            other.hostname() + " is " + (node == null ? "gone from Nomad" : node.status()));
        continue;
      }
      List<HealthCheck> checks = watch.checks(node.consulName());
      if (checks == null) {
        problems.add("Consul's health of " + other.hostname() + " is not known right now");
        continue;
      }
      List<HealthCheck> failing = checks.stream().filter(c -> !c.passing()).toList();
      if (!failing.isEmpty()) {
        problems.add(
            "checks failing on "
                + other.hostname()
                + ": "
                + failing.stream()
                    .map(c -> c.name() + " " + c.status())
                    .collect(Collectors.joining(", ")));
      }
    }
    boolean server = host != null && host.server();
    autopilot("Nomad", ports.nomadAutopilot(), server).ifPresent(problems::add);
    autopilot("Consul", ports.consulAutopilot(), server).ifPresent(problems::add);
    return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
  }

  /** Whether both autopilots (where wired) report healthy. */
  public Optional<String> serversHealthy() {
    List<String> problems = new ArrayList<>();
    autopilot("Nomad", ports.nomadAutopilot(), false).ifPresent(problems::add);
    autopilot("Consul", ports.consulAutopilot(), false).ifPresent(problems::add);
    return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
  }

  private static Optional<String> autopilot(String name, Autopilot autopilot, boolean server) {
    if (autopilot == null) {
      return Optional.empty();
    }
    Autopilot.Health health = autopilot.health();
    if (!health.healthy()) {
      return Optional.of(name + " autopilot reports the servers unhealthy");
    }
    if (server && health.failureTolerance() < 1) {
      return Optional.of(
          name
              + " autopilot failure tolerance is "
              + health.failureTolerance()
              + ": a server host going down would lose quorum");
    }
    return Optional.empty();
  }
}
