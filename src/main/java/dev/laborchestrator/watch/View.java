package dev.laborchestrator.watch;

import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NomadNode;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * The state both watches keep: the plan's nodes, every node's checks, a version, and waiting for
 * the version to move.
 *
 * <p>Reads take no lock: the gates read every plan host's node and checks before each start, and at
 * 1,000 hosts they queued with the watch threads on one monitor. Changes are made under {@link
 * #lock}, which also orders the waiting. A change wakes those waiting for any change, and of those
 * waiting for one node only the ones it concerns (the node, or the checks of its Consul name): with
 * 50 hosts in flight, waking all of them for each of the hundreds of changes a second cost more
 * than the changes themselves, and the host a change was for queued behind the 49 others.
 */
abstract class View implements ClusterWatch {
  final Clock clock;
  private final Map<String, Indexed<NomadNode>> nodes = new ConcurrentHashMap<>();
  private volatile Checks checks = new Checks(Map.of(), false, null);
  private volatile long version;

  /** The checks come as one answer for every node (not node by node, as the polled watch reads). */
  private volatile boolean everyNode;

  volatile boolean closed;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition anyChange = lock.newCondition();

  /** Per followed node: whoever waits for it, and the version of its last change. Under lock. */
  private final Map<String, Waiters> waiters = new HashMap<>();

  /** The followed nodes by their Consul name, as last seen. Under lock. */
  private final Map<String, Set<String>> byConsulName = new HashMap<>();

  /** The version of the last change that concerns every node (a poke, Consul unknown). */
  private long everyoneChangedAt;

  /** Consul's answer as the view has it: one value, so that a read sees all three at once. */
  private record Checks(
      Map<String, List<HealthCheck>> byNode, boolean known, ApiException refused) {}

  private static final class Waiters {
    final Condition changed;
    long changedAt;

    Waiters(Condition changed) {
      this.changed = changed;
    }
  }

  View(Clock clock) {
    this.clock = clock;
  }

  @Override
  public long version() {
    return version;
  }

  @Override
  public Indexed<NomadNode> node(String nodeId) {
    return nodes.get(nodeId);
  }

  @Override
  public List<HealthCheck> checks(String consulName) {
    Checks now = checks;
    if (now.refused() != null) {
      throw now.refused();
    }
    return now.known() ? now.byNode().getOrDefault(consulName, List.of()) : null;
  }

  @Override
  public Map<String, List<HealthCheck>> allChecks() {
    Checks now = checks;
    if (now.refused() != null) {
      throw now.refused();
    }
    return now.known() && everyNode ? now.byNode() : null;
  }

  boolean follows(String nodeId) {
    return nodes.containsKey(nodeId);
  }

  java.util.Set<String> nodeIds() {
    return java.util.Set.copyOf(nodes.keySet());
  }

  /** Keeps {@code node} unless what is kept is newer; true when that changed the view. */
  boolean putNode(String nodeId, Indexed<NomadNode> node) {
    lock.lock();
    try {
      Indexed<NomadNode> kept = nodes.get(nodeId);
      if (kept != null && kept.index() > node.index()) {
        return false;
      }
      nodes.put(nodeId, node);
      String name = node.value().consulName();
      if (kept == null || !kept.value().consulName().equals(name)) {
        if (kept != null) {
          byConsulName.getOrDefault(kept.value().consulName(), new HashSet<>()).remove(nodeId);
        }
        byConsulName.computeIfAbsent(name, n -> new HashSet<>()).add(nodeId);
      }
      if (kept == null || !kept.value().equals(node.value())) {
        changed(Set.of(nodeId));
        return true;
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Replaces every node's checks with one answer of Consul's: all are known now. */
  void putChecks(List<HealthCheck> all) {
    Map<String, List<HealthCheck>> byNode =
        all.stream().collect(Collectors.groupingBy(HealthCheck::node, Collectors.toList()));
    lock.lock();
    try {
      everyNode = true;
      replaceChecks(new Checks(byNode, true, null));
    } finally {
      lock.unlock();
    }
  }

  /** Replaces one node's checks (the polled watch reads node by node). */
  void putChecks(String consulName, List<HealthCheck> nodeChecks) {
    lock.lock();
    try {
      Checks before = checks;
      Map<String, List<HealthCheck>> next = new HashMap<>(before.byNode());
      next.put(consulName, List.copyOf(nodeChecks));
      replaceChecks(new Checks(next, before.known(), before.refused()));
    } finally {
      lock.unlock();
    }
  }

  /** Under lock. */
  private void replaceChecks(Checks next) {
    Checks before = checks;
    checks = next;
    if (!before.known() || before.refused() != null || !next.known()) {
      changed(null);
      return;
    }
    Set<String> names = new HashSet<>();
    before
        .byNode()
        .forEach(
            (name, list) -> {
              if (!list.equals(next.byNode().get(name))) {
                names.add(name);
              }
            });
    next.byNode()
        .keySet()
        .forEach(
            name -> {
              if (!before.byNode().containsKey(name)) {
                names.add(name);
              }
            });
    if (names.isEmpty()) {
      return;
    }
    Set<String> concerned = new HashSet<>();
    names.forEach(name -> concerned.addAll(byConsulName.getOrDefault(name, Set.of())));
    changed(concerned);
  }

  /** All checks are known once each followed node's were read: the polled watch says when. */
  void checksKnown(boolean known) {
    lock.lock();
    try {
      Checks now = checks;
      if (now.known() != known) {
        checks = new Checks(now.byNode(), known, now.refused());
        changed(null);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Consul's answer is not known right now (a transient failure): nobody may count on it. */
  void checksUnknown() {
    checksKnown(false);
  }

  /** Consul refused the watch for good ({@code null}: it answers again). */
  void checksRefused(ApiException refusal) {
    lock.lock();
    try {
      Checks now = checks;
      if (!Objects.equals(now.refused(), refusal)) {
        checks = new Checks(now.byNode(), now.known(), refusal);
        changed(null);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * A new version: wakes whoever waits for any change, and those waiting for one of {@code
   * concerned} (node IDs; null: every node). Under lock.
   */
  private void changed(Set<String> concerned) {
    long now = ++version;
    anyChange.signalAll();
    if (concerned == null) {
      everyoneChangedAt = now;
      waiters.values().forEach(w -> w.changed.signalAll());
      return;
    }
    for (String id : concerned) {
      Waiters w = waiters.computeIfAbsent(id, i -> new Waiters(lock.newCondition()));
      w.changedAt = now;
      w.changed.signalAll();
    }
  }

  @Override
  public void poke() {
    lock.lock();
    try {
      changed(null);
    } finally {
      lock.unlock();
    }
  }

  /** Waits in real time for any change: for the watch that others keep current. */
  long awaitInRealTime(long seen, Instant deadline) throws InterruptedException {
    lock.lock();
    try {
      while (version <= seen && !closed) {
        long nanos = Duration.between(clock.now(), deadline).toNanos();
        if (nanos <= 0) {
          break;
        }
        anyChange.awaitNanos(nanos);
      }
      return version;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits in real time for a change that concerns {@code nodeId}: the node, its checks, or
   * everyone.
   */
  long awaitInRealTime(long seen, Instant deadline, String nodeId) throws InterruptedException {
    lock.lock();
    try {
      if (!nodes.containsKey(nodeId)) {
        return awaitInRealTime(seen, deadline);
      }
      Waiters w = waiters.computeIfAbsent(nodeId, i -> new Waiters(lock.newCondition()));
      while (lastChangeOf(nodeId) <= seen && !closed) {
        long nanos = Duration.between(clock.now(), deadline).toNanos();
        if (nanos <= 0) {
          break;
        }
        w.changed.awaitNanos(nanos);
      }
      return version;
    } finally {
      lock.unlock();
    }
  }

  /** The version of the last change that concerns {@code nodeId}: it, its checks, or everyone. */
  long lastChangeOf(String nodeId) {
    lock.lock();
    try {
      Waiters w = waiters.get(nodeId);
      return Math.max(w == null ? 0 : w.changedAt, everyoneChangedAt);
    } finally {
      lock.unlock();
    }
  }

  /** Whether anyone waits for a change of {@code nodeId} now (for tests). */
  boolean waitingFor(String nodeId) {
    lock.lock();
    try {
      Waiters w = waiters.get(nodeId);
      return w != null && lock.hasWaiters(w.changed);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    closed = true;
    lock.lock();
    try {
      anyChange.signalAll();
      waiters.values().forEach(w -> w.changed.signalAll());
    } finally {
      lock.unlock();
    }
  }
}
