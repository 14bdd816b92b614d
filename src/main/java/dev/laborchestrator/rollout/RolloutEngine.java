package dev.laborchestrator.rollout;

import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.plan.Plan.PlannedHost;
import dev.laborchestrator.plan.Plan.Wave;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs a plan: wave after wave; within a wave, hosts in plan order as soon as their dependencies
 * are done, at most {@code maxParallel} at once, a critical host alone. After a failure no new host
 * starts; hosts in flight finish or fail.
 */
public final class RolloutEngine {
  private final Ports ports;
  private final RolloutSettings settings;
  private final RolloutListener listener;

  public RolloutEngine(Ports ports, RolloutSettings settings, RolloutListener listener) {
    this.ports = ports;
    this.settings = settings;
    this.listener = listener;
  }

  public RolloutResult run(Plan plan, String rolloutId) throws InterruptedException {
    Map<String, HostRollout> rollouts = new LinkedHashMap<>();
    List<PlannedHost> all = plan.hosts();
    int toRoll = (int) all.stream().filter(h -> !h.skipped()).count();
    int number = 0;
    for (PlannedHost host : all) {
      String position = host.skipped() ? "skipped" : "host " + ++number + " of " + toRoll + " (" + host.hostname() + ")";
      rollouts.put(host.hostname(), new HostRollout(host, ports, settings, listener, rolloutId, position));
    }
    ExecutorService pool = Executors.newFixedThreadPool(plan.maxParallel(), r -> {
      Thread thread = new Thread(r, "rollout");
      thread.setDaemon(true);
      return thread;
    });
    try {
      Set<String> finished = new HashSet<>();
      boolean failed = false;
      for (Wave wave : plan.waves()) {
        failed = runWave(wave, plan.maxParallel(), rollouts, finished, pool);
        if (failed) {
          break;
        }
      }
    } finally {
      pool.shutdownNow();
    }
    List<HostReport> reports = new ArrayList<>();
    rollouts.values().forEach(r -> reports.add(r.report()));
    return new RolloutResult(rolloutId, reports);
  }

  private boolean runWave(Wave wave, int maxParallel, Map<String, HostRollout> rollouts, Set<String> finished,
      ExecutorService pool) throws InterruptedException {
    List<PlannedHost> pending = new ArrayList<>();
    for (PlannedHost host : wave.hosts()) {
      if (host.skipped()) {
        rollouts.get(host.hostname()).skip();
        finished.add(host.hostname());
      } else {
        pending.add(host);
      }
    }
    ExecutorCompletionService<HostReport> done = new ExecutorCompletionService<>(pool);
    Map<Future<HostReport>, PlannedHost> running = new LinkedHashMap<>();
    boolean failed = false;
    while (!pending.isEmpty() || !running.isEmpty()) {
      if (!failed) {
        for (PlannedHost next : startable(pending, running.values(), finished, maxParallel)) {
          pending.remove(next);
          HostRollout rollout = rollouts.get(next.hostname());
          running.put(done.submit(rollout::run), next);
        }
      }
      if (running.isEmpty()) {
        break;
      }
      Future<HostReport> completed = done.take();
      running.remove(completed);
      HostReport report;
      try {
        report = completed.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("a host rollout crashed", e.getCause());
      }
      if (report.state() == HostState.DONE) {
        finished.add(report.hostname());
      } else {
        failed = true;
      }
    }
    return failed;
  }

  /**
   * The hosts that may start now, in plan order. A critical host waits until nothing runs and then
   * runs alone; no later host overtakes it.
   */
  static List<PlannedHost> startable(List<PlannedHost> pending, java.util.Collection<PlannedHost> running,
      Set<String> finished, int maxParallel) {
    List<PlannedHost> start = new ArrayList<>();
    int busy = running.size();
    boolean criticalRunning = running.stream().anyMatch(PlannedHost::critical);
    for (PlannedHost host : pending) {
      if (criticalRunning || busy >= maxParallel) {
        break;
      }
      if (!finished.containsAll(host.spec().dependencies())) {
        continue;
      }
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
