package dev.laborchestrator.rollout;

import java.time.Duration;
import java.util.Map;

/**
 * How one host's rollout ended: its final state, the failure or skip reason, and the time it spent
 * in each state.
 */
public record HostReport(
    String hostname, HostState state, String reason, Map<HostState, Duration> timeIn) {
  public HostReport {
    timeIn = Map.copyOf(timeIn);
  }

  public Duration time(HostState... states) {
    Duration total = Duration.ZERO;
    for (HostState state : states) {
      total = total.plus(timeIn.getOrDefault(state, Duration.ZERO));
    }
    return total;
  }

  /** Whether the host was switched to its new system rather than rebooted into it. */
  public boolean switched() {
    return timeIn.containsKey(HostState.SWITCHING) && !timeIn.containsKey(HostState.REBOOTING);
  }

  public Duration drained() {
    return time(HostState.DRAINING);
  }

  public Duration down() {
    return time(
        HostState.REBUILDING, HostState.SWITCHING, HostState.REBOOTING, HostState.RETURNING);
  }

  public Duration toHealthy() {
    return time(HostState.VERIFYING);
  }

  public Duration total() {
    return time(
        HostState.PREPARING,
        HostState.DRAINING,
        HostState.REBUILDING,
        HostState.SWITCHING,
        HostState.REBOOTING,
        HostState.RETURNING,
        HostState.VERIFYING,
        HostState.ENABLING);
  }
}
