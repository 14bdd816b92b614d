package dev.laborchestrator.rollout;

import dev.laborchestrator.config.Durations;
import dev.laborchestrator.port.Allocation;
import dev.laborchestrator.port.BlockingQuery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code deployStrategy: recreate}, for a host whose work cannot move (host volumes, devices): it
 * is not drained, so nothing waits for a migration that cannot happen. The node is marked
 * ineligible, its allocations stop with it when it reboots, and once it is back and eligible the
 * host is not done until each of them runs on it again (Nomad places the lost allocations of a job
 * pinned to the node there once it is ready and eligible: blocked_evals.go unblocks on the capacity
 * change).
 */
final class Recreate {
  private Recreate() {}

  /** DRAINING for a recreate host: remembers its allocations and marks it ineligible. */
  static Phase.Step stopWithTheHost(HostRun run) throws HostFailure, InterruptedException {
    Instant deadline = run.now().plus(run.settings.drainTimeout());
    List<Allocation> allocs =
        run.waiting
            .retrying(
                deadline,
                () -> run.ports.nomad().nodeAllocations(run.node.id(), BlockingQuery.NONE))
            .value();
    List<String> stopping =
        allocs.stream().filter(a -> a.active() && !a.system()).map(Recreate::key).sorted().toList();
    run.update(p -> p.recreated = stopping);
    run.waiting.retrying(
        deadline,
        () -> {
          run.ports.nomad().setEligibility(run.node.id(), false);
          return null;
        });
    return new Phase.Step(
        HostState.REBUILDING,
        "recreate: marked ineligible, not drained; "
            + stopping.size()
            + " allocation(s) stop with the host and must run on it again");
  }

  /**
   * After the host is eligible again: waits until each allocation that stopped with it runs on it
   * again, within {@code timeouts.health}.
   */
  static String awaitReturn(HostRun run) throws HostFailure, InterruptedException {
    List<String> expected = run.progress().recreated();
    if (expected.isEmpty()) {
      return "";
    }
    Instant deadline = run.now().plus(run.settings.healthTimeout());
    run.untilAllocations(
        deadline,
        allocs -> {
          List<String> missing = missing(expected, allocs);
          return missing.isEmpty()
              ? java.util.Optional.empty()
              : java.util.Optional.of(String.join(", ", missing));
        },
        "recreate: not running on the host again after "
            + Durations.format(run.settings.healthTimeout()));
    return expected.size() + " allocation(s) running on it again";
  }

  /** The {@code expected} job/group keys (with their counts) that have no running allocation. */
  static List<String> missing(List<String> expected, List<Allocation> now) {
    Map<String, Long> running =
        now.stream()
            .filter(a -> "running".equals(a.clientStatus()))
            .collect(Collectors.groupingBy(Recreate::key, HashMap::new, Collectors.counting()));
    List<String> missing = new ArrayList<>();
    for (String key : expected) {
      long left = running.getOrDefault(key, 0L);
      if (left > 0) {
        running.put(key, left - 1);
      } else {
        missing.add(key);
      }
    }
    return missing;
  }

  private static String key(Allocation a) {
    return a.jobId() + "/" + a.taskGroup();
  }
}
