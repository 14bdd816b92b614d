package dev.laborchestrator.bench;

import dev.laborchestrator.consul.ConsulHttpClient;
import dev.laborchestrator.nomad.NomadHttpClient;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.DrainRequest;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.HostExecutor;
import dev.laborchestrator.port.HostTarget;
import dev.laborchestrator.port.NodeStub;
import dev.laborchestrator.port.NomadNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The baseline: what a plain script does, one polling loop per host. Drain, poll the node until its
 * drain strategy is gone, trigger the rebuild, poll until the node is ready with a new boot id,
 * poll the checks until all pass and keep polling until they have passed for {@code stableFor},
 * then make the node eligible. Waves in order; at most {@code parallel} hosts at once, the next
 * host as soon as one finishes. No lock, no checkpoints, no gates: it is the floor of what any
 * controller must ask, at one fixed polling interval.
 */
public final class NaiveController {
  private final NomadHttpClient nomad;
  private final ConsulHttpClient consul;
  private final HostExecutor trigger;
  private final Duration interval;
  private final Duration stableFor;
  private final Duration drainDeadline;

  public NaiveController(
      NomadHttpClient nomad,
      ConsulHttpClient consul,
      HostExecutor trigger,
      Duration interval,
      Duration stableFor,
      Duration drainDeadline) {
    this.nomad = nomad;
    this.consul = consul;
    this.trigger = trigger;
    this.interval = interval;
    this.stableFor = stableFor;
    this.drainDeadline = drainDeadline;
  }

  /**
   * The node IDs of the hosts: the script's one look at the cluster before it starts (pre-flight,
   * not counted).
   */
  public Map<String, String> nodeIds() {
    Map<String, String> ids = new TreeMap<>();
    for (NodeStub stub : nomad.listNodes()) {
      ids.put(stub.name(), stub.id());
    }
    return ids;
  }

  /**
   * Rolls every host of {@code waveOf} (host -> rebootOrder), wave after wave.
   *
   * @throws IllegalStateException naming the first host that failed
   */
  public void roll(Map<String, Integer> waveOf, Map<String, String> nodeIds, int parallel)
      throws InterruptedException {
    Map<Integer, List<String>> waves = new TreeMap<>();
    waveOf.forEach((host, wave) -> waves.computeIfAbsent(wave, w -> new ArrayList<>()).add(host));
    ExecutorService pool = Executors.newFixedThreadPool(parallel, daemon());
    try {
      for (List<String> wave : waves.values()) {
        List<Future<Void>> done = new ArrayList<>();
        for (String host : wave) {
          String id = nodeIds.get(host);
          if (id == null) {
            throw new IllegalStateException("no Nomad node named " + host);
          }
          Callable<Void> cycle =
              () -> {
                cycle(host, id);
                return null;
              };
          done.add(pool.submit(cycle));
        }
        for (Future<Void> f : done) {
          try {
            f.get();
          } catch (ExecutionException e) {
            throw new IllegalStateException("naive controller: " + e.getCause().getMessage(), e);
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private void cycle(String host, String nodeId) throws Exception {
    String bootId = nomad.readNode(nodeId, BlockingQuery.NONE).value().bootId();
    nomad.drain(nodeId, new DrainRequest(drainDeadline, true, Map.of()));
    NomadNode node = poll(nodeId);
    while (node.draining()) {
      node = poll(nodeId);
    }
    trigger.rebuildAndReboot(new HostTarget(host, nodeId, null));
    while (!(node.ready() && node.bootId() != null && !node.bootId().equals(bootId))) {
      node = poll(nodeId);
    }
    String consulName = node.consulName();
    long passingSince = -1;
    while (true) {
      Thread.sleep(interval.toMillis());
      List<HealthCheck> checks = consul.nodeChecks(consulName, BlockingQuery.NONE).value();
      boolean passing = !checks.isEmpty() && checks.stream().allMatch(HealthCheck::passing);
      long now = System.nanoTime();
      if (!passing) {
        passingSince = -1;
      } else if (passingSince < 0) {
        passingSince = now;
      } else if (now - passingSince >= stableFor.toNanos()) {
        break;
      }
    }
    nomad.setEligibility(nodeId, true);
  }

  private NomadNode poll(String nodeId) throws InterruptedException {
    Thread.sleep(interval.toMillis());
    return nomad.readNode(nodeId, BlockingQuery.NONE).value();
  }

  private static java.util.concurrent.ThreadFactory daemon() {
    return task -> {
      Thread thread = new Thread(task, "naive-host");
      thread.setDaemon(true);
      return thread;
    };
  }
}
