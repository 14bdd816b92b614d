package dev.laborchestrator.rollout;

import dev.laborchestrator.config.Durations;
import dev.laborchestrator.plan.Plan.NodeRef;
import dev.laborchestrator.plan.Plan.PlannedHost;
import dev.laborchestrator.port.Allocation;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.DrainRequest;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.HostExecutor.ExecutorException;
import dev.laborchestrator.port.HostTarget;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NomadNode;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * One host's way through the state machine of design §3. Each state's step observes the node
 * through the ports, acts at most once, and names the next state; a failure ends in FAILED with
 * the node left drained and ineligible.
 */
final class HostRollout {
  /** The checkpoint could not be stored: the host stops where it is rather than run on unrecorded. */
  static final class CheckpointFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CheckpointFailure(String message) {
      super(message);
    }
  }

  /** Drain metadata key that marks a drain as this controller's. */
  static final String ROLLOUT_META = "lab-orchestrator.rollout";
  private static final int DRAIN_ATTEMPTS = 3;

  private final PlannedHost host;
  private final NodeRef node;
  private final Ports ports;
  private final RolloutSettings settings;
  private final RolloutListener listener;
  private final String rolloutId;
  private final String position;
  private final HostCheckpoint resume;
  private final java.util.function.Consumer<HostCheckpoint> checkpoint;
  private final boolean eligibleBefore;

  private final Map<HostState, Duration> timeIn = new EnumMap<>(HostState.class);
  private HostState state = HostState.PENDING;
  private Instant enteredState;
  private Instant started;
  private String reason;
  private HostState failedIn;
  private boolean stopped;
  private boolean resumedInRebuild;

  private String bootIdBefore;
  private long statusUpdatedBefore;
  private Instant triggeredAt;
  private Instant healthDeadline;
  private NomadNode returned;

  HostRollout(PlannedHost host, Ports ports, RolloutSettings settings, RolloutListener listener,
      String rolloutId, String position, HostCheckpoint resume, java.util.function.Consumer<HostCheckpoint> checkpoint) {
    this.resume = resume;
    this.checkpoint = checkpoint;
    this.eligibleBefore = resume != null ? resume.eligibleBefore() : host.requireNode().eligibleBefore();
    if (resume != null) {
      state = resume.state();
      reason = resume.reason();
      failedIn = resume.failedIn();
      timeIn.putAll(resume.timeIn());
    }
    this.host = host;
    this.node = host.requireNode();
    this.ports = ports;
    this.settings = settings;
    this.listener = listener;
    this.rolloutId = rolloutId;
    this.position = position;
  }

  String hostname() {
    return host.hostname();
  }

  HostState state() {
    return state;
  }

  HostReport report() {
    return new HostReport(host.hostname(), state, reason, timeIn);
  }

  /** Whether this host continues from a checkpoint of a rollout already under way. */
  boolean resuming() {
    return resume != null;
  }

  /** Whether the run ended without reaching DONE or FAILED: interrupted, or its checkpoint failed. */
  boolean stopped() {
    return stopped;
  }

  HostCheckpoint snapshot() {
    return new HostCheckpoint(host.hostname(), node.id(), state, eligibleBefore, bootIdBefore, statusUpdatedBefore,
        triggeredAt, healthDeadline, failedIn, reason, timeIn, ports.clock().now());
  }

  /** The state a resumed host continues in, with the timers it needs restored or restarted. */
  private HostState resumeState() {
    bootIdBefore = resume.bootIdBefore();
    statusUpdatedBefore = resume.statusUpdatedBefore();
    triggeredAt = resume.triggeredAt();
    healthDeadline = resume.healthDeadline();
    HostState from = resume.state();
    if (from == HostState.FAILED) {
      // --retry-failed: back into the state it failed in, with fresh timeouts.
      from = resume.failedIn() == null ? HostState.PREPARING : resume.failedIn();
      reason = null;
      failedIn = null;
      Instant now = ports.clock().now();
      triggeredAt = triggeredAt == null ? null : now;
      healthDeadline = now.plus(settings.healthTimeout());
    }
    if (from == HostState.PENDING) {
      return HostState.PREPARING;
    }
    if (from == HostState.REBUILDING) {
      resumedInRebuild = true;
    }
    if (from == HostState.VERIFYING && healthDeadline == null) {
      healthDeadline = ports.clock().now().plus(settings.healthTimeout());
    }
    return from;
  }

  void skip() {
    reason = host.skipReason();
    enter(HostState.SKIPPED, reason);
  }

  /**
   * Runs the host to DONE or FAILED, from its checkpoint if it has one. An interruption (a signal)
   * or a checkpoint that cannot be stored stops it where it is, so that the next run resumes it.
   */
  HostReport run() {
    started = ports.clock().now();
    enteredState = started;
    HostState next = HostState.PREPARING;
    String detail = "";
    if (resume != null) {
      HostState was = resume.state();
      next = resumeState();
      detail = "resumed from the checkpoint (was " + was + ")";
    }
    while (true) {
      try {
        enter(next, detail);
      } catch (CheckpointFailure e) {
        stopped = true;
        reason = "stopped: " + e.getMessage();
        return report();
      }
      if (state.terminal()) {
        return report();
      }
      try {
        Step step = step(state);
        next = step.next();
        detail = step.detail();
      } catch (HostFailure e) {
        reason = e.getMessage();
        next = HostState.FAILED;
        detail = reason;
      } catch (ApiException e) {
        reason = "in " + state + ": " + e.getMessage();
        next = HostState.FAILED;
        detail = reason;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopped = true;
        return report();
      }
      if (next == HostState.FAILED) {
        failedIn = state;
      }
    }
  }

  private record Step(HostState next, String detail) {}

  private Step step(HostState current) throws HostFailure, InterruptedException {
    return switch (current) {
      case PREPARING -> prepare();
      case DRAINING -> drain();
      case REBUILDING -> rebuild();
      case REBOOTING -> awaitRestart();
      case RETURNING -> awaitReturn();
      case VERIFYING -> verify();
      case ENABLING -> enable();
      default -> throw new IllegalStateException("no step for " + current);
    };
  }

  private Step prepare() throws HostFailure, InterruptedException {
    NomadNode current = ports.nomad().readNode(node.id(), BlockingQuery.NONE).value();
    if (!current.ready()) {
      throw new HostFailure("node is " + current.status() + " before its rollout started; nothing was changed");
    }
    if (current.draining() && !ours(current)) {
      throw new HostFailure("node is already being drained by someone else; nothing was changed");
    }
    bootIdBefore = current.bootId();
    statusUpdatedBefore = current.statusUpdatedAt();
    int delay = host.spec().orchestration().rebootDelay();
    if (delay > 0) {
      ports.clock().sleep(Duration.ofSeconds(delay));
    }
    return new Step(HostState.DRAINING, delay > 0 ? "waited rebootDelay " + delay + "s" : "");
  }

  private boolean ours(NomadNode current) {
    return current.lastDrain() != null && current.lastDrain().meta() != null
        && rolloutId.equals(current.lastDrain().meta().get(ROLLOUT_META));
  }

  private Step drain() throws HostFailure, InterruptedException {
    Instant deadline = ports.clock().now().plus(settings.drainTimeout());
    String timedOut = "drain not complete after " + Durations.format(settings.drainTimeout());
    requestDrain();
    NomadNode current = awaitNode(deadline, n -> !n.draining(), n -> timedOut + ": DrainStrategy still set");
    if (current.lastDrain() != null && current.lastDrain().canceled()) {
      throw new HostFailure("the drain was canceled by someone else (LastDrain.Status canceled)");
    }
    // Nomad clears DrainStrategy before system allocations have stopped: wait for those it covers too.
    long index = 0;
    while (true) {
      long query = index;
      Indexed<List<Allocation>> allocs = retrying(deadline, () -> ports.nomad().nodeAllocations(node.id(), query(query, deadline)));
      List<Allocation> left = allocs.value().stream()
          .filter(a -> a.active() && a.coveredByDrain(settings.ignoreSystemJobs())).toList();
      if (left.isEmpty()) {
        return new Step(HostState.REBUILDING, "drain complete");
      }
      pastDeadline(deadline, timedOut + ": " + left.size() + " allocation(s) still pending or running ("
          + left.stream().map(Allocation::name).collect(Collectors.joining(", ")) + ")");
      pace(allocs.index(), index);
      index = allocs.index() < index ? 0 : allocs.index();
    }
  }

  private void requestDrain() throws HostFailure, InterruptedException {
    DrainRequest request = new DrainRequest(settings.drainDeadline(), settings.ignoreSystemJobs(), Map.of(
        ROLLOUT_META, rolloutId,
        "message", "lab-orchestrator rolling NixOS update " + rolloutId + ": " + position));
    for (int attempt = 1; ; attempt++) {
      NomadNode current = ports.nomad().readNode(node.id(), BlockingQuery.NONE).value();
      if (current.draining() && ours(current)) {
        return;
      }
      try {
        ports.nomad().drain(node.id(), request);
        return;
      } catch (ApiException e) {
        // After an ambiguous failure the drain may have landed: read again before re-issuing it.
        if (!e.transientFailure() || attempt >= DRAIN_ATTEMPTS) {
          throw new HostFailure("drain request failed: " + e.getMessage());
        }
        ports.clock().sleep(settings.minPoll().multipliedBy(4L * attempt));
      }
    }
  }

  private Step rebuild() throws HostFailure, InterruptedException {
    if (resumedInRebuild) {
      resumedInRebuild = false;
      // The crash may have come after the trigger: a restart that is already visible is not triggered again.
      NomadNode current = readNode(0, ports.clock().now().plus(settings.rebootTimeout())).value();
      if (restarted(current)) {
        return new Step(HostState.REBOOTING, "the trigger before the crash took effect: not triggering again");
      }
    }
    triggeredAt = ports.clock().now();
    try {
      ports.executor().rebuildAndReboot(new HostTarget(host.hostname(), node.id(), node.address()));
    } catch (ExecutorException e) {
      throw new HostFailure("rebuild and reboot could not be triggered: " + e.getMessage());
    }
    return new Step(HostState.REBOOTING, "rebuild and reboot triggered");
  }

  private Step awaitRestart() throws HostFailure, InterruptedException {
    Instant deadline = triggeredAt.plus(settings.rebootTimeout());
    NomadNode seen = awaitNode(deadline, this::restarted,
        n -> "no reboot seen within " + Durations.format(settings.rebootTimeout()) + ": the node stayed "
            + n.status() + (bootIdBefore == null ? "" : " and its " + NomadNode.BOOT_ID_META + " did not change"));
    return new Step(HostState.RETURNING, seen.ready() ? "rebooted (" + evidence(seen) + ")" : "node is " + seen.status());
  }

  private boolean restarted(NomadNode n) {
    return !n.ready() || bootChanged(n) || n.statusUpdatedAt() > statusUpdatedBefore;
  }

  private String evidence(NomadNode seen) {
    return bootChanged(seen) ? NomadNode.BOOT_ID_META + " changed" : "status changed since the trigger";
  }

  private boolean bootChanged(NomadNode current) {
    return bootIdBefore != null && current.bootId() != null && !bootIdBefore.equals(current.bootId());
  }

  private Step awaitReturn() throws HostFailure, InterruptedException {
    Instant deadline = triggeredAt.plus(settings.rebootTimeout());
    returned = awaitNode(deadline, n -> n.ready() && (bootIdBefore == null || bootChanged(n)),
        n -> n.ready()
            ? "node is ready but its " + NomadNode.BOOT_ID_META + " did not change within "
                + Durations.format(settings.rebootTimeout()) + ": not counted as rebooted"
            : "node did not return to ready within " + Durations.format(settings.rebootTimeout())
                + " (status " + n.status() + ")");
    String expected = settings.expectRevision();
    if (expected != null && !expected.equals(returned.revision())) {
      throw new HostFailure("node returned on NixOS revision " + returned.revision() + ", expected " + expected);
    }
    healthDeadline = ports.clock().now().plus(settings.healthTimeout());
    return new Step(HostState.VERIFYING, "node is ready" + (returned.revision() == null ? "" : " on revision " + returned.revision()));
  }

  private Step verify() throws HostFailure, InterruptedException {
    String consulName = returned == null ? host.hostname() : returned.consulName();
    Instant passingSince = null;
    long index = 0;
    while (true) {
      Duration wait = settings.maxWait();
      if (passingSince != null) {
        Duration left = settings.stableFor().minus(Duration.between(passingSince, ports.clock().now()));
        wait = left.isNegative() ? Duration.ZERO : min(wait, left);
      }
      Indexed<List<HealthCheck>> read;
      try {
        read = ports.consul().nodeChecks(consulName, BlockingQuery.after(index, min(wait, remaining(healthDeadline))));
      } catch (ApiException e) {
        if (!e.transientFailure()) {
          throw e;
        }
        passingSince = null;
        pastDeadline(healthDeadline, "Consul checks not seen passing within " + Durations.format(settings.healthTimeout())
            + ": " + e.getMessage());
        ports.clock().sleep(settings.minPoll());
        continue;
      }
      Instant now = ports.clock().now();
      List<HealthCheck> checks = read.value();
      if (healthy(checks)) {
        passingSince = passingSince == null ? now : passingSince;
        if (!Duration.between(passingSince, now).minus(settings.stableFor()).isNegative()) {
          return new Step(HostState.ENABLING, checks.size() + " Consul checks passing for "
              + Durations.format(settings.stableFor()));
        }
      } else {
        passingSince = null;
      }
      pastDeadline(healthDeadline, "Consul checks on " + consulName + " not passing after "
          + Durations.format(settings.healthTimeout()) + ": " + describe(checks));
      long previous = index;
      index = read.index() < index ? 0 : read.index();
      if (passingSince == null) {
        pace(read.index(), previous);
      }
    }
  }

  static boolean healthy(List<HealthCheck> checks) {
    return !checks.isEmpty() && checks.stream().allMatch(HealthCheck::passing);
  }

  private static String describe(List<HealthCheck> checks) {
    if (checks.isEmpty()) {
      return "no checks registered (agent not back?)";
    }
    return checks.stream().filter(c -> !c.passing())
        .map(c -> c.name() + " " + c.status()).collect(Collectors.joining(", "));
  }

  private Step enable() throws HostFailure, InterruptedException {
    NomadNode current = ports.nomad().readNode(node.id(), BlockingQuery.NONE).value();
    if (!current.ready()) {
      throw new HostFailure("node left ready (" + current.status() + ") before it could be re-enabled");
    }
    List<HealthCheck> checks = ports.consul().nodeChecks(current.consulName(), BlockingQuery.NONE).value();
    if (!healthy(checks)) {
      return new Step(HostState.VERIFYING, "checks changed before re-enabling: " + describe(checks));
    }
    if (!eligibleBefore) {
      return new Step(HostState.DONE, "left ineligible: an operator had marked it ineligible before the rollout");
    }
    if (current.draining()) {
      throw new HostFailure("node still has a DrainStrategy; Nomad refuses eligibility while it drains");
    }
    ports.nomad().setEligibility(node.id(), true);
    return new Step(HostState.DONE, "eligible again");
  }

  private NomadNode awaitNode(Instant deadline, Predicate<NomadNode> until, Function<NomadNode, String> timeoutMessage)
      throws HostFailure, InterruptedException {
    long index = 0;
    while (true) {
      Indexed<NomadNode> read = readNode(index, deadline);
      if (until.test(read.value())) {
        return read.value();
      }
      pastDeadline(deadline, timeoutMessage.apply(read.value()));
      pace(read.index(), index);
      index = read.index() < index ? 0 : read.index();
    }
  }

  private Indexed<NomadNode> readNode(long index, Instant deadline) throws HostFailure, InterruptedException {
    return retrying(deadline, () -> ports.nomad().readNode(node.id(), query(index, deadline)));
  }

  /** A read that rides out transient API failures (pausing between tries) until the step's deadline. */
  private <T> T retrying(Instant deadline, java.util.function.Supplier<T> read) throws HostFailure, InterruptedException {
    while (true) {
      try {
        return read.get();
      } catch (ApiException e) {
        if (!e.transientFailure()) {
          throw e;
        }
        pastDeadline(deadline, "no answer before the step's deadline: " + e.getMessage());
        ports.clock().sleep(settings.minPoll());
      }
    }
  }

  private BlockingQuery query(long index, Instant deadline) {
    return index <= 0 ? BlockingQuery.NONE : BlockingQuery.after(index, min(settings.maxWait(), remaining(deadline)));
  }

  /** A server that answers a blocking query at once with no change must not make us spin. */
  private void pace(long newIndex, long oldIndex) throws InterruptedException {
    if (newIndex == oldIndex || oldIndex == 0) {
      ports.clock().sleep(settings.minPoll());
    }
  }

  private void pastDeadline(Instant deadline, String message) throws HostFailure {
    if (!ports.clock().now().isBefore(deadline)) {
      throw new HostFailure(message);
    }
  }

  private Duration remaining(Instant deadline) {
    Duration left = Duration.between(ports.clock().now(), deadline);
    return left.isNegative() ? Duration.ZERO : left;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private void enter(HostState next, String detail) {
    Instant now = ports.clock().now();
    HostState from = state;
    if (from != HostState.PENDING || next == HostState.SKIPPED) {
      timeIn.merge(from, Duration.between(Objects.requireNonNullElse(enteredState, now), now), Duration::plus);
    }
    state = next;
    enteredState = now;
    if (next == HostState.REBUILDING) {
      triggeredAt = now;
    }
    try {
      checkpoint.accept(snapshot());
    } catch (RuntimeException e) {
      throw new CheckpointFailure("the checkpoint could not be stored: " + e.getMessage());
    }
    Duration since = started == null ? Duration.ZERO : Duration.between(started, now);
    Duration inPrevious = from == HostState.PENDING ? Duration.ZERO : timeIn.getOrDefault(from, Duration.ZERO);
    listener.transition(host.hostname(), from, next, inPrevious, since, detail);
  }
}
