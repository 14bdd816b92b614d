package dev.laborchestrator.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/**
 * A command that talks to the cluster described by {@code --config}: it opens a {@link Session}
 * (config, inventory, adapters, all checked) and turns failures into the promised exit codes.
 */
abstract class ClusterCommand implements Callable<Integer> {
  protected final Main.Context context;

  @Mixin ConfigFile config;

  ClusterCommand(Main.Context context) {
    this.context = context;
  }

  @Override
  public final Integer call() {
    return Failures.guard(context, () -> run(Session.open(config.path, context)));
  }

  /** The command's work; returns its exit code. */
  abstract int run(Session session) throws Exception;
}
