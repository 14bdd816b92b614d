package dev.laborchestrator.cli;

import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.rollout.ConsoleReporter;
import dev.laborchestrator.rollout.RolloutEngine;
import dev.laborchestrator.rollout.RolloutResult;
import dev.laborchestrator.rollout.RolloutSettings;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a rollout: plan, then drain, rebuild, reboot, verify and re-enable host after host. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Roll the fleet: each host is drained, rebuilt, rebooted, verified and re-enabled in plan order.")
final class RunCommand implements Callable<Integer> {
  private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private final Main.Context context;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "config file (.yaml, .yml or .json)")
  Path config;

  @Option(names = "--dry-run", description = "plan and check everything, change nothing")
  boolean dryRun;

  RunCommand(Main.Context context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    return Failures.guard(context, () -> execute(config, dryRun));
  }

  int execute(Path configFile, boolean dry) throws InterruptedException {
    Session session = Session.open(configFile, context);
    Plan plan = session.plan();
    plan.describe().forEach(context.out()::println);
    if (dry) {
      context.out().println("Dry run: nothing was changed.");
      return ExitCodes.DONE;
    }
    String rolloutId = newRolloutId();
    context.out().println("Rollout " + rolloutId + " starting");
    ConsoleReporter reporter = new ConsoleReporter(context.out(), Clock.system());
    RolloutResult result = new RolloutEngine(session.ports(), RolloutSettings.from(session.config), reporter)
        .run(plan, rolloutId);
    reporter.summary(result);
    return result.succeeded() ? ExitCodes.DONE : ExitCodes.FAILED;
  }

  private static String newRolloutId() {
    byte[] random = new byte[2];
    new SecureRandom().nextBytes(random);
    return "r-" + ID_TIME.format(java.time.Instant.now()) + "-" + HexFormat.of().formatHex(random);
  }
}
