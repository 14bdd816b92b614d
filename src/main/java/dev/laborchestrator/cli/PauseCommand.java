package dev.laborchestrator.cli;

import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Pauses rollouts: sets the pause flag in Nomad Variables. A running rollout starts no new host
 * (hosts in flight finish) until {@code resume}, or ends after {@code pause.maxWait} with its
 * checkpoint kept.
 */
@Command(
    name = "pause",
    mixinStandardHelpOptions = true,
    description =
        "Pause rollouts: no new host starts (hosts in flight finish) until 'resume'. Sets the"
            + " Nomad Variable nomad/jobs/lab-orchestrator/pause.")
final class PauseCommand extends ClusterCommand {
  @Option(names = "--reason", paramLabel = "TEXT", description = "why, shown to whoever looks")
  String reason;

  PauseCommand(Main.Context context) {
    super(context);
  }

  @Override
  int run(Session session) {
    String said = session.pause.pause(reason, LockHolder.describe(context.env()), Instant.now());
    context
        .out()
        .println(
            "Rollouts are "
                + said
                + ". A running rollout starts no new host; 'lab-orchestrator resume' lifts it.");
    return ExitCodes.DONE;
  }
}
