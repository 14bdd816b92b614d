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
 * against it. For one host, once those pass: its work must fit elsewhere ({@link Capacity}; not for
 * {@code recreate}, whose work does not move), no Consul service on it may lose its last passing
 * instance ({@link LastInstance}), and blocked evaluations must not have risen since a drain of
 * this rollout that is still under way began ({@link BlockedEvaluations}).
 *
 * <p>Ports that cannot make those reads (the engine's unit-test fakes) are not asked them; the HTTP
 * adapters of a real run can.
 */
public final class Gates {
  private final Ports ports;
  private final Plan plan;
  private final ClusterWatch watch;
  private final Set<String> allowLastInstance;

  /** Blocked evaluations when each drain under way began, by node ID. */
  private final java.util.Map<String, Integer> blockedAtDrain =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Gates that read the run's shared view: no request but the autopilots'. */
  public Gates(Ports ports, Plan plan, ClusterWatch watch) {
    this(ports, plan, watch, Set.of());
  }

  /**
   * @param allowLastInstance Consul services whose last passing instance may go down
   */
  public Gates(Ports ports, Plan plan, ClusterWatch watch, Set<String> allowLastInstance) {
    this.ports = ports;
    this.plan = plan;
    this.watch = watch;
    this.allowLastInstance = Set.copyOf(allowLastInstance);
  }

  /**
   * A drain of {@code nodeId} is about to be requested: the blocked evaluations now are its
   * baseline.
   */
  void drainStarting(String nodeId) {
    if (plan.maxParallel() <= 1) {
      return; // no other host is judged while this one drains: nothing would compare
    }
    try {
      blockedAtDrain.put(nodeId, BlockedEvaluations.count(ports.nomad()));
    } catch (UnsupportedOperationException e) {
      // a fake without evaluations: nothing to compare against
    }
  }

  /** The drain of {@code nodeId} is over (complete, or the host failed). */
  void drainOver(String nodeId) {
    blockedAtDrain.remove(nodeId);
  }

  /** Why nothing may start at all, or empty. {@code busy}: hosts the rollout already has out. */
  public Optional<String> beforeStart(Set<String> busy) {
    return refusal(null, busy, false);
  }

  /** Why {@code host} may not be taken out of service now, or empty. */
  public Optional<String> beforeHost(PlannedHost host, Set<String> busy) {
    return refusal(host, busy, true);
  }

  /**
   * The view's gates only (other hosts, autopilots), without the reads about the host's own work:
   * the re-check after a host's reboot delay, whose work was judged when it took its slot.
   */
  Optional<String> stillClear(PlannedHost host, Set<String> busy) {
    return refusal(host, busy, false);
  }

  private Optional<String> refusal(PlannedHost host, Set<String> busy, boolean work) {
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
    if (work && host != null && problems.isEmpty()) {
      work(host, busy).ifPresent(problems::add);
    }
    return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
  }

  /** The last refusal of a host's work check: when, with which hosts out of service, and why. */
  private record Refusal(java.time.Instant at, Set<String> busy, long view, String why) {}

  private final java.util.Map<String, Refusal> refused =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * When the standing refusal of {@code host}'s work is to be judged again because the view changed
   * since it was made (a change it may not have seen); null when none stands, nothing changed, or
   * its second is already over (then the next judgement makes a new one, or the host was refused
   * for something else and its work was not asked about).
   */
  java.time.Instant refusalExpires(PlannedHost host) {
    Refusal last = refused.get(host.hostname());
    if (last == null || last.view() == watch.version()) {
      return null;
    }
    java.time.Instant expires = last.at().plusSeconds(1);
    return expires.isAfter(ports.clock().now()) ? expires : null;
  }

  /**
   * Whether the host's work may go: room for it, no last instance, no blocked work rising. These
   * take requests, so a refusal stands for a second before it is asked again (the engine re-judges
   * a waiting host on every change of the view), unless the hosts out of service changed: a host
   * coming back is what a refusal for the last instance or for room waits for.
   */
  private Optional<String> work(PlannedHost host, Set<String> busy) {
    java.time.Instant now = ports.clock().now();
    Refusal last = refused.get(host.hostname());
    if (last != null && now.isBefore(last.at().plusSeconds(1)) && last.busy().equals(busy)) {
      return Optional.of(last.why());
    }
    long seenVersion = watch.version(); // before the judgement: a change during it counts
    Optional<String> why = judgeWork(host, busy);
    if (why.isPresent()) {
      refused.put(host.hostname(), new Refusal(now, Set.copyOf(busy), seenVersion, why.get()));
    } else {
      refused.remove(host.hostname());
    }
    return why;
  }

  private Optional<String> judgeWork(PlannedHost host, Set<String> busy) {
    String nodeId = host.requireNode().id();
    Indexed<NomadNode> seen = watch.node(nodeId);
    Set<String> outOfService = new java.util.HashSet<>(); // the busy hosts' nodes
    for (PlannedHost other : plan.hosts()) {
      if (busy.contains(other.hostname()) && other.node().isPresent()) {
        outOfService.add(other.requireNode().id());
      }
    }
    try {
      if (!blockedAtDrain.isEmpty()) {
        int baseline = blockedAtDrain.values().stream().min(Integer::compare).orElse(0);
        int now = BlockedEvaluations.count(ports.nomad());
        if (now > baseline) {
          return Optional.of(
              "blocked evaluations rose from "
                  + baseline
                  + " to "
                  + now
                  + " while a drain of this rollout runs: the cluster is out of room");
        }
      }
      if (seen != null && seen.value() != null) {
        String consulName = seen.value().consulName();
        List<HealthCheck> checks = watch.checks(consulName);
        if (checks != null) {
          Set<String> leaving = new java.util.HashSet<>();
          for (String out : outOfService) {
            Indexed<NomadNode> node = watch.node(out);
            if (node != null && node.value() != null) {
              leaving.add(node.value().consulName());
            }
          }
          java.util.Map<String, List<HealthCheck>> everyNode = watch.allChecks();
          Optional<String> last =
              everyNode != null
                  ? LastInstance.refusal(everyNode, consulName, allowLastInstance, leaving)
                  : LastInstance.refusal(
                      ports.consul(), consulName, checks, allowLastInstance, leaving);
          if (last.isPresent()) {
            return last;
          }
        }
      }
      if (!host.spec().orchestration().recreate()) {
        return Capacity.refusal(ports.nomad(), nodeId, outOfService);
      }
    } catch (UnsupportedOperationException e) {
      return Optional.empty(); // ports without these reads: the engine's unit-test fakes
    } catch (dev.laborchestrator.port.ApiException e) {
      if (!e.transientFailure()) {
        throw e;
      }
      // Not known right now: the host waits, and is judged again (as for Consul's health).
      return Optional.of("whether its work may go is not known right now: " + e.getMessage());
    }
    return Optional.empty();
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
