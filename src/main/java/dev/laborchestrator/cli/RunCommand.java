package dev.laborchestrator.cli;

import dev.laborchestrator.config.Durations;
import dev.laborchestrator.nomad.NomadVariableLock;
import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.RolloutLock;
import dev.laborchestrator.rollout.ConsoleReporter;
import dev.laborchestrator.rollout.Fence;
import dev.laborchestrator.rollout.FencedPorts;
import dev.laborchestrator.rollout.Gates;
import dev.laborchestrator.rollout.HostCheckpoint;
import dev.laborchestrator.rollout.HostState;
import dev.laborchestrator.rollout.NodeMetaReporter;
import dev.laborchestrator.rollout.Ports;
import dev.laborchestrator.rollout.RolloutEngine;
import dev.laborchestrator.rollout.RolloutListener;
import dev.laborchestrator.rollout.RolloutResult;
import dev.laborchestrator.rollout.RolloutSettings;
import dev.laborchestrator.rollout.RolloutState;
import dev.laborchestrator.watch.ClusterWatch;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs a rollout: takes the lock, resumes an unfinished rollout from its checkpoint or starts a new
 * one, and drains, rebuilds, reboots, verifies and re-enables host after host.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Roll the fleet: each host is drained, rebuilt, rebooted, verified and re-enabled in plan order.")
final class RunCommand extends ClusterCommand {
  /** How long the end of a run waits for the last node metadata writes (the clearing of DONE). */
  private static final Duration NODE_META_FLUSH = Duration.ofSeconds(10);

  private static final DateTimeFormatter ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  @Option(names = "--dry-run", description = "plan and check everything, change nothing")
  boolean dryRun;

  @Option(
      names = "--retry-failed",
      description = "resume a failed rollout, retrying the failed host where it failed")
  boolean retryFailed;

  @Option(
      names = "--wait-for-lock",
      paramLabel = "DURATION",
      description =
          "wait this long for another rollout's lock instead of exiting with code 3 (e.g. 2m)")
  String waitForLock;

  /** The handoff of this run's own node, made under the lock; the successor starts after it. */
  private RolloutState.Handoff handedOver;

