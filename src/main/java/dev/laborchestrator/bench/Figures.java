package dev.laborchestrator.bench;

import dev.laborchestrator.sim.SimEvent;
import dev.laborchestrator.sim.SimRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one controller's run cost, read from the simulated lab's record alone, so that the
 * controller under test and the naive baseline are measured by the same ruler: the lab's own clock
 * and the requests it answered.
 *
 * @param makespanMillis first drain request to last eligibility, real milliseconds
 * @param lowerBoundMillis the fastest any controller could have been, given the physical time of
 *     each host (see {@link #lowerBound})
 * @param drainToTrigger per host: drain complete (sim) to the reboot trigger received, ms
 * @param stableToEligible per host: checks passing for {@code stableFor} to eligibility received,
 *     ms
 * @param requests Nomad and Consul requests counted (see {@link #of})
 * @param outOfService per host: its drain request to its eligibility again, ms: the time it ran no
 *     new work (issue 9)
 * @param switched hosts switched to their new system rather than rebooted
 */
public record Figures(
    long makespanMillis,
    long lowerBoundMillis,
    List<Long> drainToTrigger,
    List<Long> stableToEligible,
    long requests,
    int hosts,
    List<Long> outOfService,
    int switched) {

  public Figures {
    drainToTrigger = List.copyOf(drainToTrigger);
    stableToEligible = List.copyOf(stableToEligible);
    outOfService = List.copyOf(outOfService);
  }

  /** The mean of {@link #outOfService}, ms; 0 without hosts. */
  public double meanOutOfService() {
    return outOfService.stream().mapToLong(Long::longValue).average().orElse(0);
  }

  /** Makespan over lower bound. */
  public double ratio() {
    return lowerBoundMillis == 0 ? Double.NaN : (double) makespanMillis / lowerBoundMillis;
  }

  public double requestsPerHost() {
    return hosts == 0 ? Double.NaN : (double) requests / hosts;
  }

  /**
   * The figures of one run.
   *
   * @param waveOf each host's rebootOrder: the hosts of the rollout
   * @param parallel maxParallel
   * @param stableForMillis the health.stableFor the controller was given, real ms
   * @param countFrom requests arriving from this instant (real ms) on are counted, except lock
   *     acquisitions: what came before is the controller's pre-flight
   */
  public static Figures of(
      List<SimEvent> events,
      List<SimRequest> requests,
      Map<String, Integer> waveOf,
      int parallel,
      long stableForMillis,
      long countFrom) {
    Map<String, HostTimes> times = HostTimes.fromRecord(events, waveOf.keySet());
    List<String> unfinished =
        waveOf.keySet().stream().filter(h -> !times.get(h).complete()).sorted().toList();
    if (!unfinished.isEmpty()) {
      throw new IllegalStateException(
          "the record lacks a full cycle (drain, reboot, ready, checks, eligible) for "
              + unfinished.size()
              + " host(s), e.g. "
              + unfinished.get(0));
    }
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    List<Long> reaction1 = new ArrayList<>();
    List<Long> reaction2 = new ArrayList<>();
    List<Long> outOfService = new ArrayList<>();
    int switched = 0;
    Map<Integer, List<Long>> physicalByWave = new TreeMap<>();
    for (Map.Entry<String, Integer> host : waveOf.entrySet()) {
      HostTimes t = times.get(host.getKey());
      first = Math.min(first, t.drainStarted);
      last = Math.max(last, t.eligible);
      reaction1.add(t.triggered - t.drainComplete - t.drainedBuild());
      outOfService.add(t.eligible - t.drainStarted);
      switched += t.switched ? 1 : 0;
      reaction2.add(t.eligible - (t.healthy() + stableForMillis));
      physicalByWave
          .computeIfAbsent(host.getValue(), w -> new ArrayList<>())
          .add(t.physical(stableForMillis));
    }
    long counted =
        requests.stream()
            .filter(r -> r.atMillis() >= countFrom && !r.query().contains("lock-acquire"))
            .count();
    return new Figures(
        last - first,
        lowerBound(physicalByWave, parallel),
        reaction1,
        reaction2,
        counted,
        waveOf.size(),
        outOfService,
        switched);
  }

  /**
   * Lower bound of a wave = max(its longest host, the sum of its hosts / maxParallel); of the
   * rollout, the sum over its waves (waves run one after the other).
   */
  static long lowerBound(Map<Integer, List<Long>> physicalByWave, int parallel) {
    long total = 0;
    for (List<Long> wave : physicalByWave.values()) {
      long longest = wave.stream().mapToLong(Long::longValue).max().orElse(0);
      long sum = wave.stream().mapToLong(Long::longValue).sum();
      total += Math.max(longest, (sum + parallel - 1) / parallel);
    }
    return total;
  }

  /** Nearest-rank percentile ({@code p} in 0..100] of {@code values}; 0 when there are none. */
  public static long percentile(List<Long> values, double p) {
    if (values.isEmpty()) {
      return 0;
    }
    List<Long> sorted = values.stream().sorted().toList();
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size(), rank) - 1));
  }

  /**
   * The instants (real ms) of one host's cycle, the first of each after the one before. The
   * activation ({@code triggered}) is a reboot or, for a host whose kernel did not change, a
   * switch: the host then stays {@code ready} and only its services restart. A build the host
   * waited for drained (no build ahead) counts as physical time, not as the controller's reaction.
   */
  static final class HostTimes {
    long drainStarted = -1;
    long drainComplete = -1;
    long buildStarted = -1;
    long buildFinished = -1;
    boolean switched;
    long triggered = -1;
    long ready = -1;
    long checksPassing = -1;
    long eligible = -1;

    boolean complete() {
      return eligible >= 0;
    }

    /** Ready and every check passing: from here the controller waits {@code stableFor}. */
    long healthy() {
      return Math.max(ready, checksPassing);
    }

    /** The part of the build that ran while the host was drained, ms. */
    long drainedBuild() {
      return buildFinished < 0 ? 0 : buildFinished - Math.max(buildStarted, drainComplete);
    }

    /**
     * What the cluster makes anyone wait for: drain start..complete, the build if the host was
     * drained for it, trigger..ready, ready..checks passing, and stableFor.
     */
    long physical(long stableForMillis) {
      return (drainComplete - drainStarted)
          + drainedBuild()
          + (ready - triggered)
          + Math.max(0, checksPassing - ready)
          + stableForMillis;
    }

    static Map<String, HostTimes> fromRecord(List<SimEvent> events, java.util.Set<String> hosts) {
      Map<String, HostTimes> times = new HashMap<>();
      hosts.forEach(h -> times.put(h, new HostTimes()));
      for (SimEvent e : events) {
        HostTimes t = times.get(e.node());
        if (t != null) {
          t.see(e);
        }
      }
      return times;
    }

    private void see(SimEvent e) {
      long at = e.atMillis();
      switch (e.type()) {
        case DRAIN_STARTED -> {
          if (drainStarted < 0) {
            drainStarted = at;
          }
        }
        case DRAIN_COMPLETE -> {
          if (drainStarted >= 0 && drainComplete < 0) {
            drainComplete = at;
          }
        }
        case BUILD_STARTED -> {
          if (triggered < 0) {
            buildStarted = at;
          }
        }
        case BUILD_FINISHED -> {
          // Only a build that ended while the host was drained is counted (drainedBuild).
          if (drainComplete >= 0 && triggered < 0 && buildStarted >= 0) {
            buildFinished = at;
          }
        }
        case REBOOT_STARTED -> {
          if (drainComplete >= 0 && triggered < 0) {
            triggered = at;
          }
        }
        case SWITCHED -> {
          if (drainComplete >= 0 && triggered < 0) {
            triggered = at;
            ready = at; // a switch does not restart the host: it stays ready
            switched = true;
          }
        }
        case STATUS_CHANGED -> {
          if (triggered >= 0 && ready < 0 && "ready".equals(e.detail())) {
            ready = at;
          }
        }
        case CHECKS_CHANGED -> {
          if (triggered >= 0 && checksPassing < 0 && e.checksPassing()) {
            checksPassing = at;
          }
        }
        case ELIGIBILITY_CHANGED -> {
          if (ready >= 0 && checksPassing >= 0 && eligible < 0 && e.eligible()) {
            eligible = at;
          }
        }
        default -> {}
      }
    }
  }
}
