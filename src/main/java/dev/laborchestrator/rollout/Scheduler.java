package dev.laborchestrator.rollout;

import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.plan.Plan.PlannedHost;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which hosts of a wave may start now: a pure function of the wave's pending hosts (in plan order),
 * the hosts running, the hosts done, and the limits. The engine asks it whenever a host finishes or
 * the cluster changes, so a host starts the moment a slot frees and its dependencies are done.
 */
final class Scheduler {
  private Scheduler() {}

  /**
   * The hosts that may start now, in plan order: at most {@code maxParallel} running at once, a
   * host only once every host it depends on is {@code finished}, one server host at a time, and a
   * critical host only when nothing runs, alone; no later host overtakes a waiting critical one.
   */
  static List<PlannedHost> startable(
      List<PlannedHost> pending,
      Collection<PlannedHost> running,
      Set<String> finished,
      int maxParallel) {
    return startable(pending, running, finished, maxParallel, Plan.Limits.NONE);
  }

  /**
   * As above, and no datacenter with more than {@code limits.perDatacenter} hosts out of service,
   * no group with more than {@code limits.perGroup}. A host a failure domain holds back does not
   * hold back later hosts of other domains. When {@code pending} spans waves (overlapping waves, in
   * plan order), no host starts while a host of an earlier wave ({@code rebootOrder}) stays
   * pending.
   */
  static List<PlannedHost> startable(
      List<PlannedHost> pending,
      Collection<PlannedHost> running,
      Set<String> finished,
      int maxParallel,
      Plan.Limits limits) {
    List<PlannedHost> start = new ArrayList<>();
    int busy = running.size();
    boolean criticalRunning = running.stream().anyMatch(PlannedHost::critical);
    boolean serverRunning = running.stream().anyMatch(PlannedHost::server);
    Map<String, Integer> perDatacenter = new HashMap<>();
    Map<String, Integer> perGroup = new HashMap<>();
    running.forEach(h -> count(h, perDatacenter, perGroup));
    Integer heldWave = null; // the wave of the first host left pending
    for (PlannedHost host : pending) {
      if (criticalRunning || busy >= maxParallel || laterWave(host, heldWave)) {
        break;
      }
      if (!finished.containsAll(host.spec().dependencies())
          || host.server() && serverRunning
          || full(host, limits, perDatacenter, perGroup)) {
        heldWave = heldWave == null ? wave(host) : heldWave;
        continue;
      }
      serverRunning |= host.server();
      if (host.critical()) {
        if (busy == 0) {
          start.add(host);
        }
        break;
      }
      start.add(host);
      count(host, perDatacenter, perGroup);
      busy++;
    }
    return start;
  }

  /**
   * Of the hosts {@link #startable} chose, those whose build is done: a host still building stays
   * pending, and so (with overlapping waves) does every later host of a later wave.
   */
  static List<PlannedHost> built(
      List<PlannedHost> startable, java.util.function.Predicate<PlannedHost> awaitsBuild) {
    List<PlannedHost> built = new ArrayList<>();
    Integer heldWave = null;
    for (PlannedHost host : startable) {
      if (laterWave(host, heldWave)) {
        break;
      }
      if (awaitsBuild.test(host)) {
        heldWave = heldWave == null ? wave(host) : heldWave;
      } else {
        built.add(host);
      }
    }
    return built;
  }

  /** Whether {@code host} belongs to a wave after {@code heldWave} (null: none is held). */
  static boolean laterWave(PlannedHost host, Integer heldWave) {
    return heldWave != null && wave(host) > heldWave;
  }

  private static int wave(PlannedHost host) {
    Integer order = host.spec().rebootOrder();
    return order == null ? 0 : order;
  }

  private static String datacenter(PlannedHost host) {
    return host.node().map(Plan.NodeRef::datacenter).orElse(null);
  }

  private static void count(
      PlannedHost host, Map<String, Integer> perDatacenter, Map<String, Integer> perGroup) {
    String dc = datacenter(host);
    if (dc != null) {
      perDatacenter.merge(dc, 1, Integer::sum);
    }
    host.spec().groups().forEach(g -> perGroup.merge(g, 1, Integer::sum));
  }

  /** Whether one of the host's failure domains already has as many hosts out as it may. */
  private static boolean full(
      PlannedHost host,
      Plan.Limits limits,
      Map<String, Integer> perDatacenter,
      Map<String, Integer> perGroup) {
    String dc = datacenter(host);
    if (limits.perDatacenter() > 0
        && dc != null
        && perDatacenter.getOrDefault(dc, 0) >= limits.perDatacenter()) {
      return true;
    }
    return limits.perGroup() > 0
        && host.spec().groups().stream()
            .anyMatch(g -> perGroup.getOrDefault(g, 0) >= limits.perGroup());
  }
}
