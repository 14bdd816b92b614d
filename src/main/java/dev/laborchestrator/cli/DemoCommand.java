package dev.laborchestrator.cli;

import dev.laborchestrator.sim.SafetyRules;
import dev.laborchestrator.sim.SimEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Starts the simulated lab, writes its config and inventory to a temporary folder, and runs a full
 * rollout through the same code path as {@code run}.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Run a full rollout against a simulated lab of six hosts (Nomad and Consul APIs on loopback).")
final class DemoCommand implements Callable<Integer> {
  private final Main.Context context;

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description =
          "where to write config.yaml and inventory.json (default: a new temporary folder)")
  Path dir;

  DemoCommand(Main.Context context) {
    this.context = context;
  }

  @Override
  public Integer call() throws IOException {
    Path folder = dir != null ? dir : Files.createTempDirectory("lab-orchestrator-demo-");
    try (DemoLab demo = DemoLab.start(folder)) {
      context
          .out()
          .println(
              "Simulated lab: Nomad API at "
                  + demo.lab().nomadAddress()
                  + ", Consul API at "
                  + demo.lab().consulAddress()
                  + " (ACL tokens on)");
      context.out().println("Config and inventory written to " + folder);
      context.out().println();
      int code =
          Failures.guard(
              context,
              () -> new RunCommand(context).execute(Session.open(demo.config(), context), false));
      context.out().println();
      List<SimEvent> record = demo.lab().events();
      List<String> broken =
          SafetyRules.violations(record, 2, demo.criticalHosts(), Set.of(), Set.of(DemoLab.SPARE));
      context.out().println("What the simulated lab recorded:");
      context
          .out()
          .println("  reboots, in order: " + String.join(", ", SafetyRules.rebootOrder(record)));
      context
          .out()
          .println(
              "  most hosts out of service at once: "
                  + demo.lab().maxNodesOutOfService(Set.of(DemoLab.SPARE))
                  + " (the plan allows 2)");
      context
          .out()
          .println(
              "  safety rules broken: " + (broken.isEmpty() ? "none" : String.join("; ", broken)));
      if (!broken.isEmpty() && code == ExitCodes.DONE) {
        return ExitCodes.FAILED;
      }
      return code;
    }
  }
}
