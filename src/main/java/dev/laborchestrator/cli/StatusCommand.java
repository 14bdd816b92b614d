package dev.laborchestrator.cli;

import dev.laborchestrator.report.RolloutReport;
import dev.laborchestrator.rollout.HostCheckpoint;
import dev.laborchestrator.rollout.RolloutState;
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
  @Option(
      names = "--json",
      description =
          "print the recorded rollout as JSON (schema: schemas/report.schema.json in the jar)")
  boolean json;

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
    session
        .lock
        .holder()
        .ifPresentOrElse(
            h -> context.out().println("Lock: held by " + h.holder() + " since " + h.since()),
            () -> context.out().println("Lock: free"));
    Optional<RolloutState> state = session.state.load();
    if (state.isEmpty()) {
      context.out().println("No rollout recorded.");
      return ExitCodes.DONE;
    }
    RolloutState s = state.get();
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
    return ExitCodes.DONE;
  }
}
