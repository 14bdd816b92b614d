package dev.laborchestrator.port;

/**
 * Rebuilds NixOS on one host and activates the result. Either in one step ({@link
 * #rebuildAndReboot}), or, when the executor {@linkplain #buildsAhead() builds ahead}, in two: the
 * new system is built (or fetched) and staged while the host still runs its work ({@link #build}),
 * and only activated once the host is drained ({@link #activate}), so that the unschedulable window
 * covers activation, reboot and verification only.
 */
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

  /**
   * Whether {@link #build} and {@link #activate} are available. When false, the engine uses {@link
   * #rebuildAndReboot} with the host drained for the whole rebuild.
   */
  default boolean buildsAhead() {
    return false;
  }

  /**
   * Builds (or fetches) the host's new system and leaves it on the host without activating it. The
   * host keeps running its work meanwhile; nothing on it changes but its Nix store. Returns once
   * the build has finished.
   *
   * @throws BuildFailedException when the build itself failed (the configuration does not evaluate
   *     or a derivation failed): the host must not be drained
   * @throws ExecutorException when the build could not be run (unreachable host, timeout, output
   *     that does not follow the contract)
   * @throws UnsupportedOperationException when this executor cannot build ahead ({@link
   *     #buildsAhead()} is false): use {@link #rebuildAndReboot}
   */
  default Build build(HostTarget target) throws ExecutorException {
    throw new UnsupportedOperationException(
        "this executor cannot build ahead: use rebuildAndReboot");
  }

  /**
   * Activates exactly the system {@link #build} returned for this host. With {@code reboot}: makes
   * it the boot default and reboots, returning once the reboot has been triggered (the connection
   * dropping with it is not a failure). Without: switches the running host to it and returns once
   * the switch has finished. Never retried blindly, like {@link #rebuildAndReboot}.
   *
   * @throws UnsupportedOperationException when this executor cannot build ahead
   */
  default void activate(HostTarget target, Build build, boolean reboot) throws ExecutorException {
    throw new UnsupportedOperationException(
        "this executor cannot build ahead: use rebuildAndReboot");
  }

  /**
   * A system built for a host and staged on it, not yet active.
   *
   * @param storePath the system's top-level store path, e.g. {@code
   *     /nix/store/...-nixos-system-web-1-25.11}; an absolute path of letters, digits and {@code +
   *     - . _ ? = /} (the characters of Nix store path names), no component starting with {@code
   *     .}, so that it is safe in an argv and, quoted, in a remote shell
   * @param rebootNeeded whether its {@code kernel}, {@code initrd} or {@code kernel-modules} differ
   *     from those of the running system ({@code /run/booted-system}), as NixOS's {@code
   *     system.autoUpgrade} decides
   */
  record Build(String storePath, boolean rebootNeeded) {
    private static final java.util.regex.Pattern STORE_PATH =
        java.util.regex.Pattern.compile("(/[A-Za-z0-9+_?=-][A-Za-z0-9+._?=-]*)+");

    public Build {
      if (!isStorePath(storePath)) {
        throw new IllegalArgumentException(
            "not a store path: an absolute path of letters, digits and + - . _ ? = / is expected");
      }
    }

    /** Whether {@code path} is acceptable as {@link #storePath()}. */
    public static boolean isStorePath(String path) {
      return path != null && path.length() <= 4096 && STORE_PATH.matcher(path).matches();
    }
  }

  /** A trigger that did not happen, with a message fit for the operator. */
  class ExecutorException extends Exception {
    private static final long serialVersionUID = 1L;

    public ExecutorException(String message) {
      super(message);
    }

    public ExecutorException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The host's new system did not build: its configuration does not evaluate, a derivation failed,
   * or a substitute could not be fetched. Nothing was changed on the host, and it must not be
   * drained for this update.
   */
  final class BuildFailedException extends ExecutorException {
    private static final long serialVersionUID = 1L;

    public BuildFailedException(String message) {
      super(message);
    }
  }
}