  @Option(
      names = "--report",
      paramLabel = "FILE",
      description =
          "write a JSON report of the run to FILE (schema: schemas/report.schema.json in the jar)")
  Path report;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      description = "serve /metrics on PORT while the run lasts (overrides metrics.port)")
  Integer metricsPort;

  /** Notifications, metrics and the report: set up before the lock, closed when the run ends. */
  private Operator operator = Operator.NONE;

  RunCommand(Main.Context context) {
    super(context);
  }

  @Override
  int run(Session session) throws InterruptedException {
    return execute(session, dryRun);
  }

  int execute(Session session, boolean dry) throws InterruptedException {
    Duration lockWait =
        waitForLock == null ? Duration.ZERO : Durations.parse(waitForLock, "--wait-for-lock");
    // Everything is read and checked before the first write, the lock included.
    Optional<RolloutState> previous = session.recorded();
    Plan plan = session.plan(busy(previous.orElse(null)), lastTimes(previous));
    plan.describe().forEach(context.out()::println);
    if (dry) {
      previous
          .filter(s -> s.status() != RolloutState.Status.DONE)
          .ifPresent(
              s ->
                  context
                      .out()
                      .println(
                          "A rollout "
                              + s.rolloutId()
                              + " is recorded as "
                              + s.status()
                              + ": 'run' would "
                              + (s.status() == RolloutState.Status.RUNNING
                                  ? "resume it"
                                  : "need --retry-failed or 'reset'")));
      context.out().println("Dry run: nothing was changed.");
      return ExitCodes.DONE;
    }
    if (previous.isPresent()
        && previous.get().status() == RolloutState.Status.FAILED
        && !retryFailed) {
      return refuseFailed(previous.get());
    }
    if (outsideWindow(session, plan, previous)) {
      return ExitCodes.DONE;
    }
    if (lockWait.isZero()
        && previous.filter(s -> s.status() == RolloutState.Status.RUNNING).isPresent()
        && previous.get().handoff() != null) {
      // A successor may start before its predecessor has let go of the lock.
      lockWait = session.config.lockTtl().multipliedBy(2);
    }
    operator = Operator.open(session.config, metricsPort, report, context.err());
    try {
      return locked(session, plan, previous, lockWait);
    } finally {
      operator.close();
      operator = Operator.NONE;
    }
  }

  private int locked(Session session, Plan plan, Optional<RolloutState> previous, Duration lockWait)
      throws InterruptedException {
    Clock clock = Clock.system();
    Optional<Acquired> acquired = acquire(session, lockWait, clock);
    if (acquired.isEmpty()) {
      return ExitCodes.LOCKED;
    }
    Optional<RolloutLock.Lease> lease = Optional.of(acquired.get().lease());
    Fence fence = new Fence(clock, session.config.lockTtl(), acquired.get().sentAt());
    operator.lockHeld(true);
    ScheduledExecutorService renewer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "lock-renewer");
              thread.setDaemon(true);
              return thread;
            });
    int code;
    try {
      // Under the lock, the recorded state is the truth: another run may have moved it on
      // meanwhile.
      Optional<RolloutState> current = session.recorded();
      if (!current.equals(previous)) {
        plan = session.plan(busy(current.orElse(null)), lastTimes(current));
      }
      code = rollout(session, plan, current, lease.get(), fence, renewer);
    } finally {
      renewer.shutdownNow();
      operator.lockHeld(false);
      try {
        // A lost lease is not released: its ID may still be on the variable while Nomad holds it
        // for the lock delay (nomad/locks.go), and Nomad's own release at the end of that delay
        // carries no lock ID, so it would take the lock from a run that took it in the meantime.
        if (fence.lost().isEmpty()) {
          session.lock.release(lease.get());
        }
      } catch (ApiException e) {
        context
            .err()
            .println(
                "warning: could not release the lock ("
                    + e.getMessage()
                    + "); it expires after its TTL");
      }
    }
    // The successor is started only once the lock is released: a forced launch runs even while
    // this run's allocation still runs (prohibit_overlap is not checked for it), and it must be
    // able to take the lock.
    return handedOver == null ? code : startSuccessor(session, handedOver);
  }

  /**
   * {@code POST /v1/job/<parent>/periodic/force}: Nomad places the new child on another node, since
   * this one is ineligible; it resumes the rollout from the checkpoint and rolls this host.
   */
  private int startSuccessor(Session session, RolloutState.Handoff handoff) {
    String parent = context.env().get("NOMAD_JOB_PARENT_ID");
    String finish =
        "The handover is recorded: run 'lab-orchestrator run' elsewhere, or 'nomad job periodic"
            + " force <job>', to roll "
            + handoff.hostname()
            + " (it stays ineligible until then).";
    if (parent == null || parent.isBlank()) {
      context
          .err()
          .println(
              "error: "
                  + handoff.hostname()
                  + " runs this controller, which is not a periodic run of the job"
                  + " (NOMAD_JOB_PARENT_ID is not set), so no successor was started. "
                  + finish);
      return ExitCodes.FAILED;
    }
    try {
      String eval = session.nomad.forcePeriodicLaunch(parent.strip());
      context
          .out()
          .println(
              "Handed over: "
                  + handoff.hostname()
                  + " runs this controller, so it was marked ineligible (not drained) and a"
                  + " successor run of "
                  + parent.strip()
                  + " was launched (evaluation "
                  + eval
                  + "); Nomad places it on another node ("
                  + String.join(", ", handoff.successors())
                  + " can run it). The successor resumes the rollout and rolls "
                  + handoff.hostname()
                  + ".");
      return ExitCodes.DONE;
    } catch (ApiException e) {
      context
          .err()
          .println(
              "error: could not launch the successor run of "
                  + parent.strip()
                  + ": "
                  + (e.forbidden()
                      ? "the token needs submit-job (force-periodic-job in newer Nomad) on the"
                          + " job's namespace (see jobs/lab-orchestrator.policy.hcl)"
                      : e.getMessage())
                  + ". "
                  + finish);
      return ExitCodes.FAILED;
    }
  }

  private int refuseFailed(RolloutState state) {
    context
        .err()
        .println("error: rollout " + state.rolloutId() + " failed and is not resumed silently:");
    state.hosts().stream()
        .filter(h -> h.state() == HostState.FAILED || h.state() == HostState.ROLLED_BACK)
        .forEach(
            h -> context.err().println("  " + h.hostname() + " " + h.state() + ": " + h.reason()));
    context
        .err()
        .println(
            "Fix the host, then run with --retry-failed to continue where it failed, or "
                + "'lab-orchestrator reset' to forget this rollout. Nothing was changed.");
    return ExitCodes.FAILED;
  }

  private int rollout(
      Session session,
      Plan plan,
      Optional<RolloutState> previous,
      RolloutLock.Lease lease,
      Fence fence,
      ScheduledExecutorService renewer)
      throws InterruptedException {
    RolloutState resume = null;
    String rolloutId = newRolloutId();
    if (previous.isPresent() && previous.get().status() != RolloutState.Status.DONE) {
      if (previous.get().status() == RolloutState.Status.FAILED && !retryFailed) {
        return refuseFailed(previous.get());
      }
      resume = previous.get();
      rolloutId = resume.rolloutId();
    }
    Ports ports = FencedPorts.of(session.ports(), fence);
    Set<String> busy = busy(resume);
    RolloutSettings settings = RolloutSettings.from(session.config);
    // The run's one view of the cluster, started here so that the check before the start reads it
    // rather than every node and its checks once more.
    ClusterWatch watch =
        RolloutEngine.watch(
            ports,
            settings,
            new RolloutListener() {
              @Override
              public void transition(
                  String h, HostState f, HostState t, Duration a, Duration b, String d) {}

              @Override
              public void note(String host, String message) {
                context.err().println("warning: " + message);
              }
            },
            plan,
            resume);
    Optional<String> refusal;
    try {
      refusal = new Gates(ports, plan, watch).beforeStart(busy);
    } catch (RuntimeException e) {
      watch.close();
      throw e;
    }
    if (refusal.isPresent()) {
      watch.close();
      context
          .err()
          .println("error: refusing to start: " + refusal.get() + ". Nothing was changed.");
      return ExitCodes.FAILED;
    }
    if (resume != null) {
      context
          .out()
          .println(
              "Resuming rollout "
                  + rolloutId
                  + " (started "
                  + resume.startedAt()
                  + "): "
                  + resume.hosts().stream()
                      .filter(h -> h.state() != HostState.PENDING)
                      .map(h -> h.hostname() + " " + h.state())
                      .collect(Collectors.joining(", ")));
    } else {
      context.out().println("Rollout " + rolloutId + " starting");
    }
    ConsoleReporter reporter = new ConsoleReporter(context.out(), Clock.system());
    NodeMetaReporter nodeMeta =
        new NodeMetaReporter(
            session.nomad,
            nodeIds(plan),
            rolloutId,
            Clock.system(),
            line -> context.err().println("warning: " + line));
    RolloutListener listener = operator.listening(RolloutListener.all(List.of(reporter, nodeMeta)));
    RolloutEngine engine =
        new RolloutEngine(ports, settings, listener, session.state)
            .withWatch(watch)
            .withStartHold(Holds.of(session, context.env()));
    new Renewal(session, lease, fence, engine, renewer).schedule(Duration.ZERO);

    CountDownLatch finished = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              context
                  .err()
                  .println(
                      "Stopping on a signal: the current step's checkpoint is kept; the next run resumes.");
              engine.stop();
              try {
                finished.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    RolloutResult result;
    Instant startedAt = Instant.now();
    listener.started(rolloutId, startingStates(plan, resume), resume != null);
    try {
      try {
        result = engine.run(plan, rolloutId, resume);
      } finally {
        nodeMeta.close(NODE_META_FLUSH);
      }
      if (engine.handoff().isEmpty()) {
        reporter.summary(result);
      }
      listener.finished(result);
      operator.writeReport(
          result, session.config.rebuild().expectRevision(), startedAt, Instant.now());
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it waits for us
      }
    }
    if (engine.handoff().isPresent()) {
      handedOver = engine.handoff().get();
      return ExitCodes.DONE;
    }
    if (engine.leftBehind().isPresent()) {
      context
          .err()
          .println(
              "error: "
                  + engine.leftBehind().get()
                  + " was not rolled: it runs this controller, and no other node can run it (none"
                  + " is ready, eligible, not draining and has the java driver), so it was not"
                  + " drained under the controller. Every other host is done; the rollout stays"
                  + " open and the next run resumes it. Make another node able to run the"
                  + " controller, or run lab-orchestrator from outside the cluster.");
      return ExitCodes.FAILED;
    }
    if (result.hosts().stream()
        .anyMatch(h -> !h.state().terminal() && h.state() != HostState.PENDING)) {
      context
          .out()
          .println(
              "Stopped before the rollout finished; its state is kept in Nomad Variables and "
                  + "the next run resumes it.");
      return ExitCodes.FAILED;
    }
    if (engine.heldStop().isPresent() && result.failed().isEmpty()) {
      long left = result.hosts().stream().filter(h -> !h.state().terminal()).count();
      context
          .out()
          .println(
              "Paused: "
                  + engine.heldStop().get()
                  + ". "
                  + left
                  + (left == 1 ? " host is" : " hosts are")
                  + " left; the checkpoint is kept and the next run resumes the rollout.");
      return ExitCodes.DONE;
    }
    return result.succeeded() ? ExitCodes.DONE : ExitCodes.FAILED;
  }

  /**
   * Keeps the lease renewed every third of its TTL, and every tenth while renewals fail, so that a
   * short outage stalls no step; the {@link Fence} holds back mutating steps once the TTL has
   * passed since the last renewal that succeeded. A lease found lost stops the rollout as a signal
   * does.
   */
  private final class Renewal {
    private final Session session;
    private final RolloutLock.Lease lease;
    private final Fence fence;
    private final RolloutEngine engine;
    private final ScheduledExecutorService renewer;
    private final Duration period;
    private final Duration retry;
    private boolean failing;

    Renewal(
        Session session,
        RolloutLock.Lease lease,
        Fence fence,
        RolloutEngine engine,
        ScheduledExecutorService renewer) {
      this.session = session;
      this.lease = lease;
      this.fence = fence;
      this.engine = engine;
      this.renewer = renewer;
      this.period = session.config.lockTtl().dividedBy(3);
      this.retry = session.config.lockTtl().dividedBy(10);
    }

    void schedule(Duration delay) {
      try {
        renewer.schedule(this::renew, delay.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException shutDown) {
        // the run is over
      }
    }

    private void renew() {
      long sent = fence.now();
      Duration next = period;
      try {
        session.lock.renew(lease);
        fence.renewed(sent);
        if (failing) {
          context.err().println("The rollout lock is renewed again.");
          failing = false;
        }
        if (!fence.valid()) {
          next = Duration.ZERO; // the renewal took longer than the TTL: prove the lease afresh
        }
      } catch (RolloutLock.Lost e) {
        stop(fence.lose(e.getMessage()));
        return;
      } catch (RuntimeException e) {
        if (!failing) {
          context
              .err()
              .println(
                  "warning: could not renew the rollout lock ("
                      + e.getMessage()
                      + "); retrying every "
                      + Durations.format(retry)
                      + ". No drain, reboot or eligibility change starts once "
                      + Durations.format(session.config.lockTtl())
                      + " have passed since the last renewal.");
          failing = true;
        }
        if (fence.renewalFailed(e.getMessage())) {
          stop(true);
          return;
        }
        next = retry;
      }
      schedule(next);
    }

    private void stop(boolean first) {
      if (first) {
        context
            .err()
            .println(
                "error: the rollout lock was lost ("
                    + fence.lost().orElse("")
                    + "); stopping so that two rollouts never run at once. The checkpoint is kept;"
                    + " the next run resumes it.");
      }
      engine.stop();
    }
  }

  /**
   * Outside the maintenance window a run changes nothing, not even the lock: it says when the
   * window opens and exits 0, so that a periodic job may start it as often as it likes.
   */
  private boolean outsideWindow(Session session, Plan plan, Optional<RolloutState> previous) {
    var window = session.config.holds().window();
    if (window == null) {
      return false;
    }
    Instant now = Holds.windowClock(context.env()).now();
    if (window.contains(now)) {
      return false;
    }
    long left =
        previous
            .filter(s -> s.status() == RolloutState.Status.RUNNING)
            .map(s -> s.hosts().stream().filter(h -> !h.state().terminal()).count())
            .orElse(plan.hosts().stream().filter(h -> !h.skipped()).count());
    context
        .out()
        .println(
            "Paused: outside the "
                + Holds.describe(window, now)
                    .replaceFirst("^Maintenance window", "maintenance window")
                + ". Nothing was started; "
                + left
                + (left == 1 ? " host is" : " hosts are")
                + " left for a run inside the window.");
    return true;
  }

  /** A lease, and when the acquire that took it was sent (on the fence's monotonic scale). */
  private record Acquired(RolloutLock.Lease lease, long sentAt) {}

  private Optional<Acquired> acquire(Session session, Duration wait, Clock clock)
      throws InterruptedException {
    Instant until = Instant.now().plus(wait);
    String me = LockHolder.describe(context.env());
    boolean tookOver = false;
    while (true) {
      try {
        long sent = clock.nanoTime();
        return Optional.of(new Acquired(session.lock.acquire(me, session.config.lockTtl()), sent));
      } catch (ApiException e) {
        if (e.forbidden()) {
          throw new dev.laborchestrator.config.InvalidInputException(
              "Nomad refused the rollout lock (HTTP "
                  + e.status()
                  + "): the token needs variables write on nomad/jobs/lab-orchestrator/*"
                  + " (see jobs/lab-orchestrator.policy.hcl)",
              e);
        }
        throw e;
      } catch (RolloutLock.Held held) {
        Optional<RolloutLock.Holder> holder = held.holder();
        Optional<String> dead =
            tookOver || holder.isEmpty() ? Optional.empty() : whyDead(session, holder.get());
        if (dead.isPresent()) {
          context
              .err()
              .println(
                  "The rollout lock is held by "
                      + holder.get().holder()
                      + ", which is dead ("
                      + dead.get()
                      + "): taking the lock over after Nomad's lock delay ("
                      + Durations.format(NomadVariableLock.DEFAULT_LOCK_DELAY)
                      + ").");
          session.lock.forceRelease();
          // If the dead holder's TTL had already run out, Nomad releases "its" lock once more at
          // the end of the lock delay, without a lock ID (nomad/locks.go invalidateVariableLock),
          // which would take the lock from whoever holds it then. Take it only after that.
          Thread.sleep(NomadVariableLock.DEFAULT_LOCK_DELAY.toMillis());
          tookOver = true;
          continue;
        }
        if (!Instant.now().isBefore(until)) {
          context
              .err()
              .println(
                  "error: another rollout holds the lock"
                      + holder.map(h -> ": " + h.holder() + " since " + h.since()).orElse("")
                      + ". Wait for it to finish; if its holder died, the lock expires after its TTL ("
                      + Durations.format(session.config.lockTtl())
                      + " plus Nomad's lock delay), or run "
                      + "'lab-orchestrator unlock --force' once you are sure it is gone.");
          return Optional.empty();
        }
        Thread.sleep(
            Math.min(2000, Math.max(1, Duration.between(Instant.now(), until).toMillis())));
      }
    }
  }

  /** Why the lock's holder is provably dead, if it is; anything else waits for the TTL. */
  private Optional<String> whyDead(Session session, RolloutLock.Holder holder) {
    if (LockHolder.provablyDead(holder, context.env())) {
      return Optional.of("a process that no longer runs on this host");
    }
    try {
      return LockHolder.deadInNomad(holder, session.nomad::readAllocation);
    } catch (ApiException e) {
      context
          .err()
          .println(
              "warning: could not read the lock holder's Nomad allocation ("
                  + e.getMessage()
                  + "); it counts as alive until its lock expires");
      return Optional.empty();
    }
  }

  private static Map<String, String> nodeIds(Plan plan) {
    Map<String, String> ids = new HashMap<>();
    plan.hosts().forEach(h -> h.node().ifPresent(n -> ids.put(h.hostname(), n.id())));
    return ids;
  }

  /** Every planned host and the state it starts this run in. */
  private static Map<String, HostState> startingStates(Plan plan, RolloutState resume) {
    Map<String, HostState> states = new LinkedHashMap<>();
    for (Plan.PlannedHost host : plan.hosts()) {
      HostState state =
          resume == null
              ? HostState.PENDING
              : resume.host(host.hostname()).map(HostCheckpoint::state).orElse(HostState.PENDING);
      states.put(host.hostname(), state);
    }
    return states;
  }

  static Map<String, Duration> lastTimes(Optional<RolloutState> state) {
    return state.map(RolloutState::timesOutOfService).orElse(Map.of());
  }

  static Set<String> busy(RolloutState state) {
    if (state == null) {
      return Set.of();
    }
    return state.hosts().stream()
        .filter(h -> h.state().outOfService() || h.state() == HostState.FAILED)
        .map(HostCheckpoint::hostname)
        .collect(Collectors.toSet());
  }

  private static String newRolloutId() {
    byte[] random = new byte[2];
    new SecureRandom().nextBytes(random);
    return "r-" + ID_TIME.format(Instant.now()) + "-" + HexFormat.of().formatHex(random);
  }
}
