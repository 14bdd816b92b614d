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
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One host's way through the state machine of design §3. Each state's step observes the node
 * through the ports, acts at most once, and names the next state; a failure ends in FAILED with the
 * node left drained and ineligible. Every transition is checkpointed before the new state acts.
 */
final class HostRollout {
  /** Drain metadata key that marks a drain as this controller's. */
  static final String ROLLOUT_META = "lab-orchestrator.rollout";

  /** The check Consul adds while an agent is in maintenance mode. */
  static final String MAINTENANCE_CHECK = "_node_maintenance";

  /** What every host of one rollout shares. */
  record Context(
      Ports ports,
      RolloutSettings settings,
      RolloutListener listener,
      String rolloutId,
      Consumer<HostCheckpoint> checkpoint,
      Gates gates,
      Supplier<Set<String>> busy) {}

  /**
   * The checkpoint could not be stored: the host stops where it is rather than run on unrecorded.
   */
  static final class CheckpointFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CheckpointFailure(String message) {
      super(message);
    }
  }

  /**
   * The host came back but is not right (wrong revision, checks not passing): may be rolled back.
   */
  private static final class VerificationFailure extends HostFailure {
    private static final long serialVersionUID = 1L;

    VerificationFailure(String reason) {
      super(reason);
    }
  }

  private record Step(HostState next, String detail) {}

  private final PlannedHost host;
  private final NodeRef node;
  private final Context context;
  private final Ports ports;
  private final RolloutSettings settings;
  private final String position;
  private final HostCheckpoint resume;
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
  private String revisionBefore;
  private Instant triggeredAt;
  private Instant healthDeadline;
  private boolean maintenanceOn;
  private String rollbackOf;

  /** The boot marker and status time of the latest read of the node: the baseline of a rollback. */
  private String seenBootId;

  private long seenStatusUpdatedAt;

  /** The node's raft index at the latest read: re-registration events after it are new. */
  private long seenNodeIndex;

  /** The node's raft index right before the trigger: the baseline of "re-registered since". */
  private long nodeIndexBefore;

  HostRollout(PlannedHost host, Context context, String position, HostCheckpoint resume) {
    this.host = host;
    this.node = host.requireNode();
    this.context = context;
    this.ports = context.ports();
    this.settings = context.settings();
    this.position = position;
    this.resume = resume;
    this.eligibleBefore = resume != null ? resume.eligibleBefore() : node.eligibleBefore();
    if (resume != null) {
      state = resume.state();
      reason = resume.reason();
      failedIn = resume.failedIn();
      timeIn.putAll(resume.timeIn());
    }
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

  /**
   * Whether the run ended without reaching a final state: interrupted, or its checkpoint failed.
   */
  boolean stopped() {
    return stopped;
  }

  HostCheckpoint snapshot() {
    return new HostCheckpoint(
        host.hostname(),
        node.id(),
        state,
        eligibleBefore,
        bootIdBefore,
        statusUpdatedBefore,
        triggeredAt,
        healthDeadline,
        failedIn,
        reason,
        timeIn,
        ports.clock().now(),
        revisionBefore,
        maintenanceOn,
        rollbackOf,
        nodeIndexBefore);
  }

  void skip() {
    reason = host.skipReason();
    enter(HostState.SKIPPED, reason);
  }

  /**
   * Runs the host to a final state, from its checkpoint if it has one. An interruption (a signal)
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
      } catch (VerificationFailure e) {
        if (settings.rollback() && rollbackOf == null) {
          rollbackOf = e.getMessage();
          next = HostState.ROLLING_BACK;
          detail = "rolling back to the previous generation: " + e.getMessage();
        } else {
          next =
              fail(
                  rollbackOf == null
                      ? e.getMessage()
                      : "still unhealthy after the rollback: "
                          + e.getMessage()
                          + " (rolled back because: "
                          + rollbackOf
                          + ")");
          detail = reason;
        }
      } catch (HostFailure e) {
        next = fail(e.getMessage());
        detail = reason;
      } catch (ApiException e) {
        next = fail("in " + state + ": " + e.getMessage());
        detail = reason;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopped = true;
        return report();
      } catch (Fence.Stopped e) {
        stopped = true;
        reason = "stopped: " + e.getMessage();
        return report();
      }
    }
  }

  private HostState fail(String why) {
    reason = why;
    failedIn = state;
    return HostState.FAILED;
  }

  /** The state a resumed host continues in, with the timers it needs restored or restarted. */
  private HostState resumeState() {
    bootIdBefore = resume.bootIdBefore();
    statusUpdatedBefore = resume.statusUpdatedBefore();
    revisionBefore = resume.revisionBefore();
    triggeredAt = resume.triggeredAt();
    healthDeadline = resume.healthDeadline();
    maintenanceOn = resume.maintenanceOn();
    rollbackOf = resume.rollbackOf();
    nodeIndexBefore = resume.nodeIndexBefore();
    HostState from = resume.state();
    if (from == HostState.ROLLED_BACK) {
      // --retry-failed after a rollback: the host runs again from the start.
      rollbackOf = null;
      reason = null;
      return HostState.PREPARING;
    }
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
    if (from == HostState.REBUILDING || from == HostState.ROLLING_BACK) {
      resumedInRebuild = resume.state() == from;
    }
    if (from == HostState.VERIFYING && healthDeadline == null) {
      healthDeadline = ports.clock().now().plus(settings.healthTimeout());
    }
    return from;
  }

  private Step step(HostState current) throws HostFailure, InterruptedException {
    return switch (current) {
      case PREPARING -> prepare();
      case DRAINING -> drain();
      case REBUILDING -> rebuild();
      case REBOOTING -> awaitRestart();
      case RETURNING -> awaitReturn();
      case VERIFYING -> verify();
      case ENABLING -> enable();
      case ROLLING_BACK -> rollBack();
      default -> throw new IllegalStateException("no step for " + current);
    };
  }

  private Step prepare() throws HostFailure, InterruptedException {
    Instant deadline = ports.clock().now().plus(settings.healthTimeout());
    NomadNode current = readNode(0, deadline).value();
    if (!current.ready()) {
      throw new HostFailure(
          "node is " + current.status() + " before its rollout started; nothing was changed");
    }
    if (current.draining() && !ours(current)) {
      throw new HostFailure("node is already being drained by someone else; nothing was changed");
    }
    bootIdBefore = current.bootId();
    statusUpdatedBefore = current.statusUpdatedAt();
    revisionBefore = current.revision();
    int delay = host.spec().orchestration().rebootDelay();
    if (delay > 0) {
      ports.clock().sleep(Duration.ofSeconds(delay));
    }
    awaitGates(deadline);
    if (settings.maintenance() && ports.maintenance() != null && !maintenanceOn) {
      retrying(
          deadline,
          () -> {
            ports
                .maintenance()
                .enable(node.address(), "lab-orchestrator rollout " + context.rolloutId());
            return null;
          });
      maintenanceOn = true;
    }
    return new Step(
        HostState.DRAINING,
        (delay > 0 ? "waited rebootDelay " + delay + "s; " : "")
            + "gates passed"
            + (maintenanceOn ? "; Consul maintenance mode on" : ""));
  }

  /** Waits, up to {@code deadline}, until nothing forbids taking this host out of service. */
  private void awaitGates(Instant deadline) throws HostFailure, InterruptedException {
    while (true) {
      Optional<String> refusal =
          retrying(deadline, () -> context.gates().beforeHost(host, context.busy().get()));
      if (refusal.isEmpty()) {
        return;
      }
      pastDeadline(deadline, "not started, nothing was changed: " + refusal.get());
      ports.clock().sleep(min(Duration.ofSeconds(5), remaining(deadline)));
    }
  }

  private boolean ours(NomadNode current) {
    return current.lastDrain() != null
        && current.lastDrain().meta() != null
        && context.rolloutId().equals(current.lastDrain().meta().get(ROLLOUT_META));
  }

  private Step drain() throws HostFailure, InterruptedException {
    Instant deadline = ports.clock().now().plus(settings.drainTimeout());
    String timedOut = "drain not complete after " + Durations.format(settings.drainTimeout());
    requestDrain(deadline);
    NomadNode current =
        awaitNode(deadline, n -> !n.draining(), n -> timedOut + ": DrainStrategy still set");
    if (current.lastDrain() != null && current.lastDrain().canceled()) {
      throw new HostFailure("the drain was canceled by someone else (LastDrain.Status canceled)");
    }
    // Nomad clears DrainStrategy before system allocations have stopped: wait for those it covers
    // too.
    long index = 0;
    while (true) {
      long query = index;
      Indexed<List<Allocation>> allocs =
          retrying(
              deadline, () -> ports.nomad().nodeAllocations(node.id(), query(query, deadline)));
      List<Allocation> left =
          allocs.value().stream()
              .filter(a -> a.active() && a.coveredByDrain(settings.ignoreSystemJobs()))
              .toList();
      if (left.isEmpty()) {
        return new Step(HostState.REBUILDING, "drain complete");
      }
      pastDeadline(
          deadline,
          timedOut
              + ": "
              + left.size()
              + " allocation(s) still pending or running ("
              + left.stream().map(Allocation::name).collect(Collectors.joining(", "))
              + ")");
      pace(allocs.index(), index);
      index = allocs.index() < index ? 0 : allocs.index();
    }
  }

  /**
   * Sends the drain once. After an ambiguous failure (no answer, 5xx) the drain may have landed, so
   * the node is read again before the request is re-issued.
   */
  private void requestDrain(Instant deadline) throws HostFailure, InterruptedException {
    DrainRequest request =
        new DrainRequest(
            settings.drainDeadline(),
            settings.ignoreSystemJobs(),
            Map.of(
                ROLLOUT_META,
                context.rolloutId(),
                "message",
                "lab-orchestrator rolling NixOS update " + context.rolloutId() + ": " + position));
    for (int attempt = 1; ; attempt++) {
      NomadNode current = readNode(0, deadline).value();
      if (ours(current) && (current.draining() || !current.lastDrain().canceled())) {
        return; // this rollout's drain landed already (a retry, or a run resumed after a crash)
      }
      try {
        ports.nomad().drain(node.id(), request);
        return;
      } catch (ApiException e) {
        if (!e.transientFailure()) {
          throw new HostFailure("drain request failed: " + e.getMessage());
        }
        pastDeadline(deadline, "drain request failed until the deadline: " + e.getMessage());
        ports.clock().sleep(settings.minPoll().multipliedBy(Math.min(8, 2L * attempt)));
      }
    }
  }

  private Step rebuild() throws HostFailure, InterruptedException {
    if (resumedInRebuild) {
      resumedInRebuild = false;
      if (triggerTookEffect()) {
        return new Step(
            HostState.REBOOTING, "the trigger before the crash took effect: not triggering again");
      }
    }
    triggeredAt = ports.clock().now();
    try {
      ports.executor().rebuildAndReboot(target());
    } catch (ExecutorException e) {
      throw new HostFailure("rebuild and reboot could not be triggered: " + e.getMessage());
    }
    return new Step(HostState.REBOOTING, "rebuild and reboot triggered");
  }

  /**
   * After a crash in REBUILDING or ROLLING_BACK the trigger may already be running (a command keeps
   * running when its parent dies): wait as long as a trigger may take for the restart to show
   * before triggering again, so that a host is not rebuilt and rebooted twice.
   */
  private boolean triggerTookEffect() throws HostFailure, InterruptedException {
    Instant deadline = ports.clock().now().plus(settings.triggerTimeout());
    long index = 0;
    while (true) {
      Indexed<NomadNode> read = readNode(index, deadline);
      if (restarted(read.value())) {
        return true;
      }
      if (!ports.clock().now().isBefore(deadline)) {
        return false;
      }
      pace(read.index(), index);
      index = read.index() < index ? 0 : read.index();
    }
  }

  private HostTarget target() {
    return new HostTarget(host.hostname(), node.id(), node.address());
  }

  private Step rollBack() throws HostFailure, InterruptedException {
    if (resumedInRebuild) {
      resumedInRebuild = false;
      if (triggerTookEffect()) {
        return new Step(
            HostState.REBOOTING, "the rollback before the crash took effect: not triggering again");
      }
    }
    triggeredAt = ports.clock().now();
    try {
      ports.executor().rollback(target());
    } catch (ExecutorException e) {
      throw new HostFailure(
          "rollback could not be triggered: "
              + e.getMessage()
              + " (rolling back because: "
              + rollbackOf
              + ")");
    }
    return new Step(HostState.REBOOTING, "rollback to the previous generation triggered");
  }

  private Step awaitRestart() throws HostFailure, InterruptedException {
    Instant deadline = triggeredAt.plus(settings.rebootTimeout());
    NomadNode seen =
        awaitNode(
            deadline,
            this::restarted,
            n ->
                "no reboot seen within "
                    + Durations.format(settings.rebootTimeout())
                    + ": the node stayed "
                    + n.status()
                    + (bootIdBefore == null
                        ? ""
                        : " and its " + NomadNode.BOOT_ID_META + " did not change"));
    return new Step(
        HostState.RETURNING,
        seen.ready() ? "rebooted (" + evidence(seen) + ")" : "node is " + seen.status());
  }

  /**
   * A restart is proven by the boot id changing, by the node seen out of {@code ready}, or, for a
   * node without a boot id, by Nomad recording after the trigger that its client registered again
   * after being down. StatusUpdatedAt proves nothing: Nomad moves it on drain and eligibility
   * updates too.
   */
  private boolean restarted(NomadNode n) {
    return !n.ready() || bootChanged(n) || bootIdBefore == null && reregistered(n).isPresent();
  }

  private Optional<NomadNode.NodeEvent> reregistered(NomadNode n) {
    return nodeIndexBefore > 0 ? n.reregisteredAfter(nodeIndexBefore) : Optional.empty();
  }

  private String evidence(NomadNode seen) {
    return bootChanged(seen)
        ? NomadNode.BOOT_ID_META + " changed"
        : reregistered(seen)
            .map(e -> "Nomad recorded \"" + e.message() + "\" at " + e.timestamp())
            .orElse("status changed since the trigger");
  }

  private boolean bootChanged(NomadNode current) {
    return bootIdBefore != null
        && current.bootId() != null
        && !bootIdBefore.equals(current.bootId());
  }

  private Step awaitReturn() throws HostFailure, InterruptedException {
    Instant deadline = triggeredAt.plus(settings.rebootTimeout());
    NomadNode returned =
        awaitNode(
            deadline,
            n -> n.ready() && (bootIdBefore == null || bootChanged(n)),
            n ->
                n.ready()
                    ? "node is ready but its "
                        + NomadNode.BOOT_ID_META
                        + " did not change within "
                        + Durations.format(settings.rebootTimeout())
                        + ": not counted as rebooted"
                    : "node did not return to ready within "
                        + Durations.format(settings.rebootTimeout())
                        + " (status "
                        + n.status()
                        + ")");
    healthDeadline = ports.clock().now().plus(settings.healthTimeout());
    String target =
        host.spec().revision() != null ? host.spec().revision() : settings.expectRevision();
    String expected = rollbackOf == null ? target : revisionBefore;
    if (expected != null && !expected.equals(returned.revision())) {
      throw new VerificationFailure(
          "node returned on NixOS revision " + returned.revision() + ", expected " + expected);
    }
    return new Step(
        HostState.VERIFYING,
        "node is ready"
            + (returned.revision() == null ? "" : " on revision " + returned.revision()));
  }

  private Step verify() throws HostFailure, InterruptedException {
    if (healthDeadline == null) {
      healthDeadline = ports.clock().now().plus(settings.healthTimeout());
    }
    String consulName = readNode(0, healthDeadline).value().consulName();
    Instant passingSince = null;
    long index = 0;
    while (true) {
      Duration wait = settings.maxWait();
      if (passingSince != null) {
        Duration left =
            settings.stableFor().minus(Duration.between(passingSince, ports.clock().now()));
        wait = left.isNegative() ? Duration.ZERO : min(wait, left);
      }
      Indexed<List<HealthCheck>> read;
      try {
        read =
            ports
                .consul()
                .nodeChecks(
                    consulName, BlockingQuery.after(index, min(wait, remaining(healthDeadline))));
      } catch (ApiException e) {
        if (!e.transientFailure()) {
          throw e;
        }
        passingSince = null;
        if (!ports.clock().now().isBefore(healthDeadline)) {
          throw new VerificationFailure(
              "Consul checks not seen passing within "
                  + Durations.format(settings.healthTimeout())
                  + ": "
                  + e.getMessage());
        }
        ports.clock().sleep(settings.minPoll());
        continue;
      }
      Instant now = ports.clock().now();
      List<HealthCheck> checks = relevant(read.value());
      if (healthy(checks)) {
        passingSince = passingSince == null ? now : passingSince;
        if (!Duration.between(passingSince, now).minus(settings.stableFor()).isNegative()) {
          awaitServersHealthy();
          return new Step(
              HostState.ENABLING,
              checks.size()
                  + " Consul checks passing for "
                  + Durations.format(settings.stableFor()));
        }
      } else {
        passingSince = null;
      }
      if (!now.isBefore(healthDeadline)) {
        throw new VerificationFailure(
            "Consul checks on "
                + consulName
                + " not passing after "
                + Durations.format(settings.healthTimeout())
                + ": "
                + describe(checks));
      }
      long previous = index;
      index = read.index() < index ? 0 : read.index();
      if (passingSince == null) {
        pace(read.index(), previous);
      }
    }
  }

  /**
   * While this rollout keeps the agent in maintenance mode, its own maintenance check is expected.
   */
  private List<HealthCheck> relevant(List<HealthCheck> checks) {
    return maintenanceOn
        ? checks.stream().filter(c -> !MAINTENANCE_CHECK.equals(c.checkId())).toList()
        : checks;
  }

  /** A server host counts as back only once Nomad's and Consul's autopilot report healthy again. */
  private void awaitServersHealthy() throws HostFailure, InterruptedException {
    if (!host.server()) {
      return;
    }
    while (true) {
      Optional<String> problem = retrying(healthDeadline, () -> context.gates().serversHealthy());
      if (problem.isEmpty()) {
        return;
      }
      if (!ports.clock().now().isBefore(healthDeadline)) {
        throw new VerificationFailure(
            "servers not healthy again after "
                + Durations.format(settings.healthTimeout())
                + ": "
                + problem.get());
      }
      ports.clock().sleep(min(Duration.ofSeconds(1), remaining(healthDeadline)));
    }
  }

  static boolean healthy(List<HealthCheck> checks) {
    return !checks.isEmpty() && checks.stream().allMatch(HealthCheck::passing);
  }

  private static String describe(List<HealthCheck> checks) {
    if (checks.isEmpty()) {
      return "no checks registered (agent not back?)";
    }
    return checks.stream()
        .filter(c -> !c.passing())
        .map(c -> c.name() + " " + c.status())
        .collect(Collectors.joining(", "));
  }

  private Step enable() throws HostFailure, InterruptedException {
    Instant deadline =
        healthDeadline == null
            ? ports.clock().now().plus(settings.healthTimeout())
            : healthDeadline;
    if (maintenanceOn) {
      retrying(
          deadline,
          () -> {
            ports.maintenance().disable(node.address());
            return null;
          });
      maintenanceOn = false;
      return new Step(
          HostState.VERIFYING, "Consul maintenance mode off; checking health once more");
    }
    NomadNode current = readNode(0, deadline).value();
    if (!current.ready()) {
      throw new HostFailure(
          "node left ready (" + current.status() + ") before it could be re-enabled");
    }
    List<HealthCheck> checks =
        retrying(
            deadline,
            () -> ports.consul().nodeChecks(current.consulName(), BlockingQuery.NONE).value());
    if (!healthy(checks)) {
      return new Step(
          HostState.VERIFYING, "checks changed before re-enabling: " + describe(checks));
    }
    HostState done = rollbackOf == null ? HostState.DONE : HostState.ROLLED_BACK;
    if (rollbackOf != null) {
      reason =
          "rolled back to its previous generation ("
              + revisionBefore
              + ") and healthy again, after: "
              + rollbackOf;
    }
    if (!eligibleBefore) {
      return new Step(
          done, "left ineligible: an operator had marked it ineligible before the rollout");
    }
    if (current.draining()) {
      throw new HostFailure(
          "node still has a DrainStrategy; Nomad refuses eligibility while it drains");
    }
    retrying(
        deadline,
        () -> {
          ports.nomad().setEligibility(node.id(), true);
          return null;
        });
    return new Step(done, "eligible again");
  }

  private NomadNode awaitNode(
      Instant deadline, Predicate<NomadNode> until, Function<NomadNode, String> timeoutMessage)
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

  private Indexed<NomadNode> readNode(long index, Instant deadline)
      throws HostFailure, InterruptedException {
    Indexed<NomadNode> read =
        retrying(deadline, () -> ports.nomad().readNode(node.id(), query(index, deadline)));
    seenBootId = read.value().bootId();
    seenStatusUpdatedAt = read.value().statusUpdatedAt();
    seenNodeIndex = Math.max(seenNodeIndex, read.index());
    return read;
  }

  /**
   * A call that rides out transient API failures (pausing between tries) until {@code deadline}:
   * reads, and writes that are idempotent (eligibility, maintenance).
   */
  private <T> T retrying(Instant deadline, Supplier<T> call)
      throws HostFailure, InterruptedException {
    while (true) {
      try {
        return call.get();
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
    return index <= 0
        ? BlockingQuery.NONE
        : BlockingQuery.after(index, min(settings.maxWait(), remaining(deadline)));
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
      timeIn.merge(
          from,
          Duration.between(Objects.requireNonNullElse(enteredState, now), now),
          Duration::plus);
    }
    state = next;
    enteredState = now;
    if (next == HostState.REBUILDING || next == HostState.ROLLING_BACK) {
      triggeredAt = now;
      if (seenNodeIndex > 0 && !resumedInRebuild) {
        nodeIndexBefore = seenNodeIndex;
      }
    }
    // Nomad moves StatusUpdatedAt on drain and eligibility updates too: the baseline for "the
    // status changed since the trigger" is taken after the drain, right before the trigger.
    if (next == HostState.REBUILDING && from == HostState.DRAINING && seenStatusUpdatedAt > 0) {
      statusUpdatedBefore = seenStatusUpdatedAt;
    }
    if (next == HostState.ROLLING_BACK && from != HostState.ROLLING_BACK) {
      bootIdBefore = seenBootId;
      statusUpdatedBefore = seenStatusUpdatedAt;
    }
    try {
      context.checkpoint().accept(snapshot());
    } catch (RuntimeException e) {
      throw new CheckpointFailure("the checkpoint could not be stored: " + e.getMessage());
    }
    Duration since = started == null ? Duration.ZERO : Duration.between(started, now);
    Duration inPrevious =
        from == HostState.PENDING ? Duration.ZERO : timeIn.getOrDefault(from, Duration.ZERO);
    context.listener().transition(host.hostname(), from, next, inPrevious, since, detail);
  }
}
