package dev.laborchestrator.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Removes the rollout lock whoever holds it: for an operator who knows its holder is gone. */
@Command(
    name = "unlock",
    mixinStandardHelpOptions = true,
    description = "Remove the rollout lock whoever holds it. Only for a holder you know is dead.")
final class UnlockCommand extends ClusterCommand {
  @Option(
      names = "--force",
      required = true,
      description = "required: confirms that the holder is gone")
  boolean force;

  UnlockCommand(Main.Context context) {
    super(context);
  }

  @Override
  int run(Session session) {
    session
        .lock
        .holder()
        .ifPresentOrElse(
            h ->
                context
                    .out()
                    .println("Removing the lock held by " + h.holder() + " since " + h.since()),
            () -> context.out().println("The lock is not held."));
    session.lock.forceRelease();
    context.out().println("Unlocked.");
    return ExitCodes.DONE;
  }
}
