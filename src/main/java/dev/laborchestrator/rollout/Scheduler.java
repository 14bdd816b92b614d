package dev.laborchestrator.rollout;

import dev.laborchestrator.plan.Plan.PlannedHost;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
    List<PlannedHost> start = new ArrayList<>();
    int busy = running.size();
    boolean criticalRunning = running.stream().anyMatch(PlannedHost::critical);
    boolean serverRunning = running.stream().anyMatch(PlannedHost::server);
    for (PlannedHost host : pending) {
      if (criticalRunning || busy >= maxParallel) {
        break;
      }
      if (!finished.containsAll(host.spec().dependencies()) || host.server() && serverRunning) {
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
      busy++;
    }
    return start;
  }
}
