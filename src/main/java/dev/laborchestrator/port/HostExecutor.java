package dev.laborchestrator.port;

/** Triggers a NixOS rebuild and reboot on one host. */
public interface HostExecutor {
  /**
   * Starts the rebuild and reboot and returns once it has been triggered; it does not wait for the
   * host to come back. Never retried blindly: a second trigger could reboot the host twice.
   *
   * @throws ExecutorException when the trigger itself failed (non-zero exit, timeout)
   */
  void rebuildAndReboot(HostTarget target) throws ExecutorException;

  /**
   * Boots the host into its previous NixOS generation (for {@code nixos-rebuild}: {@code boot
   * --rollback}, then a reboot) and returns once that has been triggered.
   */
  default void rollback(HostTarget target) throws ExecutorException {
    throw new ExecutorException("this executor has no rollback command configured");
  }

  /** A trigger that did not happen, with a message fit for the operator. */
  final class ExecutorException extends Exception {
    private static final long serialVersionUID = 1L;

    public ExecutorException(String message) {
      super(message);
    }

    public ExecutorException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
