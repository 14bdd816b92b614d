package dev.laborchestrator.cli;

import dev.laborchestrator.port.RolloutLock;
import picocli.CommandLine.Command;

/** Forgets the recorded rollout, so that the next run starts a new one. Nodes are not touched. */
@Command(
    name = "reset",
    mixinStandardHelpOptions = true,
    description =
        "Forget the recorded rollout (a failed one, say); the next run starts afresh. Nodes are not touched.")
final class ResetCommand extends ClusterCommand {
  ResetCommand(Main.Context context) {
    super(context);
  }

  @Override
  int run(Session session) {
    RolloutLock.Lease lease;
    try {
      lease = session.lock.acquire(LockHolder.describe(context.env()), session.config.lockTtl());
    } catch (RolloutLock.Held held) {
      context
          .err()
          .println(
              "error: a rollout is running (lock held"
                  + held.holder().map(h -> " by " + h.holder() + " since " + h.since()).orElse("")
                  + "); not resetting under it.");
      return ExitCodes.LOCKED;
    }
    try {
      session.state.reset();
      context
          .out()
          .println(
              "The recorded rollout was forgotten. Nodes were not touched: a node a failed host"
                  + " left drained stays ineligible until you enable it (nomad node eligibility -enable <node-id>).");
      return ExitCodes.DONE;
    } finally {
      session.lock.release(lease);
    }
  }
}
