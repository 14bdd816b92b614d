package dev.laborchestrator.rollout;

/** The states of one host's rollout (design §3). */
public enum HostState {
  PENDING,
  PREPARING,
  DRAINING,
  REBUILDING,
  REBOOTING,
  RETURNING,
  VERIFYING,
  ENABLING,
  DONE,
  FAILED,
  SKIPPED;

  public boolean terminal() {
    return this == DONE || this == FAILED || this == SKIPPED;
  }

  /** Whether the node is (or may be) out of service in this state. */
  public boolean outOfService() {
    return ordinal() >= DRAINING.ordinal() && ordinal() <= ENABLING.ordinal();
  }
}
