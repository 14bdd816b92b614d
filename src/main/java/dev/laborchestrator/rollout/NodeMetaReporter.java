package dev.laborchestrator.rollout;

import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.NomadNodes;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Shows each host's progress on its Nomad node as dynamic metadata ({@value #STATE}, {@value #ID},
 * {@value #SINCE}), which the client page of the Nomad UI lists in its Meta table.
 *
 * <p>The metadata is set when the host is drained, when it is back and verified (or rolled back),
 * and removed when the host is {@code DONE} (or {@code SKIPPED} after this run had set it). A
 * {@code FAILED} or {@code ROLLED_BACK} host keeps it, so an operator sees on the node where and
 * when the rollout stopped; the next run that finishes the host clears it.
 *
 * <p>Writes never hold up a host: they go to one background worker, only the latest state of each
 * node is sent (a state that was overtaken before it was sent is dropped), and a failed write is
 * logged once per run and otherwise ignored. While a host reboots its Nomad client is down and a
 * write cannot land; it is not retried, because every write carries all three keys and the host's
 * next state brings the node up to date.
 */
public final class NodeMetaReporter implements RolloutListener, AutoCloseable {
  public static final String STATE = "lab.rollout.state";
  public static final String ID = "lab.rollout.id";
  public static final String SINCE = "lab.rollout.since";

  private final NomadNodes nomad;
  private final Map<String, String> nodeIds;
  private final String rolloutId;
  private final Clock clock;
  private final Consumer<String> warn;
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread thread = new Thread(r, "node-meta");
            thread.setDaemon(true);
            return thread;
          });

  /** The latest metadata of each node not yet sent; guarded by itself. */
  private final Map<String, Write> pending = new LinkedHashMap<>();

  private final Set<String> set = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean warned = new AtomicBoolean();

  /**
   * @param nodeIds the Nomad node ID of each host (hosts without one are left alone)
   * @param warn where the one warning about a failed write goes
   */
  public NodeMetaReporter(
      NomadNodes nomad,
      Map<String, String> nodeIds,
      String rolloutId,
      Clock clock,
      Consumer<String> warn) {
    this.nomad = nomad;
    this.nodeIds = Map.copyOf(nodeIds);
    this.rolloutId = rolloutId;
    this.clock = clock;
    this.warn = warn;
  }

  @Override
  public void transition(
      String host,
      HostState from,
      HostState to,
      Duration inPrevious,
      Duration sinceStart,
      String detail) {
    String nodeId = nodeIds.get(host);
    if (nodeId == null || !shown(to)) {
      return;
    }
    Map<String, String> meta = new HashMap<>();
    if (to == HostState.DONE || to == HostState.SKIPPED) {
      if (to == HostState.SKIPPED && !set.contains(host)) {
        return; // never set by this run: no reason to make the node re-register
      }
      meta.put(STATE, null);
      meta.put(ID, null);
      meta.put(SINCE, null);
    } else {
      set.add(host);
      meta.put(STATE, to.name());
      meta.put(ID, rolloutId);
      meta.put(SINCE, clock.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }
    Write write = new Write(host, to, meta);
    synchronized (pending) {
      boolean queued = pending.containsKey(nodeId);
      pending.put(nodeId, write);
      if (!queued) {
        worker.execute(() -> send(nodeId));
      }
    }
  }

  /**
   * The states worth a write: each write is a request and makes the node re-register, and while a
   * host rebuilds and reboots its client is about to go away. So the node shows DRAINING from its
   * drain until it is back, then VERIFYING (or ROLLING_BACK), then the outcome.
   */
  static boolean shown(HostState state) {
    return state == HostState.DRAINING
        || state == HostState.VERIFYING
        || state == HostState.ROLLING_BACK
        || state.terminal();
  }

  private void send(String nodeId) {
    Write write;
    synchronized (pending) {
      write = pending.remove(nodeId);
    }
    if (write == null) {
      return;
    }
    try {
      nomad.setNodeMeta(nodeId, write.meta());
    } catch (RuntimeException e) {
      boolean clientDown =
          write.state() == HostState.REBOOTING || write.state() == HostState.RETURNING;
      if (!clientDown && warned.compareAndSet(false, true)) {
        warn.accept(
            "could not show "
                + write.host()
                + " "
                + write.state()
                + " in its node metadata ("
                + e.getMessage()
                + "); the rollout goes on, and further failures of node metadata are not reported");
      }
    }
  }

  /**
   * Sends what is still pending (the last hosts' clearing, above all) and stops the worker, waiting
   * at most {@code wait}; what is not sent by then is dropped.
   */
  public void close(Duration wait) throws InterruptedException {
    worker.shutdown();
    if (!worker.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS)) {
      worker.shutdownNow();
    }
  }

  @Override
  public void close() throws InterruptedException {
    close(Duration.ofSeconds(10));
  }

  private record Write(String host, HostState state, Map<String, String> meta) {}
}
