package dev.laborchestrator.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Removes the rollout lock whoever holds it: for an operator who knows its holder is gone. */
@Command(
    name = "unlock",
    mixinStandardHelpOptions = true,
    description = "Remove the rollout lock whoever holds it. Only for a holder you know is dead.")
final class UnlockCommand implements Callable<Integer> {
  private final Main.Context context;

  @Mixin ConfigFile config;

  @Option(
      names = "--force",
      required = true,
      description = "required: confirms that the holder is gone")
  boolean force;

  UnlockCommand(Main.Context context) {
    this.context = context;
  }

  @Override
  public Integer call() {
    return Failures.guard(
        context,
        () -> {
          Session session = Session.open(config.path, context);
          session
              .lock
              .holder()
              .ifPresentOrElse(
                  h ->
                      context
                          .out()
                          .println(
                              "Removing the lock held by " + h.holder() + " since " + h.since()),
                  () -> context.out().println("The lock is not held."));
          session.lock.forceRelease();
          context.out().println("Unlocked.");
          return ExitCodes.DONE;
        });
  }
}
