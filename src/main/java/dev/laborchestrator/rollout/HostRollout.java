package dev.laborchestrator.rollout;

import dev.laborchestrator.plan.Plan.PlannedHost;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NomadNode;
import dev.laborchestrator.watch.ClusterWatch;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One host's way through the state machine of design §3. Each state belongs to a {@link Phase},
 * whose step observes the node through the shared view, acts at most once, and names the next
 * state; a failure ends in FAILED with the node left drained and ineligible. A transition into a
 * state that acts is checkpointed before that state acts ({@link HostState#persisted}).
 */
final class HostRollout {
  /** What every host of one rollout shares. */
  record Context(
      Ports ports,
      RolloutSettings settings,
      RolloutListener listener,
      String rolloutId,
      Consumer<HostCheckpoint> checkpoint,
      Gates gates,
      Supplier<Set<String>> busy,
      ClusterWatch watch) {}

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
  static final class VerificationFailure extends HostFailure {
    private static final long serialVersionUID = 1L;

    VerificationFailure(String reason) {
      super(reason);
    }
  }

  private static final Phase DRAIN = new DrainPhase();
  private static final Phase RESTART = new RestartPhase();
  private static final Phase RETURN = new ReturnPhase();
  private static final Phase VERIFY = new VerifyPhase();
  private static final Phase ENABLE = new EnablePhase();

  private final PlannedHost host;
  private final HostRun run;
  private final Context context;
  private final boolean resuming;
  private Instant enteredState;
  private Instant started;
  private boolean stopped;

  HostRollout(PlannedHost host, Context context, String position, HostCheckpoint resume) {
    this.host = host;
    this.context = context;
    this.resuming = resume != null;
    HostCheckpoint progress =
        resume != null
            ? resume
            : HostCheckpoint.pending(
                host.hostname(),
                host.requireNode().id(),
                host.requireNode().eligibleBefore(),
                context.ports().clock().now());
    this.run = new HostRun(host, context, position, progress);
  }

  String hostname() {
    return host.hostname();
  }

  HostState state() {
    return run.progress().state();
  }

  HostReport report() {
    HostCheckpoint p = run.progress();
    return new HostReport(host.hostname(), p.state(), p.reason(), p.timeIn());
  }

  /** Whether this host continues from a checkpoint of a rollout already under way. */
  boolean resuming() {
    return resuming;
  }

  /**
   * Whether the run ended without reaching a final state: interrupted, or its checkpoint failed.
   */
  boolean stopped() {
    return stopped;
  }

  void skip() {
    run.update(p -> p.reason = host.skipReason());
    enter(HostState.SKIPPED, host.skipReason());
  }

  /**
   * Fails a host that never started: the gates refused it until its time ran out. Nothing was
   * changed on it.
   */
  HostReport refuse(String why) {
    run.update(
        p -> {
          p.reason = why;
          p.failedIn = HostState.PREPARING;
        });
    enter(HostState.FAILED, why);
    return report();
  }

  /**
   * BUILDING, ahead of the host's turn: builds and stages its new system while it still runs its
   * work. Returns whether it was built; a host whose build failed (or could not run) is FAILED with
   * nothing changed on it. An interruption leaves it as it was.
   */
  boolean build() {
    started = run.now();
    enteredState = started;
    enter(HostState.BUILDING, "building its new system ahead of its turn");
    try {
      run.update(p -> p.failedIn = null);
      String built = BuildPhase.describe(BuildPhase.build(run));
      context.listener().note(host.hostname(), built);
      return true;
    } catch (HostFailure e) {
      enter(fail(e.getMessage() + "; nothing was drained"), e.getMessage());
      return false;
    }
  }

  /**
   * Runs the host to a final state, from its checkpoint if it has one. An interruption (a signal)
   * or a checkpoint that cannot be stored stops it where it is, so that the next run resumes it.
   */
  HostReport run() {
    if (state() != HostState.BUILDING) {
      started = run.now();
      enteredState = started;
    }
    HostState next = HostState.PREPARING;
    String detail = "";
    if (resuming && state() != HostState.BUILDING) {
      HostState was = run.progress().state();
      next = resumeState();
      detail = "resumed from the checkpoint (was " + was + ")";
    }
    while (true) {
      try {
        enter(next, detail);
      } catch (CheckpointFailure e) {
        stopped = true;
        run.update(p -> p.reason = "stopped: " + e.getMessage());
        return report();
      }
      if (state().terminal()) {
        return report();
      }
      try {
        Phase.Step step = phase(state()).step(run);
        next = step.next();
        detail = step.detail();
      } catch (VerificationFailure e) {
        String rollbackOf = run.progress().rollbackOf();
        if (run.settings.rollback() && rollbackOf == null) {
          run.update(p -> p.rollbackOf = e.getMessage());
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
          detail = run.progress().reason();
        }
      } catch (HostFailure e) {
        next = fail(e.getMessage());
        detail = run.progress().reason();
      } catch (ApiException e) {
        next = fail("in " + state() + ": " + e.getMessage());
        detail = run.progress().reason();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopped = true;
        return report();
      } catch (Fence.Stopped e) {
        stopped = true;
        run.update(p -> p.reason = "stopped: " + e.getMessage());
        return report();
      }
    }
  }

  private static Phase phase(HostState state) {
    return switch (state) {
      case PREPARING, DRAINING -> DRAIN;
      case REBUILDING, SWITCHING, ROLLING_BACK, REBOOTING -> RESTART;
      case RETURNING -> RETURN;
      case VERIFYING -> VERIFY;
      case ENABLING -> ENABLE;
      default -> throw new IllegalStateException("no phase for " + state);
    };
  }

  private HostState fail(String why) {
    HostState in = state();
    run.update(
        p -> {
          p.reason = why;
          p.failedIn = in;
        });
    return HostState.FAILED;
  }

  /** The state a resumed host continues in, with the timers it needs restored or restarted. */
  private HostState resumeState() {
    HostState from = run.progress().state();
    if (from == HostState.ROLLED_BACK) {
      // --retry-failed after a rollback: the host runs again from the start.
      run.update(
          p -> {
            p.rollbackOf = null;
            p.reason = null;
          });
      return HostState.PREPARING;
    }
    if (from == HostState.FAILED) {
      // --retry-failed: back into the state it failed in, with fresh timeouts.
      HostState failedIn = run.progress().failedIn();
      from = failedIn == null ? HostState.PREPARING : failedIn;
      Instant now = run.now();
      Duration health = run.settings.healthTimeout();
      run.update(
          p -> {
            p.reason = null;
            p.failedIn = null;
            p.triggeredAt = p.triggeredAt == null ? null : now;
            p.healthDeadline = now.plus(health);
          });
    }
    if (from == HostState.PENDING || from == HostState.BUILDING) {
      return HostState.PREPARING;
    }
    if (from == HostState.REBUILDING || from == HostState.ROLLING_BACK) {
      run.resumedInTrigger = run.progress().state() == from;
    }
    if (from == HostState.VERIFYING) {
      // The time the controller was down is not held against the host: a resumed host gets at
      // least stableFor, and a few seconds for the view's first answers, to show its checks pass.
      Instant least = run.now().plus(run.settings.stableFor()).plusSeconds(5);
      Instant recorded = run.progress().healthDeadline();
      Instant deadline =
          recorded == null
              ? run.now().plus(run.settings.healthTimeout())
              : recorded.isBefore(least) ? least : recorded;
      run.update(p -> p.healthDeadline = deadline);
    }
    return from;
  }

  private void enter(HostState next, String detail) {
    Instant now = run.now();
    HostState from = state();
    Duration inPrevious = Duration.ZERO;
    if (from != HostState.PENDING || next == HostState.SKIPPED) {
      inPrevious = Duration.between(enteredState == null ? now : enteredState, now);
    }
    Duration spent = inPrevious;
    Indexed<NomadNode> seen =
        context.watch() == null ? null : context.watch().node(host.requireNode().id());
    boolean firstTrigger =
        (next == HostState.REBUILDING || next == HostState.ROLLING_BACK) && !run.resumedInTrigger;
    run.update(
        p -> {
          if (from != HostState.PENDING || next == HostState.SKIPPED) {
            p.timeIn.merge(from, spent, Duration::plus);
          }
          p.state = next;
          p.updatedAt = now;
          if (next == HostState.DRAINING && p.drainIndex == 0 && seen != null && seen.index() > 0) {
            // Taken once, before the drain request (a resumed drain keeps it): see Replacements.
            p.drainIndex = seen.index();
          }
          if (firstTrigger) {
            p.triggeredAt = now;
            if (seen != null && seen.index() > 0) {
              p.nodeIndexBefore = seen.index();
            }
          }
          if (seen != null && seen.value() != null) {
            // Nomad moves StatusUpdatedAt on drain and eligibility updates too: the baseline for
            // "the status changed since the trigger" is taken after the drain, right before it.
            if (next == HostState.REBUILDING && from == HostState.DRAINING) {
              p.statusUpdatedBefore = seen.value().statusUpdatedAt();
            }
            if (next == HostState.ROLLING_BACK && from != HostState.ROLLING_BACK) {
              p.bootIdBefore = seen.value().bootId();
              p.statusUpdatedBefore = seen.value().statusUpdatedAt();
            }
          }
        });
    enteredState = now;
    if (next.persisted()) {
      try {
        context.checkpoint().accept(run.progress());
      } catch (RuntimeException e) {
        throw new CheckpointFailure("the checkpoint could not be stored: " + e.getMessage());
      }
    }
    Duration since = started == null ? Duration.ZERO : Duration.between(started, now);
    Map<HostState, Duration> timeIn = run.progress().timeIn();
    Duration shown =
        from == HostState.PENDING ? Duration.ZERO : timeIn.getOrDefault(from, Duration.ZERO);
    context.listener().transition(host.hostname(), from, next, shown, since, detail);
  }
}
