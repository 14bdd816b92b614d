package dev.laborchestrator.cli;

import java.util.Set;
import picocli.CommandLine.Command;

/** Prints the waves and the reason for each placement; changes nothing. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = "Show the rollout plan against the live cluster; changes nothing.")
final class PlanCommand extends ClusterCommand {
  PlanCommand(Main.Context context) {
    super(context);
  }

  @Override
  int run(Session session) {
    java.util.Map<String, java.time.Duration> lastTimes;
    try {
      lastTimes = RunCommand.lastTimes(session.recorded());
    } catch (RuntimeException e) {
      // Only the order of equal hosts depends on it: plan without, and say so.
      context
          .err()
          .println(
              "note: the recorded rollout cannot be read ("
                  + e.getMessage()
                  + "); equal hosts of a wave are shown in hostname order");
      lastTimes = java.util.Map.of();
    }
    dev.laborchestrator.plan.Plan plan = session.plan(Set.of(), lastTimes);
    plan.describe().forEach(context.out()::println);
    // Whether each host's work fits elsewhere right now (issue 9): a host that would wait says so.
    for (dev.laborchestrator.plan.Plan.PlannedHost host : plan.hosts()) {
      if (host.skipped() || host.node().isEmpty() || host.spec().orchestration().recreate()) {
        continue;
      }
      dev.laborchestrator.rollout.Capacity.refusal(session.nomad, host.requireNode().id(), Set.of())
          .ifPresent(
              why ->
                  context.out().println("  " + host.hostname() + " would wait for room: " + why));
    }
    var window = session.config.holds().window();
    if (window != null) {
      context.out().println(Holds.describe(window, Holds.windowClock(context.env()).now()));
    }
    session
        .pause
        .read(dev.laborchestrator.port.BlockingQuery.NONE)
        .value()
        .ifPresent(
            p -> context.out().println("Rollouts are " + p + " ('lab-orchestrator resume')"));
    return ExitCodes.DONE;
  }
}
