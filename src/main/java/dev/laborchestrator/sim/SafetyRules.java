package dev.laborchestrator.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The hard rules of the controller (design §3), checked against a lab's record: whatever the
 * controller printed, this is what the cluster actually saw.
 */
public final class SafetyRules {
  private SafetyRules() {}

  /**
   * Every broken rule, one line each; empty when the record is clean.
   *
   * @param maxOutOfService the most hosts the plan allows out of service at once
   * @param critical hosts that must be out of service alone
   * @param operatorIneligible hosts an operator had made ineligible before the run; they must never
   *     be made eligible through the API, and do not count as out of service
   * @param ignore hosts outside the rollout (spare capacity), not counted either
   */
  public static List<String> violations(
      List<SimEvent> events,
      int maxOutOfService,
      Set<String> critical,
      Set<String> operatorIneligible,
      Set<String> ignore) {
    List<String> broken = new ArrayList<>();
    Map<String, Boolean> out = new HashMap<>();
    for (SimEvent event : events) {
      if (!event.aboutNode()) {
        continue;
      }
      String node = event.node();
      if (event.type() == SimEvent.Type.REBOOT_STARTED && event.activeNonSystemAllocs() > 0) {
        broken.add(
            node
                + " rebooted with "
                + event.activeNonSystemAllocs()
                + " drained allocation(s) still active");
      }
      // "eligible by api" or "eligible by drain api" (a drain canceled with MarkEligible); not "by
      // operator".
      if (event.type() == SimEvent.Type.ELIGIBILITY_CHANGED
          && event.detail().startsWith("eligible by")
          && !event.detail().endsWith("operator")) {
        if (!event.ready() || !event.checksPassing()) {
          broken.add(
              node
                  + " made eligible while "
                  + (event.ready() ? "its checks were not passing" : "not ready"));
        }
        if (operatorIneligible.contains(node)) {
          broken.add(node + " made eligible although an operator had made it ineligible");
        }
      }
      if (ignore.contains(node)
          || operatorIneligible.contains(node)
          || event.type() == SimEvent.Type.NODE_REGISTERED) {
        continue;
      }
      out.put(node, event.outOfService());
      Set<String> now = new TreeSet<>();
      out.forEach(
          (name, isOut) -> {
            if (isOut) {
              now.add(name);
            }
          });
      if (now.size() > maxOutOfService) {
        broken.add(
            now.size()
                + " hosts out of service at once "
                + now
                + ", the plan allows "
                + maxOutOfService);
      }
      for (String name : now) {
        if (critical.contains(name) && now.size() > 1) {
          broken.add("critical host " + name + " out of service together with others " + now);
        }
      }
    }
    return broken.stream().distinct().toList();
  }

  /** The hosts in the order their (real) reboots started. */
  public static List<String> rebootOrder(List<SimEvent> events) {
    return events.stream()
        .filter(e -> e.type() == SimEvent.Type.REBOOT_STARTED && !e.detail().startsWith("fake"))
        .map(SimEvent::node)
        .toList();
  }
}
