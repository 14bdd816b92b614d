package dev.laborchestrator.rollout;

import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.NomadNode;
import java.time.Instant;
import java.util.List;

/**
 * ENABLING: Consul maintenance off (then verify once more), and, with the node still ready and
 * every check still passing, the node eligible again, unless an operator had made it ineligible
 * before the rollout.
 */
final class EnablePhase implements Phase {
  @Override
  public Step step(HostRun run) throws HostFailure, InterruptedException {
    Instant deadline =
        run.progress().healthDeadline() == null
            ? run.now().plus(run.settings.healthTimeout())
            : run.progress().healthDeadline();
    if (run.progress().maintenanceOn()) {
      run.waiting.retrying(
          deadline,
          () -> {
            run.ports.maintenance().disable(run.node.address());
            return null;
          });
      run.update(p -> p.maintenanceOn = false);
      return new Step(
          HostState.VERIFYING, "Consul maintenance mode off; checking health once more");
    }
    NomadNode current = run.current();
    if (!current.ready()) {
      throw new HostFailure(
          "node left ready (" + current.status() + ") before it could be re-enabled");
    }
    List<HealthCheck> checks = VerifyPhase.checks(run, current.consulName());
    if (checks == null || !VerifyPhase.healthy(checks)) {
      return new Step(
          HostState.VERIFYING,
          "checks changed before re-enabling: "
              + (checks == null ? "Consul's answer is not known" : VerifyPhase.describe(checks)));
    }
    boolean rolledBack = run.progress().rollbackOf() != null;
    HostState done = rolledBack ? HostState.ROLLED_BACK : HostState.DONE;
    if (rolledBack) {
      String why =
          "rolled back to its previous generation ("
              + run.progress().revisionBefore()
              + ") and healthy again, after: "
              + run.progress().rollbackOf();
      run.update(p -> p.reason = why);
    }
    if (!run.progress().eligibleBefore()) {
      return new Step(
          done, "left ineligible: an operator had marked it ineligible before the rollout");
    }
    if (current.draining()) {
      throw new HostFailure(
          "node still has a DrainStrategy; Nomad refuses eligibility while it drains");
    }
    run.waiting.retrying(
        deadline,
        () -> {
          run.ports.nomad().setEligibility(run.node.id(), true);
          return null;
        });
    String back = Recreate.awaitReturn(run);
    if (!run.host.spec().orchestration().blueGreen() && !rolledBack) {
      // Rolling: the next host leaves service only once this one's work runs healthy elsewhere
      // (blue-green waited for that before the reboot; recreate moved nothing).
      String moved = ReplacementWait.await(run);
      back = back.isEmpty() ? moved : moved.isEmpty() ? back : back + "; " + moved;
    }
    return new Step(done, "eligible again" + (back.isEmpty() ? "" : "; " + back));
  }
}
