package dev.laborchestrator.plan;

import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.config.OrchestratorConfig.IneligibleHosts;
import dev.laborchestrator.plan.Plan.NodeRef;
import dev.laborchestrator.plan.Plan.PlannedHost;
import dev.laborchestrator.plan.Plan.Role;
import dev.laborchestrator.plan.Plan.Wave;
import dev.laborchestrator.port.NodeStub;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Turns a validated inventory and a cluster snapshot into a {@link Plan}. Pure. */
public final class Planner {
  private Planner() {}

  /**
   * Options that shape the plan. {@code ineligibleHosts} says what to do with cordoned nodes;
   * {@code ownNodeId} is the node this controller runs on ({@code NOMAD_NODE_ID}), if any; {@code
   * servers} and {@code leaders} are the hosts that run Nomad or Consul servers and the current
   * leaders among them; {@code withoutBootId} the hosts whose node publishes no {@code
   * lab.boot-id}; {@code successorNodes} the other nodes that could run the controller (ready,
   * eligible, not draining, with the java driver) and so take over when only its own node is left.
   */
  public record Options(
      int maxParallel,
      IneligibleHosts ineligibleHosts,
      String ownNodeId,
      Set<String> servers,
      Set<String> leaders,
      Set<String> withoutBootId,
      List<String> successorNodes,
      Plan.Limits limits,
      Integer maxParallelPercent,
      Map<String, java.time.Duration> lastTimes) {
    public Options {
      lastTimes = lastTimes == null ? Map.of() : Map.copyOf(lastTimes);
      servers = Set.copyOf(servers);
      leaders = Set.copyOf(leaders);
      withoutBootId = Set.copyOf(withoutBootId);
      successorNodes = List.copyOf(successorNodes);
      limits = limits == null ? Plan.Limits.NONE : limits;
    }

    /** Without the times of a previous rollout: inside a wave, equal hosts go by hostname. */
    public Options(
        int maxParallel,
        IneligibleHosts ineligibleHosts,
        String ownNodeId,
        Set<String> servers,
        Set<String> leaders,
        Set<String> withoutBootId,
        List<String> successorNodes,
        Plan.Limits limits,
        Integer maxParallelPercent) {
      this(
          maxParallel,
          ineligibleHosts,
          ownNodeId,
          servers,
          leaders,
          withoutBootId,
          successorNodes,
          limits,
          maxParallelPercent,
          Map.of());
    }

    public Options(
        int maxParallel,
        IneligibleHosts ineligibleHosts,
        String ownNodeId,
        Set<String> servers,
        Set<String> leaders,
        Set<String> withoutBootId,
        List<String> successorNodes) {
      this(
          maxParallel,
          ineligibleHosts,
          ownNodeId,
          servers,
          leaders,
          withoutBootId,
          successorNodes,
          Plan.Limits.NONE,
          null);
    }

    public Options(
        int maxParallel,
        IneligibleHosts ineligibleHosts,
        String ownNodeId,
        Set<String> servers,
        Set<String> leaders) {
      this(maxParallel, ineligibleHosts, ownNodeId, servers, leaders, Set.of(), List.of());
    }

    public Options(int maxParallel, IneligibleHosts ineligibleHosts) {
      this(maxParallel, ineligibleHosts, null, Set.of(), Set.of());
    }
  }

  /** Plans without a cluster: order and placement only, no node matching. */
  public static Plan plan(List<HostSpec> hosts, Options options) {
    return plan(hosts, null, options);
  }

