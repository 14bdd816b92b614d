package dev.laborchestrator.cli;

/** The process exit codes the CLI promises. */
final class ExitCodes {
  static final int DONE = 0;
  static final int FAILED = 1;
  static final int INVALID_INPUT = 2;

  /** Another rollout holds the lock. */
  static final int LOCKED = 3;

  private ExitCodes() {}
}
