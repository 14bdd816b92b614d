package dev.laborchestrator.cli;

import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.InventoryLoader;
import dev.laborchestrator.config.OrchestratorConfig.IneligibleHosts;
import dev.laborchestrator.plan.Planner;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Validates an inventory file offline and prints the plan it makes; no cluster is asked. */
@Command(
    name = "check-inventory",
    mixinStandardHelpOptions = true,
    description =
        "Validate an inventory JSON file (e.g. from `nix eval --json .#labInventory`) and print its waves.")
final class CheckInventoryCommand implements Callable<Integer> {
  private final Main.Context context;

  @Parameters(
      index = "0",
      paramLabel = "FILE",
      description = "the inventory: a JSON array of lab.machine hosts")
  Path file;

  CheckInventoryCommand(Main.Context context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    return Failures.guard(
        context,
        () -> {
          List<HostSpec> hosts = InventoryLoader.load(file);
          Planner.plan(hosts, new Planner.Options(1, IneligibleHosts.SKIP))
              .describe()
              .forEach(context.out()::println);
          context.out().println("inventory ok: " + hosts.size() + " hosts");
          return ExitCodes.DONE;
        });
  }
}
