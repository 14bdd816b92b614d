package dev.laborchestrator.rollout;

import dev.laborchestrator.config.Durations;
import dev.laborchestrator.port.Allocation;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.DrainRequest;
import dev.laborchestrator.port.HostExecutor;
import dev.laborchestrator.port.NomadNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * PREPARING and DRAINING: the node is checked (ready, not drained by someone else), the host's
 * reboot delay waited, Consul maintenance switched on where configured, and the node drained
 * through Nomad until the drain is complete.
 */
final class DrainPhase implements Phase {
  @Override
  public Step step(HostRun run) throws HostFailure, InterruptedException {
    return run.progress().state() == HostState.PREPARING ? prepare(run) : drain(run);
  }

  private Step prepare(HostRun run) throws HostFailure, InterruptedException {
    Instant deadline = run.now().plus(run.settings.healthTimeout());
    NomadNode current = run.current();
    if (!current.ready()) {
      throw new HostFailure(
          "node is " + current.status() + " before its rollout started; nothing was changed");
    }
    if (current.draining() && !run.ours(current)) {
      throw new HostFailure("node is already being drained by someone else; nothing was changed");
    }
    run.update(
        p -> {
          p.bootIdBefore = current.bootId();
          p.statusUpdatedBefore = current.statusUpdatedAt();
          p.revisionBefore = current.revision();
        });
    int delay = run.host.spec().orchestration().rebootDelay();
    String detail = "";
    if (delay > 0) {
      run.waiting.sleepUntil(run.now().plusSeconds(delay));
      // The cluster may have changed while this host waited: the gates once more.
      Gates gates = run.context.gates();
      run.waiting.until(
          deadline,
          w ->
              gates.stillClear(run.host, run.context.busy().get()).isEmpty()
                  ? Optional.of(true)
                  : Optional.empty(),
          () ->
              "not started, nothing was changed: "
                  + gates.stillClear(run.host, run.context.busy().get()).orElse(""));
      detail = "waited rebootDelay " + delay + "s; gates passed";
    }
    if (run.settings.maintenance()
        && run.ports.maintenance() != null
        && !run.progress().maintenanceOn()) {
      run.waiting.retrying(
          deadline,
          () -> {
            run.ports
                .maintenance()
                .enable(run.node.address(), "lab-orchestrator rollout " + run.context.rolloutId());
            return null;
          });
      run.update(p -> p.maintenanceOn = true);
      detail += (detail.isEmpty() ? "" : "; ") + "Consul maintenance mode on";
    }
    if (!run.settings.drainOnSwitch()
        && run.settings.rebootWhenNeeded()
        && run.ports.executor().buildsAhead()) {
      boolean hadBuild = run.progress().build() != null;
      HostExecutor.Build build = BuildPhase.build(run); // in service still, if not built ahead
      if (BuildPhase.switches(run, build)) {
        detail +=
            (detail.isEmpty() ? "" : "; ") + (hadBuild ? "" : BuildPhase.describe(build) + "; ");
        return new Step(
            HostState.SWITCHING, detail + "no reboot needed and drainOnSwitch is off: not drained");
      }
    }
    return new Step(HostState.DRAINING, detail);
  }

  private Step drain(HostRun run) throws HostFailure, InterruptedException {
    if (run.host.spec().orchestration().recreate()) {
      return Recreate.stopWithTheHost(run);
    }
    Gates gates = run.context.gates();
    gates.drainStarting(run.node.id());
    try {
      drainAndWait(run);
    } finally {
      gates.drainOver(run.node.id());
    }
    // A build known to need no reboot is switched to at once (no REBUILDING step to record).
    HostExecutor.Build built = run.progress().build();
    HostState next =
        built != null && run.ports.executor().buildsAhead() && BuildPhase.switches(run, built)
            ? HostState.SWITCHING
            : HostState.REBUILDING;
    if (run.host.spec().orchestration().blueGreen()) {
      return new Step(next, "drain complete; " + BlueGreen.awaitElsewhere(run));
    }
    return new Step(next, "drain complete");
  }

  private static void drainAndWait(HostRun run) throws HostFailure, InterruptedException {
    Instant deadline = run.now().plus(run.settings.drainTimeout());
    String timedOut = "drain not complete after " + Durations.format(run.settings.drainTimeout());
    requestDrain(run, deadline);
    NomadNode drained =
        run.waiting.untilNode(
            run.node.id(),
            deadline,
            // The view may not show this drain yet: done is this rollout's drain, finished.
            n -> !n.draining() && run.ours(n) && !"draining".equals(n.lastDrain().status()),
            n -> timedOut + ": DrainStrategy still set");
    if (drained.lastDrain().canceled()) {
      throw new HostFailure("the drain was canceled by someone else (LastDrain.Status canceled)");
    }
    if (!run.settings.ignoreSystemJobs()) {
      // With ignoreSystemJobs, Nomad clears the DrainStrategy only once every allocation but the
      // system jobs' is client-terminal (nomad/drainer/draining_node.go IsDone): nothing left.
      awaitSystemAllocations(run, deadline, timedOut);
    }
  }

  /**
   * Nomad clears DrainStrategy before the system allocations a drain covers have stopped (it stops
   * them last): wait for those too.
   */
  private static void awaitSystemAllocations(HostRun run, Instant deadline, String timedOut)
      throws HostFailure, InterruptedException {
    run.untilAllocations(
        deadline,
        allocs -> {
          List<Allocation> left =
              allocs.stream()
                  .filter(a -> a.active() && a.coveredByDrain(run.settings.ignoreSystemJobs()))
                  .toList();
          return left.isEmpty()
              ? Optional.empty()
              : Optional.of(
                  left.size()
                      + " allocation(s) still pending or running ("
                      + left.stream().map(Allocation::name).collect(Collectors.joining(", "))
                      + ")");
        },
        timedOut);
  }

  /**
   * Sends the drain once. After an ambiguous failure (no answer, 5xx) the drain may have landed, so
   * the node is read again before the request is re-issued.
   */
  private static void requestDrain(HostRun run, Instant deadline)
      throws HostFailure, InterruptedException {
    DrainRequest request =
        new DrainRequest(
            run.settings.drainDeadline(),
            run.settings.ignoreSystemJobs(),
            Map.of(
                HostRun.ROLLOUT_META,
                run.context.rolloutId(),
                "message",
                "lab-orchestrator rolling NixOS update "
                    + run.context.rolloutId()
                    + ": "
                    + run.position));
    NomadNode current = run.current();
    for (int attempt = 1; ; attempt++) {
      if (run.ours(current) && (current.draining() || !current.lastDrain().canceled())) {
        return; // this rollout's drain landed already (a retry, or a run resumed after a crash)
      }
      try {
        run.ports.nomad().drain(run.node.id(), request);
        return;
      } catch (ApiException e) {
        if (!e.transientFailure()) {
          throw new HostFailure("drain request failed: " + e.getMessage());
        }
        run.waiting.pastDeadline(
            deadline, "drain request failed until the deadline: " + e.getMessage());
        run.ports.clock().sleep(run.settings.minPoll().multipliedBy(Math.min(8, 2L * attempt)));
        current =
            run.waiting
                .retrying(deadline, () -> run.context.watch().refresh(run.node.id()))
                .value();
      }
    }
  }
}
