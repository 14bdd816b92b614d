package dev.laborchestrator.rollout;

import dev.laborchestrator.plan.Plan.NodeRef;
import dev.laborchestrator.plan.Plan.PlannedHost;
import dev.laborchestrator.port.HostTarget;
import dev.laborchestrator.port.NomadNode;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * What the phases of one host share: the host, the rollout's context, the host's progress (the
 * record its checkpoint is written from) and the one place it waits.
 */
final class HostRun {
  /** Drain metadata key that marks a drain as this controller's. */
  static final String ROLLOUT_META = "lab-orchestrator.rollout";

  final PlannedHost host;
  final NodeRef node;
  final HostRollout.Context context;
  final Ports ports;
  final RolloutSettings settings;
  final Waiting waiting;
  final String position;

  /** The host's progress; each phase edits it through {@link #update}. */
  private HostCheckpoint progress;

  /** Resumed in REBUILDING or ROLLING_BACK: the trigger may have run before the crash. */
  boolean resumedInTrigger;

  HostRun(PlannedHost host, HostRollout.Context context, String position, HostCheckpoint progress) {
    this.host = host;
    this.node = host.requireNode();
    this.context = context;
    this.ports = context.ports();
    this.settings = context.settings();
    this.position = position;
    this.progress = progress;
    this.waiting = new Waiting(context.watch(), ports.clock(), settings.minPoll(), node.id());
  }

  HostCheckpoint progress() {
    return progress;
  }

  void update(Consumer<HostCheckpoint.Draft> edit) {
    progress = progress.with(edit);
  }

  Instant now() {
    return ports.clock().now();
  }

  /** The node as the shared view shows it now. */
  NomadNode current() {
    return waiting.node(node.id()).value();
  }

  HostTarget target() {
    return new HostTarget(host.hostname(), node.id(), node.address());
  }

  /** Whether the node's latest drain is this rollout's. */
  boolean ours(NomadNode current) {
    return current.lastDrain() != null
        && current.lastDrain().meta() != null
        && context.rolloutId().equals(current.lastDrain().meta().get(ROLLOUT_META));
  }

  /**
   * Waits, by blocking queries on the node's allocations, until {@code stillWaiting} finds nothing
   * left to wait for (empty), or fails with {@code timedOut + ": " + what is left} at {@code
   * deadline}.
   */
  java.util.List<dev.laborchestrator.port.Allocation> untilAllocations(
      Instant deadline,
      java.util.function.Function<
              java.util.List<dev.laborchestrator.port.Allocation>, java.util.Optional<String>>
          stillWaiting,
      String timedOut)
      throws HostFailure, InterruptedException {
    long index = 0;
    while (true) {
      long query = index;
      dev.laborchestrator.port.Indexed<java.util.List<dev.laborchestrator.port.Allocation>> allocs =
          waiting.retrying(
              deadline,
              () ->
                  ports
                      .nomad()
                      .nodeAllocations(
                          node.id(),
                          query <= 0
                              ? dev.laborchestrator.port.BlockingQuery.NONE
                              : dev.laborchestrator.port.BlockingQuery.after(
                                  query,
                                  Waiting.min(settings.maxWait(), waiting.remaining(deadline)))));
      java.util.Optional<String> left = stillWaiting.apply(allocs.value());
      if (left.isEmpty()) {
        return allocs.value();
      }
      waiting.pastDeadline(deadline, timedOut + ": " + left.get());
      if (allocs.index() == index || index == 0) {
        ports.clock().sleep(settings.minPoll());
      }
      index = allocs.index() < index ? 0 : allocs.index();
    }
  }

  /** The revision this host must come back on: the inventory's, else the configured one. */
  String targetRevision() {
    return host.spec().revision() != null ? host.spec().revision() : settings.expectRevision();
  }
}
