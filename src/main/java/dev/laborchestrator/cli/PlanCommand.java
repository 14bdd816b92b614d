package dev.laborchestrator.cli;

import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Prints the waves and the reason for each placement; changes nothing. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = "Show the rollout plan against the live cluster; changes nothing.")
final class PlanCommand implements Callable<Integer> {
  private final Main.Context context;

  @Mixin ConfigFile config;

  PlanCommand(Main.Context context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    return Failures.guard(
        context,
        () -> {
          Session.open(config.path, context)
              .plan(Set.of())
              .describe()
              .forEach(context.out()::println);
          return ExitCodes.DONE;
        });
  }
}
