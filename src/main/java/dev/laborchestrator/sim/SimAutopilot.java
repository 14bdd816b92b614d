package dev.laborchestrator.sim;

import java.util.Optional;

/**
 * The Raft health that Nomad's and Consul's {@code /v1/operator/autopilot/health} report for the
 * lab's server hosts ({@link SimNode#server(boolean)}), and a knob to make it unhealthy on purpose.
 */
public final class SimAutopilot {

  private final Cluster cluster;

  SimAutopilot(Cluster cluster) {
    this.cluster = cluster;
  }

  /**
   * While true both APIs report {@code Healthy: false} with a failure tolerance of 0 and answer
   * 429, whatever the servers' state (say, a server lagging behind the leader's log).
   */
  public SimAutopilot forceUnhealthy(boolean unhealthy) {
    cluster.forceAutopilotUnhealthy(unhealthy);
    return this;
  }

  /** What {@code Healthy} says now. */
  public boolean healthy() {
    return cluster.locked(c -> c.autopilotLocked().healthy());
  }

  /** What {@code FailureTolerance} says now. */
  public int failureTolerance() {
    return cluster.locked(c -> c.autopilotLocked().failureTolerance());
  }

  /** The hostname of the current Raft leader; empty with no server hosts or no quorum. */
  public Optional<String> leader() {
    return Optional.ofNullable(cluster.locked(c -> c.autopilotLocked().leaderHost()));
  }
}