  /**
   * Plans against the cluster's nodes ({@code GET /v1/nodes}); {@code nodes == null} plans without
   * one.
   *
   * @throws InvalidInputException for a dependency cycle, a dependency that reboots later than its
   *     dependent, or a host with no matching Nomad node
   */
  public static Plan plan(List<HostSpec> hosts, List<NodeStub> nodes, Options options) {
    Map<String, HostSpec> byName =
        hosts.stream()
            .collect(
                Collectors.toMap(
                    HostSpec::hostname, Function.identity(), (a, b) -> a, LinkedHashMap::new));
    findCycle(byName)
        .ifPresent(
            cycle -> {
              throw new InvalidInputException("dependency cycle: " + String.join(" -> ", cycle));
            });
    List<String> problems = new ArrayList<>();
    for (HostSpec host : hosts) {
      for (String dependency : host.dependencies()) {
        HostSpec dep = byName.get(dependency);
        if (dep != null && dep.rebootOrder() > host.rebootOrder()) {
          problems.add(
              host.hostname()
                  + " (rebootOrder "
                  + host.rebootOrder()
                  + ") depends on "
                  + dependency
                  + " (rebootOrder "
                  + dep.rebootOrder()
                  + "), which reboots later: give "
                  + host.hostname()
                  + " a rebootOrder of at least "
                  + dep.rebootOrder()
                  + " or drop the dependency");
        }
      }
    }
    Map<String, NodeRef> matched = nodes == null ? Map.of() : match(hosts, nodes, problems);
    String own =
        matched.values().stream()
            .filter(n -> n.id().equals(options.ownNodeId()))
            .map(NodeRef::name)
            .findFirst()
            .orElse(null);
    if (own != null) {
      hosts.stream()
          .filter(h -> h.dependencies().contains(own))
          .forEach(
              h ->
                  problems.add(
                      h.hostname()
                          + " depends on "
                          + own
                          + ", the node this controller runs on, which goes last: drop the dependency or"
                          + " keep the controller off "
                          + own
                          + " with a job constraint"));
    }
    if (!problems.isEmpty()) {
      throw new InvalidInputException(String.join("; ", problems));
    }

    java.util.function.Function<HostSpec, Role> roleOf =
        h ->
            h.hostname().equals(own)
                ? Role.OWN_NODE
                : options.leaders().contains(h.hostname())
                    ? Role.LEADER
                    : options.servers().contains(h.hostname()) ? Role.SERVER : Role.PLAIN;
    TreeMap<Integer, List<HostSpec>> byOrder = new TreeMap<>();
    hosts.stream()
        .filter(h -> !h.hostname().equals(own))
        .forEach(h -> byOrder.computeIfAbsent(h.rebootOrder(), k -> new ArrayList<>()).add(h));
    List<Wave> waves = new ArrayList<>();
    for (Map.Entry<Integer, List<HostSpec>> entry : byOrder.entrySet()) {
      waves.add(
          wave(
              entry.getKey(),
              startOrder(entry.getValue(), roleOf, options.lastTimes()),
              matched,
              byName,
              options,
              roleOf));
    }
    List<String> warnings = new ArrayList<>();
    if (own != null) {
      HostSpec host = byName.get(own);
      waves.add(wave(host.rebootOrder(), List.of(host), matched, byName, options, roleOf));
      if (options.successorNodes().isEmpty()) {
        warnings.add(
            "no other node can run the controller (none is ready, eligible, not draining and has"
                + " the java driver): "
                + own
                + ", the node it runs on, is left for last and not rolled by this run. Make"
                + " another such node available, or run lab-orchestrator from outside the"
                + " cluster, to roll "
                + own);
      }
    }
    hosts.stream()
        .map(HostSpec::hostname)
        .filter(options.withoutBootId()::contains)
        .sorted()
        .forEach(
            h ->
                warnings.add(
                    h
                        + " publishes no lab.boot-id: its reboot counts only once Nomad shows the"
                        + " node leaving ready or registering again after being down; publish the"
                        + " boot id (lab.machine) for a certain proof"));
    int maxParallel = options.maxParallel();
    if (options.maxParallelPercent() != null) {
      // A share of the hosts this plan rolls, rounded down, at least one.
      long rolled =
          waves.stream().flatMap(w -> w.hosts().stream()).filter(h -> !h.skipped()).count();
      maxParallel = (int) Math.max(1, rolled * options.maxParallelPercent() / 100);
    }
    return new Plan(waves, maxParallel, warnings, options.successorNodes(), options.limits());
  }

