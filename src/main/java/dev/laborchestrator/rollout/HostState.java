package dev.laborchestrator.rollout;

/** The states of one host's rollout (design §3). */
public enum HostState {
  PENDING,
  /**
   * Its new system is built and staged while it still runs its work (executors that build ahead);
   * the host is in service.
   */
  BUILDING,
  PREPARING,
  DRAINING,
  REBUILDING,
  REBOOTING,
  /** Its build needs no reboot ({@code reboot: when-needed}): switching the running host to it. */
  SWITCHING,
  RETURNING,
  VERIFYING,
  ENABLING,
  /** Verification failed and {@code onUnhealthy: rollback}: booting the previous generation. */
  ROLLING_BACK,
  DONE,
  FAILED,
  SKIPPED,
  /** Rolled back to its previous generation and healthy again; the rollout halts all the same. */
  ROLLED_BACK;

  public boolean terminal() {
    return this == DONE || this == FAILED || this == SKIPPED || this == ROLLED_BACK;
  }

  /**
   * Whether entering this state is checkpointed. A state that only watches (PREPARING checks and
   * waits, REBOOTING and RETURNING wait for the node, ENABLING re-checks before its idempotent
   * writes) resumes exactly as well from the state before it, so its entry costs no write: a run
   * that crashes in REBOOTING resumes in REBUILDING, which first looks whether the trigger took
   * effect; one that crashes in ENABLING verifies again. BUILDING is not either: a build repeated
   * after a crash finds its result in the Nix store. SWITCHING is: a switch repeated is harmless.
   */
  public boolean persisted() {
    return this != BUILDING
        && this != PREPARING
        && this != REBOOTING
        && this != RETURNING
        && this != ENABLING;
  }

  /** Whether the node is (or may be) out of service in this state. */
  public boolean outOfService() {
    return !terminal() && this != PENDING && this != BUILDING && this != PREPARING;
  }
}
