package dev.laborchestrator.cli;

import dev.laborchestrator.config.Durations;
import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.RolloutLock;
import dev.laborchestrator.rollout.ConsoleReporter;
import dev.laborchestrator.rollout.Gates;
import dev.laborchestrator.rollout.HostCheckpoint;
import dev.laborchestrator.rollout.HostState;
import dev.laborchestrator.rollout.Patience;
import dev.laborchestrator.rollout.Ports;
import dev.laborchestrator.rollout.RolloutEngine;
import dev.laborchestrator.rollout.RolloutResult;
import dev.laborchestrator.rollout.RolloutSettings;
import dev.laborchestrator.rollout.RolloutState;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
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
    Plan plan = session.plan(busy(previous.orElse(null)));
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
    Optional<RolloutLock.Lease> lease = acquire(session, lockWait);
    if (lease.isEmpty()) {
      return ExitCodes.LOCKED;
    }
    ScheduledExecutorService renewer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "lock-renewer");
              thread.setDaemon(true);
              return thread;
            });
    try {
      // Under the lock, the recorded state is the truth: another run may have moved it on
      // meanwhile.
      Optional<RolloutState> current = session.recorded();
      if (!current.equals(previous)) {
        plan = session.plan(busy(current.orElse(null)));
      }
      return rollout(session, plan, current, lease.get(), renewer);
    } finally {
      renewer.shutdownNow();
      try {
        session.lock.release(lease.get());
      } catch (ApiException e) {
        context
            .err()
            .println(
                "warning: could not release the lock ("
                    + e.getMessage()
                    + "); it expires after its TTL");
      }
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
    Ports ports = session.ports();
    Set<String> busy = busy(resume);
    Optional<String> refusal =
        Patience.DEFAULT.call(() -> new Gates(ports, plan).beforeStart(busy));
    if (refusal.isPresent()) {
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
    RolloutEngine engine =
        new RolloutEngine(ports, RolloutSettings.from(session.config), reporter, session.state)
            .withStartHold(Holds.of(session, context.env()));
    Duration period = session.config.lockTtl().dividedBy(3);
    renewer.scheduleAtFixedRate(
        () -> renew(session, lease, engine),
        period.toMillis(),
        period.toMillis(),
        TimeUnit.MILLISECONDS);

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
    try {
      result = engine.run(plan, rolloutId, resume);
      reporter.summary(result);
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it waits for us
      }
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

  private void renew(Session session, RolloutLock.Lease lease, RolloutEngine engine) {
    try {
      session.lock.renew(lease);
    } catch (RolloutLock.Lost e) {
      context
          .err()
          .println(
              "error: the rollout lock was lost ("
                  + e.getMessage()
                  + "); stopping so that two "
                  + "rollouts never run at once. The next run resumes from the checkpoint.");
      engine.stop();
    } catch (ApiException e) {
      context
          .err()
          .println("warning: could not renew the rollout lock, will try again: " + e.getMessage());
    }
  }

  private Optional<RolloutLock.Lease> acquire(Session session, Duration wait)
      throws InterruptedException {
    Instant until = Instant.now().plus(wait);
    String me = LockHolder.describe(context.env());
    boolean tookOver = false;
    while (true) {
      try {
        return Optional.of(session.lock.acquire(me, session.config.lockTtl()));
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
        if (!tookOver
            && holder.isPresent()
            && LockHolder.provablyDead(holder.get(), context.env())) {
          context
              .err()
              .println(
                  "The rollout lock is held by "
                      + holder.get().holder()
                      + ", a process that no longer runs on this host: taking the lock over.");
          session.lock.forceRelease();
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
