package dev.laborchestrator.rollout;

import dev.laborchestrator.config.Durations;
import dev.laborchestrator.port.NomadNode;
import java.time.Instant;

/**
 * RETURNING: the node must be {@code ready} again with a new boot id, on the expected revision (the
 * previous one after a rollback). A wrong revision is a verification failure, which may be rolled
 * back. A host that was switched rather than rebooted keeps its boot id: it must show the expected
 * revision (its client registers again with the new metadata) within {@code timeouts.reboot}.
 */
final class ReturnPhase implements Phase {
  @Override
  public Step step(HostRun run) throws HostFailure, InterruptedException {
    if (run.progress().switched() && run.progress().rollbackOf() == null) {
      return switched(run);
    }
    Instant deadline = run.progress().triggeredAt().plus(run.settings.rebootTimeout());
    NomadNode returned =
        run.waiting.untilNode(
            run.node.id(),
            deadline,
            n ->
                n.ready()
                    && (run.progress().bootIdBefore() == null || RestartPhase.bootChanged(run, n)),
            n ->
                n.ready()
                    ? "node is ready but its "
                        + NomadNode.BOOT_ID_META
                        + " did not change within "
                        + Durations.format(run.settings.rebootTimeout())
                        + ": not counted as rebooted"
                    : "node did not return to ready within "
                        + Durations.format(run.settings.rebootTimeout())
                        + " (status "
                        + n.status()
                        + ")");
    Instant healthDeadline = run.now().plus(run.settings.healthTimeout());
    run.update(p -> p.healthDeadline = healthDeadline);
    String expected =
        run.progress().rollbackOf() == null
            ? run.targetRevision()
            : run.progress().revisionBefore();
    if (expected != null && !expected.equals(returned.revision())) {
      throw new HostRollout.VerificationFailure(
          "node returned on NixOS revision " + returned.revision() + ", expected " + expected);
    }
    return new Step(
        HostState.VERIFYING,
        "node is ready"
            + (returned.revision() == null ? "" : " on revision " + returned.revision()));
  }

  private static Step switched(HostRun run) throws HostFailure, InterruptedException {
    Instant deadline = run.progress().triggeredAt().plus(run.settings.rebootTimeout());
    String expected = run.targetRevision();
    NomadNode back;
    try {
      back =
          run.waiting.untilNode(
              run.node.id(),
              deadline,
              n -> n.ready() && (expected == null || expected.equals(n.revision())),
              n -> "");
    } catch (HostFailure timedOut) {
      NomadNode now = run.current();
      String why =
          now.ready()
              ? "switched, but the node reports NixOS revision "
                  + now.revision()
                  + " after "
                  + Durations.format(run.settings.rebootTimeout())
                  + ", expected "
                  + expected
              : "the node is " + now.status() + " after its switch";
      throw new HostRollout.VerificationFailure(why);
    }
    Instant healthDeadline = run.now().plus(run.settings.healthTimeout());
    run.update(p -> p.healthDeadline = healthDeadline);
    return new Step(
        HostState.VERIFYING,
        "switched; node is ready"
            + (back.revision() == null ? "" : " on revision " + back.revision()));
  }
}
