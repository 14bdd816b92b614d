package dev.laborchestrator.sim;

import java.util.Map;

/**
 * A snapshot of one simulated host.
 *
 * @param status Nomad status: {@code initializing}, {@code ready} or {@code down}
 * @param bootId {@code Meta["lab.boot-id"]}, or {@code null} when the host does not publish one
 * @param activeAllocs pending or running allocations by job type ({@code service}, {@code batch},
 *     {@code system}); every type is present
 * @param checks Consul checks by {@code CheckID} with their status; empty while the agent is
 *     deregistered
 * @param rebooting a reboot was triggered and the host is not back to {@code ready} yet
 * @param reboots real reboots started so far (a fake reboot does not count)
 * @param address the host's IP address, where its own Consul agent listens
 */
public record SimNodeState(
    String name,
    String id,
    String consulName,
    String status,
    boolean eligible,
    boolean draining,
    String bootId,
    String revision,
    Map<String, Integer> activeAllocs,
    Map<String, String> checks,
    boolean rebooting,
    int reboots,
    String address) {

  public SimNodeState {
    activeAllocs = Map.copyOf(activeAllocs);
    checks = Map.copyOf(checks);
  }

  public boolean ready() {
    return "ready".equals(status);
  }

  /** The Consul agent is registered and every check passes. */
  public boolean checksPassing() {
    return !checks.isEmpty() && checks.values().stream().allMatch("passing"::equals);
  }

  public int activeNonSystemAllocs() {
    return activeAllocs.get("service") + activeAllocs.get("batch");
  }
}