  private static Wave wave(
      int order,
      List<HostSpec> hosts,
      Map<String, NodeRef> matched,
      Map<String, HostSpec> byName,
      Options options,
      Function<HostSpec, Role> roleOf) {
    List<PlannedHost> placed = new ArrayList<>();
    for (HostSpec host : hosts) {
      Optional<NodeRef> node = Optional.ofNullable(matched.get(host.hostname()));
      String skip =
          node.filter(n -> !n.eligibleBefore() && options.ineligibleHosts() == IneligibleHosts.SKIP)
              .map(n -> "node was marked ineligible by an operator before the rollout")
              .orElse(null);
      Role role = roleOf.apply(host);
      String reason = reason(host, order, byName, node, role);
      java.time.Duration last = options.lastTimes().get(host.hostname());
      if (last != null) {
        reason +=
            "; out of service "
                + dev.laborchestrator.config.Durations.format(last)
                + " in the last rollout";
      }
      if (role == Role.OWN_NODE) {
        reason +=
            options.successorNodes().isEmpty()
                ? "; NOT rolled by this run: no other node can run the controller"
                : "; handed over first: made ineligible (not drained), a successor run is started"
                    + " on another node ("
                    + String.join(", ", options.successorNodes())
                    + " can run it) and rolls it";
      }
      placed.add(new PlannedHost(host, node, skip, reason, role));
    }
    return new Wave(order, placed);
  }

  private static Map<String, NodeRef> match(
      List<HostSpec> hosts, List<NodeStub> nodes, List<String> problems) {
    Map<String, List<NodeStub>> byName = new HashMap<>();
    nodes.forEach(n -> byName.computeIfAbsent(n.name(), k -> new ArrayList<>()).add(n));
    Map<String, NodeRef> matched = new HashMap<>();
    for (HostSpec host : hosts) {
      List<NodeStub> candidates = byName.getOrDefault(host.hostname(), List.of());
      // A host re-registered with a new node ID leaves its old node behind as "down": prefer the
      // live one.
      List<NodeStub> live = candidates.stream().filter(n -> !"down".equals(n.status())).toList();
      List<NodeStub> pick = live.isEmpty() ? candidates : live;
      if (pick.isEmpty()) {
        problems.add("host " + host.hostname() + " has no Nomad node named " + host.hostname());
      } else if (pick.size() > 1) {
        problems.add(
            "host "
                + host.hostname()
                + " matches "
                + pick.size()
                + " Nomad nodes ("
                + pick.stream().map(NodeStub::id).sorted().collect(Collectors.joining(", "))
                + ")");
      } else {
        NodeStub node = pick.get(0);
        matched.put(
            host.hostname(),
            new NodeRef(
                node.id(), node.name(), node.address(), node.eligible(), node.datacenter()));
      }
    }
    return matched;
  }

