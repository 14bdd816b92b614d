package dev.laborchestrator.plan;

import dev.laborchestrator.config.HostSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rollout to perform: waves in ascending rebootOrder, each with its hosts in start order
 * (dependencies first, hostname breaking ties), and at most {@code maxParallel} hosts out of
 * service at once.
 *
 * @param warnings what the operator should know before the run (printed by {@code plan})
 * @param successorNodes the names of the other nodes that could run the controller when it hands
 *     its own node over (see {@link Planner.Options#successorNodes})
 */
public record Plan(
    List<Wave> waves,
    int maxParallel,
    List<String> warnings,
    List<String> successorNodes,
    Limits limits) {
  public Plan {
    waves = List.copyOf(waves);
    warnings = List.copyOf(warnings);
    successorNodes = List.copyOf(successorNodes);
    limits = limits == null ? Limits.NONE : limits;
  }

  public Plan(
      List<Wave> waves, int maxParallel, List<String> warnings, List<String> successorNodes) {
    this(waves, maxParallel, warnings, successorNodes, Limits.NONE);
  }

  public Plan(List<Wave> waves, int maxParallel) {
    this(waves, maxParallel, List.of(), List.of());
  }

  /**
   * Failure domains: at most {@code perDatacenter} hosts out of service at once in any datacenter,
   * at most {@code perGroup} in any of the hosts' {@code lab.groups}; 0 = no such limit. With
   * {@code overlapWaves}, a host of a later wave may take a free slot once every host of the
   * earlier waves has started (its own dependencies still done first); else a wave starts once the
   * one before it is done.
   */
  public record Limits(int perDatacenter, int perGroup, boolean overlapWaves) {
    public static final Limits NONE = new Limits(0, 0, false);

    /** Waves one after the other. */
    public Limits(int perDatacenter, int perGroup) {
      this(perDatacenter, perGroup, false);
    }
  }

  /** The controller's own host, if the plan has it. */
  public Optional<PlannedHost> ownHost() {
    return hosts().stream().filter(h -> h.role() == Role.OWN_NODE).findFirst();
  }

  /** One rebootOrder value's hosts, in the order they may start. */
  public record Wave(int rebootOrder, List<PlannedHost> hosts) {
    public Wave {
      hosts = List.copyOf(hosts);
    }
  }

  /**
   * A host and where it stands in the plan. {@code node} is empty when the plan was made without a
   * cluster (inventory check). A host with a {@code skipReason} is not touched.
   */
  public record PlannedHost(
      HostSpec spec, Optional<NodeRef> node, String skipReason, String reason, Role role) {
    public PlannedHost(HostSpec spec, Optional<NodeRef> node, String skipReason, String reason) {
      this(spec, node, skipReason, reason, Role.PLAIN);
    }

    public String hostname() {
      return spec.hostname();
    }

    public boolean skipped() {
      return skipReason != null;
    }

    /** Runs with no other host out of service: critical hosts and the controller's own node. */
    public boolean critical() {
      return spec.orchestration().critical() || role == Role.OWN_NODE;
    }

    /** Runs a Nomad or Consul server: never out of service together with another server host. */
    public boolean server() {
      return role == Role.SERVER || role == Role.LEADER;
    }

    public NodeRef requireNode() {
      return node.orElseThrow(
          () -> new IllegalStateException(hostname() + " has no Nomad node in this plan"));
    }
  }

  /** What else a host is, besides a Nomad client, that changes where it goes in the plan. */
  public enum Role {
    PLAIN,
    /** Runs a Nomad or Consul server. */
    SERVER,
    /** Runs the current Nomad or Consul leader: last of its wave. */
    LEADER,
    /** The node this controller runs on: last of all, alone. */
    OWN_NODE
  }

  /** The Nomad node a host was matched to, with its eligibility before the rollout. */
  public record NodeRef(
      String id, String name, String address, boolean eligibleBefore, String datacenter) {
    public NodeRef(String id, String name, String address, boolean eligibleBefore) {
      this(id, name, address, eligibleBefore, null);
    }
  }

  /**
   * Where a failure-domain limit holds this wave below {@code maxParallel}: each datacenter or
   * group with more hosts in the wave than its limit lets out at once.
   */
  List<String> binding(Wave wave) {
    List<String> lines = new ArrayList<>();
    java.util.Map<String, Integer> byDatacenter = new java.util.TreeMap<>();
    java.util.Map<String, Integer> byGroup = new java.util.TreeMap<>();
    for (PlannedHost host : wave.hosts()) {
      if (host.skipped()) {
        continue;
      }
      host.node().map(NodeRef::datacenter).ifPresent(dc -> byDatacenter.merge(dc, 1, Integer::sum));
      host.spec().groups().forEach(g -> byGroup.merge(g, 1, Integer::sum));
    }
    int perDc = limits.perDatacenter();
    byDatacenter.forEach(
        (dc, count) -> {
          if (perDc > 0 && perDc < Math.min(count, maxParallel)) {
            lines.add(
                "datacenter "
                    + dc
                    + ": "
                    + count
                    + " hosts, at most "
                    + perDc
                    + " out at once (limits.perDatacenter)");
          }
        });
    int perGroup = limits.perGroup();
    byGroup.forEach(
        (group, count) -> {
          if (perGroup > 0 && perGroup < Math.min(count, maxParallel)) {
            lines.add(
                "group "
                    + group
                    + ": "
                    + count
                    + " hosts, at most "
                    + perGroup
                    + " out at once (limits.perGroup)");
          }
        });
    return lines;
  }

  public List<PlannedHost> hosts() {
    List<PlannedHost> all = new ArrayList<>();
    waves.forEach(w -> all.addAll(w.hosts()));
    return all;
  }

  /** The lines {@code plan} prints: each wave, each host with its placement reason. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    lines.add(
        "Plan: "
            + hosts().size()
            + " hosts in "
            + waves.size()
            + " waves, at most "
            + maxParallel
            + " out of service at once"
            + (limits.overlapWaves() && waves.size() > 1
                ? "; waves overlap (waves: overlap): a wave's hosts take free slots once every"
                    + " host of the waves before it has started"
                : ""));
    int number = 1;
    for (Wave wave : waves) {
      lines.add("Wave " + number++ + " (rebootOrder " + wave.rebootOrder() + "):");
      binding(wave).forEach(b -> lines.add("  " + b));
      int position = 1;
      for (PlannedHost host : wave.hosts()) {
        String node =
            host.node()
                .map(n -> "  (node " + n.id().substring(0, Math.min(8, n.id().length())) + ")")
                .orElse("");
        String what = host.skipped() ? "SKIP: " + host.skipReason() : host.reason();
        lines.add(String.format("  %d. %-20s %s%s", position++, host.hostname(), what, node));
      }
    }
    warnings.forEach(w -> lines.add("Warning: " + w));
    return lines;
  }
}
