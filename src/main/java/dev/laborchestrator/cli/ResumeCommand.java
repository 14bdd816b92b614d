package dev.laborchestrator.cli;

import picocli.CommandLine.Command;

/** Lifts a pause: removes the pause flag from Nomad Variables. */
@Command(
    name = "resume",
    mixinStandardHelpOptions = true,
    description =
        "Lift a pause: remove the Nomad Variable nomad/jobs/lab-orchestrator/pause; a held rollout"
            + " goes on.")
final class ResumeCommand extends ClusterCommand {
  ResumeCommand(Main.Context context) {
    super(context);
  }

  @Override
  int run(Session session) {
    session
        .pause
        .resume()
        .ifPresentOrElse(
            was -> context.out().println("Resumed (rollouts were " + was + ")."),
            () -> context.out().println("Rollouts were not paused."));
    return ExitCodes.DONE;
  }
}