  /**
   * Kahn's algorithm within one wave; among those free to start, plain hosts before server hosts,
   * leaders last, then lower criticality first (trouble shows on the cheap hosts before the
   * critical ones), then the lowest hostname.
   */
  private static List<HostSpec> startOrder(
      List<HostSpec> wave,
      Function<HostSpec, Role> roleOf,
      Map<String, java.time.Duration> lastTimes) {
    Map<String, HostSpec> inWave = new HashMap<>();
    wave.forEach(h -> inWave.put(h.hostname(), h));
    Map<String, Integer> waiting = new HashMap<>();
    Map<String, List<String>> dependents = new HashMap<>();
    for (HostSpec host : wave) {
      int count = 0;
      for (String dep : host.dependencies()) {
        if (inWave.containsKey(dep)) {
          count++;
          dependents.computeIfAbsent(dep, k -> new ArrayList<>()).add(host.hostname());
        }
      }
      waiting.put(host.hostname(), count);
    }
    PriorityQueue<String> free =
        new PriorityQueue<>(
            Comparator.comparing((String name) -> roleOf.apply(inWave.get(name)))
                .thenComparing(name -> inWave.get(name).orchestration().criticalityRank())
                // longest first: the short ones then fill the slots the long ones leave
                .thenComparing(
                    name -> lastTimes.getOrDefault(name, java.time.Duration.ZERO),
                    Comparator.reverseOrder())
                .thenComparing(Comparator.naturalOrder()));
    waiting.forEach(
        (name, count) -> {
          if (count == 0) {
            free.add(name);
          }
        });
    List<HostSpec> ordered = new ArrayList<>();
    while (!free.isEmpty()) {
      String next = free.poll();
      ordered.add(inWave.get(next));
      for (String dependent : dependents.getOrDefault(next, List.of())) {
        if (waiting.merge(dependent, -1, Integer::sum) == 0) {
          free.add(dependent);
        }
      }
    }
    return ordered;
  }

  private static String reason(
      HostSpec host, int order, Map<String, HostSpec> byName, Optional<NodeRef> node, Role role) {
    List<String> parts = new ArrayList<>();
    parts.add("rebootOrder " + order);
    switch (role) {
      case OWN_NODE -> parts.add("the controller's own node: last of all, alone");
      case LEADER ->
          parts.add(
              "runs the current server leader: last of its wave, never with another server host");
      case SERVER ->
          parts.add(
              "runs a Nomad/Consul server: after plain hosts, never with another server host");
      default -> {}
    }
    List<String> sameWave =
        host.dependencies().stream()
            .filter(d -> byName.get(d).rebootOrder() == order)
            .sorted()
            .toList();
    List<String> earlier =
        host.dependencies().stream()
            .filter(d -> byName.get(d).rebootOrder() < order)
            .sorted()
            .toList();
    if (!sameWave.isEmpty()) {
      parts.add("starts after " + String.join(", ", sameWave) + " (dependencies)");
    }
    if (!earlier.isEmpty()) {
      parts.add("depends on " + String.join(", ", earlier) + " (earlier wave)");
    }
    if (host.orchestration().critical()) {
      parts.add("critical: runs alone");
    }
    if (host.orchestration().rebootDelay() > 0) {
      parts.add("waits " + host.orchestration().rebootDelay() + "s before its reboot");
    }
    node.filter(n -> !n.eligibleBefore()).ifPresent(n -> parts.add("stays ineligible afterwards"));
    return String.join("; ", parts);
  }

  /** A dependency cycle as a path that ends where it starts, if there is one. */
  static Optional<List<String>> findCycle(Map<String, HostSpec> hosts) {
    Map<String, Integer> mark = new HashMap<>();
    List<String> names = new ArrayList<>(hosts.keySet());
    names.sort(Comparator.naturalOrder());
    for (String start : names) {
      List<String> path = new ArrayList<>();
      Optional<List<String>> cycle = visit(start, hosts, mark, path);
      if (cycle.isPresent()) {
        return cycle;
      }
    }
    return Optional.empty();
  }

  private static Optional<List<String>> visit(
      String name, Map<String, HostSpec> hosts, Map<String, Integer> mark, List<String> path) {
    Integer state = mark.get(name);
    if (state != null && state == 2) {
      return Optional.empty();
    }
    if (state != null && state == 1) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(name), path.size()));
      cycle.add(name);
      return Optional.of(cycle);
    }
    HostSpec host = hosts.get(name);
    if (host == null) {
      return Optional.empty();
    }
    mark.put(name, 1);
    path.add(name);
    for (String dep : host.dependencies().stream().sorted().toList()) {
      Optional<List<String>> cycle = visit(dep, hosts, mark, path);
      if (cycle.isPresent()) {
        return cycle;
      }
    }
    path.remove(path.size() - 1);
    mark.put(name, 2);
    return Optional.empty();
  }
}
