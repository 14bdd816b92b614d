package dev.laborchestrator.watch;

import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NomadNode;
import java.time.Instant;
import java.util.List;

/**
 * What the rollout knows of the cluster right now, and a way to wait until that changes. Every
 * host's state machine and the gates read it instead of asking Nomad and Consul themselves.
 *
 * <p>Reads never block and never send a request. {@link #version} grows with every change seen;
 * {@link #awaitChange} waits for the next one (or a deadline), so a waiting host wakes when the
 * cluster moves, not on a timer.
 */
public interface ClusterWatch extends AutoCloseable {
  /** Grows with every change seen (and every {@link #poke}). */
  long version();

  /**
   * The latest state of a plan node with the raft index it was seen at (the node's ModifyIndex or
   * the event's index), or null if the node is not one this watch follows.
   */
  Indexed<NomadNode> node(String nodeId);

  /**
   * Every check on the Consul node {@code consulName} (empty: none registered, e.g. its agent is
   * away during a reboot), or null while Consul's answer is not known (a transient failure since
   * the last good read). Throws the {@link ApiException} when Consul refused the watch for good (a
   * token that may not read service checks).
   */
  List<HealthCheck> checks(String consulName);

  /**
   * The checks of every Consul node, by node name, when the watch follows all of them (one answer
   * of {@code /v1/health/state/any}); null when it does not (it reads the plan's nodes only) or
   * Consul's answer is not known right now.
   */
  default java.util.Map<String, List<HealthCheck>> allChecks() {
    return null;
  }

  /**
   * Waits until {@link #version} is above {@code seen} or {@code deadline} has come, and returns
   * the version then.
   */
  long awaitChange(long seen, Instant deadline) throws InterruptedException;

  /**
   * Like {@link #awaitChange(long, Instant)}, for one who reads only the node {@code nodeId} and
   * its checks: it may sleep through changes that concern neither (the default wakes on any).
   */
  default long awaitChange(long seen, Instant deadline, String nodeId) throws InterruptedException {
    return awaitChange(seen, deadline);
  }

  /** Wakes everyone waiting in {@link #awaitChange}: the engine calls it when a host finishes. */
  void poke();

  /** Reads the node from Nomad now (for the one read an action must not miss), and keeps it. */
  Indexed<NomadNode> refresh(String nodeId);

  /** How the watch follows Nomad now, for the progress output: "event stream", ... */
  String mode();

  @Override
  void close();
}
