package dev.laborchestrator.cli;

import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.RolloutLock;
import dev.laborchestrator.port.StateStore;
import dev.laborchestrator.report.RolloutReport;
import dev.laborchestrator.rollout.HostCheckpoint;
import dev.laborchestrator.rollout.RolloutState;
import dev.laborchestrator.rollout.RolloutStateStore;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the recorded rollout state and who holds the lock; changes nothing. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Show the recorded rollout (from Nomad Variables) and the lock holder; changes nothing.")
final class StatusCommand extends ClusterCommand {
  /** The longest single blocking query on the state variable. */
  private static final Duration WATCH_WAIT = Duration.ofMinutes(5);

  /**
   * A rollout of more than 20 hosts keeps its hosts in shards whose writes do not move the header
   * this watch blocks on: its table is redrawn at least this often.
   */
  private static final Duration SHARDED_WATCH_WAIT = Duration.ofSeconds(2);

  private static final String CLEAR_SCREEN = "\033[H\033[2J";

  @Option(
      names = "--json",
      description =
          "print the recorded rollout as JSON (schema: schemas/report.schema.json in the jar)")
  boolean json;

  @Option(
      names = "--watch",
      description =
          "keep the table up to date (blocking queries on the state variable) until the rollout"
              + " ends or no run is in progress")
  boolean watch;

  StatusCommand(Main.Context context) {
    super(context);
  }

  @Override
  int run(Session session) {
    if (json) {
      Optional<RolloutState> recorded = session.state.load();
      if (recorded.isEmpty()) {
        context.err().println("No rollout recorded.");
        return ExitCodes.FAILED;
      }
      context.out().print(RolloutReport.ofCheckpoint(recorded.get()).toJson());
      context.out().flush();
      return ExitCodes.DONE;
    }
    if (!watch) {
      Optional<RolloutLock.Holder> holder = session.lock.holder();
      printLock(holder);
      session.pause.read(BlockingQuery.NONE).value().ifPresent(this::printPause);
      Optional<RolloutState> state = session.state.load();
      if (state.isEmpty()) {
        context.out().println("No rollout recorded.");
        return ExitCodes.DONE;
      }
      print(state.get());
      return ExitCodes.DONE;
    }
    return watch(session);
  }

  /**
   * Redraws the table each time the state variable changes, and ends when the rollout is DONE or
   * FAILED, or when it is RUNNING but no run holds the lock (a run that paused or was stopped: the
   * next run resumes it).
   */
  private int watch(Session session) {
    boolean terminal = System.console() != null;
    long index = 0;
    boolean sharded = false;
    while (true) {
      Indexed<Optional<StateStore.Stored>> read =
          session.stateVariable.load(
              index == 0
                  ? BlockingQuery.NONE
                  : BlockingQuery.after(index, sharded ? SHARDED_WATCH_WAIT : WATCH_WAIT));
      sharded = read.value().map(s -> RolloutStateStore.sharded(s.items())).orElse(false);
      // A sharded rollout's header changes only with its status: its hosts are read each time.
      boolean changed = read.index() != index || sharded;
      index = read.index();
      Optional<RolloutLock.Holder> holder = session.lock.holder();
      Optional<RolloutState> state =
          sharded
              ? session.state.load()
              : read.value().map(s -> RolloutStateStore.fromItems(s.items()));
      if (changed) {
        if (terminal) {
          context.out().print(CLEAR_SCREEN);
        } else {
          context.out().println();
        }
        printLock(holder);
        session.pause.read(BlockingQuery.NONE).value().ifPresent(this::printPause);
        state.ifPresentOrElse(this::print, () -> context.out().println("No rollout recorded."));
        context.out().flush();
      }
      RolloutState.Status status = state.map(RolloutState::status).orElse(null);
      if (status == RolloutState.Status.DONE) {
        context.out().println("The rollout is done.");
        return ExitCodes.DONE;
      }
      if (status == RolloutState.Status.FAILED) {
        context.out().println("The rollout failed.");
        return ExitCodes.FAILED;
      }
      if (holder.isEmpty()) {
        context
            .out()
            .println(
                state.isPresent()
                    ? "No run is in progress (the lock is free); the next run resumes this rollout."
                    : "No run is in progress (the lock is free).");
        return ExitCodes.DONE;
      }
    }
  }

  private void printLock(Optional<RolloutLock.Holder> holder) {
    holder.ifPresentOrElse(
        h -> context.out().println("Lock: held by " + h.holder() + " since " + h.since()),
        () -> context.out().println("Lock: free"));
  }

  private void printPause(String pause) {
    context.out().println("Pause: " + pause + " ('lab-orchestrator resume' lifts it)");
  }

  private void print(RolloutState s) {
    context
        .out()
        .printf(
            Locale.ROOT,
            "Rollout %s: %s (started %s, updated %s, target revision %s)%n",
            s.rolloutId(),
            s.status(),
            s.startedAt(),
            s.updatedAt(),
            s.targetRevision() == null ? "-" : s.targetRevision());
    String format = "%-16s %-12s %-11s %-24s %s%n";
    context.out().printf(Locale.ROOT, format, "HOST", "STATE", "ELIGIBLE", "UPDATED", "REASON");
    for (HostCheckpoint h : s.hosts()) {
      context
          .out()
          .printf(
              Locale.ROOT,
              format,
              h.hostname(),
              h.state(),
              h.eligibleBefore() ? "before: yes" : "before: no",
              h.updatedAt(),
              h.reason() == null ? "" : h.reason());
    }
  }
}
