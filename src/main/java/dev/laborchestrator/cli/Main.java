package dev.laborchestrator.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lab-orchestrator} command line: only wiring, every decision lives elsewhere. */
@Command(
    name = "lab-orchestrator",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description =
        "Rolling NixOS updates for Nomad + Consul fleets: drain, rebuild, reboot, verify, re-enable.",
    footer = {
      "",
      "Exit codes: 0 done, 1 rollout failed or stopped, 2 invalid input (nothing changed),"
          + " 3 another rollout holds the lock."
    })
public final class Main implements Runnable {
  private final CommandLine.Model.CommandSpec spec;

  private Main(CommandLine.Model.CommandSpec spec) {
    this.spec = spec;
  }

  public static void main(String[] args) {
    System.exit(run(args, new Context(System.out, System.err, System.getenv())));
  }

  /** Runs the command line in-process; tests call this with their own streams and environment. */
  public static int run(String[] args, Context context) {
    CommandLine line = new CommandLine(new Main(null));
    line.addSubcommand(new PlanCommand(context));
    line.addSubcommand(new RunCommand(context));
    line.addSubcommand(new DemoCommand(context));
    line.addSubcommand(new BenchCommand(context));
    line.addSubcommand(new StatusCommand(context));
    line.addSubcommand(new ResetCommand(context));
    line.addSubcommand(new UnlockCommand(context));
    line.addSubcommand(new PauseCommand(context));
    line.addSubcommand(new ResumeCommand(context));
    line.addSubcommand(new CheckInventoryCommand(context));
    line.setOut(new PrintWriter(context.out(), true));
    line.setErr(new PrintWriter(context.err(), true));
    line.setExitCodeExceptionMapper(e -> ExitCodes.INVALID_INPUT);
    return line.execute(args);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        new CommandLine(this),
        "name a command: plan, run, status, pause, resume, reset, unlock, demo, bench or check-inventory");
  }

  /** Streams and environment of one invocation. */
  public record Context(PrintStream out, PrintStream err, Map<String, String> env) {
    public Context {
      env = Map.copyOf(env);
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {
        "lab-orchestrator " + (version == null ? "(development build)" : version)
      };
    }
  }
}
