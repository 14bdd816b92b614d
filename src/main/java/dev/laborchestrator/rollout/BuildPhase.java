package dev.laborchestrator.rollout;

import dev.laborchestrator.port.HostExecutor.Build;
import dev.laborchestrator.port.HostExecutor.BuildFailedException;
import dev.laborchestrator.port.HostExecutor.ExecutorException;

/**
 * BUILDING: the host's new system is built (or fetched) and staged on it while it still runs its
 * work, and recorded in its progress, so that what is activated later is exactly what was built.
 * Ahead of the host's turn when the engine builds ahead; else right before it is activated. A build
 * that fails fails the host with nothing changed on it.
 */
final class BuildPhase {
  private BuildPhase() {}

  /** The host's staged build: the recorded one, else a new one. */
  static Build build(HostRun run) throws HostFailure {
    Build recorded = run.progress().build();
    if (recorded != null) {
      return recorded;
    }
    Build built;
    try {
      built = run.ports.executor().build(run.target());
    } catch (BuildFailedException e) {
      throw new HostFailure("the build failed: " + e.getMessage());
    } catch (ExecutorException e) {
      throw new HostFailure("the build could not be run: " + e.getMessage());
    }
    run.update(
        p -> {
          p.builtPath = built.storePath();
          p.rebootNeeded = built.rebootNeeded();
        });
    return built;
  }

  /** Whether the host's build is activated by a switch rather than a reboot. */
  static boolean switches(HostRun run, Build build) {
    return run.settings.rebootWhenNeeded() && !build.rebootNeeded();
  }

  /** What the progress line says of a finished build. */
  static String describe(Build build) {
    return "built "
        + build.storePath()
        + (build.rebootNeeded()
            ? " (kernel, initrd or modules changed: needs a reboot)"
            : " (same kernel, initrd and modules: no reboot needed)");
  }
}
