package dev.laborchestrator.rollout;

/** Ends one host's rollout in FAILED with a reason for the operator. */
class HostFailure extends Exception {
  private static final long serialVersionUID = 1L;

  HostFailure(String reason) {
    super(reason);
  }
}
