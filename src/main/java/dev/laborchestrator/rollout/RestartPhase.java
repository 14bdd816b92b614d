package dev.laborchestrator.rollout;

import dev.laborchestrator.config.Durations;
import dev.laborchestrator.port.HostExecutor;
import dev.laborchestrator.port.HostExecutor.Build;
import dev.laborchestrator.port.HostExecutor.ExecutorException;
import dev.laborchestrator.port.NomadNode;
import java.time.Instant;
import java.util.Optional;

/**
 * REBUILDING, SWITCHING, ROLLING_BACK and REBOOTING: the executor triggers the rebuild and reboot
 * (or the rollback to the previous generation), once, and the node is watched until it has really
 * restarted. An executor that builds ahead activates exactly the system built for the host
 * (building it now if it was not built ahead): booting it, or, with {@code reboot: when-needed} and
 * the same kernel, initrd and modules, switching to it without a reboot.
 */
final class RestartPhase implements Phase {
  @Override
  public Step step(HostRun run) throws HostFailure, InterruptedException {
    return switch (run.progress().state()) {
      case REBUILDING -> trigger(run, false);
      case ROLLING_BACK -> trigger(run, true);
      case SWITCHING -> switchTo(run);
      default -> awaitRestart(run);
    };
  }

  private Step trigger(HostRun run, boolean rollback) throws HostFailure, InterruptedException {
    HostExecutor executor = run.ports.executor();
    Build build = null;
    if (!rollback && executor.buildsAhead()) {
      boolean hadBuild = run.progress().build() != null;
      build = BuildPhase.build(run);
      if (BuildPhase.switches(run, build)) {
        run.resumedInTrigger = false; // a switch repeated after a crash is harmless
        return new Step(
            HostState.SWITCHING, hadBuild ? "" : BuildPhase.describe(build) + " while drained");
      }
    }
    if (run.resumedInTrigger) {
      run.resumedInTrigger = false;
      if (triggerTookEffect(run)) {
        return new Step(
            HostState.REBOOTING,
            "the "
                + (rollback ? "rollback" : "trigger")
                + " before the crash took effect: not triggering again");
      }
    }
    Instant at = run.now();
    run.update(p -> p.triggeredAt = at);
    try {
      if (rollback) {
        executor.rollback(run.target());
      } else if (build != null) {
        executor.activate(run.target(), build, true);
      } else {
        executor.rebuildAndReboot(run.target());
      }
    } catch (ExecutorException e) {
      throw new HostFailure(
          rollback
              ? "rollback could not be triggered: "
                  + e.getMessage()
                  + " (rolling back because: "
                  + run.progress().rollbackOf()
                  + ")"
              : "rebuild and reboot could not be triggered: " + e.getMessage());
    }
    return new Step(
        HostState.REBOOTING,
        rollback
            ? "rollback to the previous generation triggered"
            : build != null
                ? "booting " + build.storePath() + ": reboot triggered"
                : "rebuild and reboot triggered");
  }

  /**
   * Switches the running host to its build, which needs no reboot; the node is then watched for its
   * new revision ({@link ReturnPhase}), with no restart expected.
   */
  private Step switchTo(HostRun run) throws HostFailure {
    Build build = BuildPhase.build(run);
    Instant at = run.now();
    run.update(
        p -> {
          p.triggeredAt = at;
          p.switched = true;
        });
    try {
      run.ports.executor().activate(run.target(), build, false);
    } catch (ExecutorException e) {
      throw new HostFailure("the switch to " + build.storePath() + " failed: " + e.getMessage());
    }
    return new Step(HostState.RETURNING, "switched to " + build.storePath() + " without a reboot");
  }

  /**
   * After a crash in REBUILDING or ROLLING_BACK the trigger may already be running (a command keeps
   * running when its parent dies): wait as long as a trigger may take for the restart to show
   * before triggering again, so that a host is not rebuilt and rebooted twice.
   */
  private static boolean triggerTookEffect(HostRun run) throws InterruptedException {
    Instant deadline = run.now().plus(run.settings.triggerTimeout());
    try {
      run.waiting.untilNode(run.node.id(), deadline, n -> restarted(run, n), n -> "");
      return true;
    } catch (HostFailure timedOut) {
      return false;
    }
  }

  private Step awaitRestart(HostRun run) throws HostFailure, InterruptedException {
    Instant deadline = run.progress().triggeredAt().plus(run.settings.rebootTimeout());
    NomadNode seen =
        run.waiting.untilNode(
            run.node.id(),
            deadline,
            n -> restarted(run, n),
            n ->
                "no reboot seen within "
                    + Durations.format(run.settings.rebootTimeout())
                    + ": the node stayed "
                    + n.status()
                    + (run.progress().bootIdBefore() == null
                        ? ""
                        : " and its " + NomadNode.BOOT_ID_META + " did not change"));
    return new Step(
        HostState.RETURNING,
        seen.ready() ? "rebooted (" + evidence(run, seen) + ")" : "node is " + seen.status());
  }

  /**
   * A restart is proven by the boot id changing, by the node seen out of {@code ready}, or, for a
   * node without a boot id, by Nomad recording after the trigger that its client registered again
   * after being down. StatusUpdatedAt proves nothing: Nomad moves it on drain and eligibility
   * updates too.
   */
  static boolean restarted(HostRun run, NomadNode n) {
    return !n.ready()
        || bootChanged(run, n)
        || run.progress().bootIdBefore() == null && reregistered(run, n).isPresent();
  }

  private static Optional<NomadNode.NodeEvent> reregistered(HostRun run, NomadNode n) {
    long before = run.progress().nodeIndexBefore();
    return before > 0 ? n.reregisteredAfter(before) : Optional.empty();
  }

  private static String evidence(HostRun run, NomadNode seen) {
    return bootChanged(run, seen)
        ? NomadNode.BOOT_ID_META + " changed"
        : reregistered(run, seen)
            .map(e -> "Nomad recorded \"" + e.message() + "\" at " + e.timestamp())
            .orElse("status changed since the trigger");
  }

  static boolean bootChanged(HostRun run, NomadNode current) {
    String before = run.progress().bootIdBefore();
    return before != null && current.bootId() != null && !before.equals(current.bootId());
  }
}
