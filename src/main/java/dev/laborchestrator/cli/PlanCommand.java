package dev.laborchestrator.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the waves and the reason for each placement; changes nothing. */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = "Show the rollout plan against the live cluster; changes nothing.")
final class PlanCommand implements Callable<Integer> {
  private final Main.Context context;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "config file (.yaml, .yml or .json)")
  Path config;

  PlanCommand(Main.Context context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    return Failures.guard(context, () -> {
      Session.open(config, context).plan().describe().forEach(context.out()::println);
      return ExitCodes.DONE;
    });
  }
}
