package dev.laborchestrator.watch;

import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NomadNode;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The state both watches keep: the plan's nodes, every node's checks, a version, and waiting for
 * the version to move. Guarded by its own monitor.
 */
abstract class View implements ClusterWatch {
  final Clock clock;
  private final Map<String, Indexed<NomadNode>> nodes = new HashMap<>();
  private Map<String, List<HealthCheck>> checks = Map.of();

  /** The checks came as one answer for every node (not node by node). */
  private boolean everyNode;

  private boolean checksKnown;
  private ApiException checksRefused;
  private long version;
  volatile boolean closed;

  View(Clock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized long version() {
    return version;
  }

  @Override
  public synchronized Indexed<NomadNode> node(String nodeId) {
    return nodes.get(nodeId);
  }

  @Override
  public synchronized List<HealthCheck> checks(String consulName) {
    if (checksRefused != null) {
      throw checksRefused;
    }
    return checksKnown ? checks.getOrDefault(consulName, List.of()) : null;
  }

  @Override
  public synchronized Map<String, List<HealthCheck>> allChecks() {
    if (checksRefused != null) {
      throw checksRefused;
    }
    return checksKnown && everyNode ? checks : null;
  }

  synchronized boolean follows(String nodeId) {
    return nodes.containsKey(nodeId);
  }

  synchronized java.util.Set<String> nodeIds() {
    return java.util.Set.copyOf(nodes.keySet());
  }

  /** Keeps {@code node} unless what is kept is newer; true when that changed the view. */
  synchronized boolean putNode(String nodeId, Indexed<NomadNode> node) {
    Indexed<NomadNode> kept = nodes.get(nodeId);
    if (kept != null && kept.index() > node.index()) {
      return false;
    }
    nodes.put(nodeId, node);
    if (kept == null || !kept.value().equals(node.value())) {
      changed();
      return true;
    }
    return false;
  }

  /** Replaces every node's checks with one answer of Consul's. */
  synchronized void putChecks(List<HealthCheck> all) {
    Map<String, List<HealthCheck>> byNode =
        all.stream().collect(Collectors.groupingBy(HealthCheck::node, Collectors.toList()));
    boolean differs = !checksKnown || checksRefused != null || !byNode.equals(checks);
    checks = byNode;
    checksKnown = true;
    everyNode = true;
    checksRefused = null;
    if (differs) {
      changed();
    }
  }

  /** Replaces one node's checks (the polled watch reads node by node). */
  synchronized void putChecks(String consulName, List<HealthCheck> nodeChecks) {
    Map<String, List<HealthCheck>> next = new HashMap<>(checks);
    next.put(consulName, List.copyOf(nodeChecks));
    boolean differs = !checksKnown || checksRefused != null || !next.equals(checks);
    checks = next;
    if (differs) {
      changed();
    }
  }

  /** All checks are known once each followed node's were read: the polled watch says when. */
  synchronized void checksKnown(boolean known) {
    if (checksKnown != known) {
      checksKnown = known;
      changed();
    }
  }

  /** Consul's answer is not known right now (a transient failure): nobody may count on it. */
  synchronized void checksUnknown() {
    checksKnown(false);
  }

  /** Consul refused the watch for good ({@code null}: it answers again). */
  synchronized void checksRefused(ApiException refusal) {
    if (!Objects.equals(checksRefused, refusal)) {
      checksRefused = refusal;
      changed();
    }
  }

  synchronized void changed() {
    version++;
    notifyAll();
  }

  @Override
  public void poke() {
    changed();
  }

  /** Waits on the monitor in real time: for the watch that others keep current. */
  long awaitInRealTime(long seen, Instant deadline) throws InterruptedException {
    synchronized (this) {
      while (version <= seen && !closed) {
        long nanos = Duration.between(clock.now(), deadline).toNanos();
        if (nanos <= 0) {
          break;
        }
        wait(nanos / 1_000_000, (int) (nanos % 1_000_000));
      }
      return version;
    }
  }

  @Override
  public void close() {
    closed = true;
    synchronized (this) {
      notifyAll();
    }
  }
}
