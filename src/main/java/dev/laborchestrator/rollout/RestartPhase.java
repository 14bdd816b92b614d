package dev.laborchestrator.rollout;

import dev.laborchestrator.config.Durations;
import dev.laborchestrator.port.HostExecutor.ExecutorException;
import dev.laborchestrator.port.NomadNode;
import java.time.Instant;
import java.util.Optional;

/**
 * REBUILDING, ROLLING_BACK and REBOOTING: the executor triggers the rebuild and reboot (or the
 * rollback to the previous generation), once, and the node is watched until it has really
 * restarted.
 */
final class RestartPhase implements Phase {
  @Override
  public Step step(HostRun run) throws HostFailure, InterruptedException {
    return switch (run.progress().state()) {
      case REBUILDING -> trigger(run, false);
      case ROLLING_BACK -> trigger(run, true);
      default -> awaitRestart(run);
    };
  }

  private Step trigger(HostRun run, boolean rollback) throws HostFailure, InterruptedException {
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
        run.ports.executor().rollback(run.target());
      } else {
        run.ports.executor().rebuildAndReboot(run.target());
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
            : "rebuild and reboot triggered");
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
