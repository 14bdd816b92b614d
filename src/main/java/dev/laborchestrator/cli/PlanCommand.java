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
    session.plan(Set.of()).describe().forEach(context.out()::println);
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
