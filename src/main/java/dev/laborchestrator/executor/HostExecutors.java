package dev.laborchestrator.executor;

import dev.laborchestrator.config.OrchestratorConfig.RebuildSettings;
import dev.laborchestrator.port.HostExecutor;
import java.util.Locale;
import java.util.function.Consumer;

/** Builds the {@link HostExecutor} that the {@code rebuild} settings ask for. */
public final class HostExecutors {
  /** {@code rebuild.executor} value for {@link CommandExecutor}. */
  public static final String COMMAND = "command";

  /** {@code rebuild.executor} value for {@link SshExecutor}. */
  public static final String SSH = "ssh";

  private HostExecutors() {}

  /**
   * The executor for {@code rebuild.executor}: {@code command} runs {@code rebuild.command} (and
   * {@code rebuild.build}, {@code rebuild.switch} when set), {@code ssh} runs the remote command
   * over ssh with {@code rebuild.ssh}. Both use {@code rebuild.timeout}, for a build as for a
   * reboot.
   *
   * @param sink receives every output line, prefixed {@code "hostname: "}
   * @throws IllegalArgumentException for an unknown executor, a command executor without a command,
   *     or any setting the chosen executor refuses; the message names the setting
   */
  public static HostExecutor fromConfig(RebuildSettings rebuild, Consumer<String> sink) {
    if (rebuild == null) {
      throw new IllegalArgumentException("the rebuild settings are missing");
    }
    if (rebuild.timeout() == null) {
      throw new IllegalArgumentException("rebuild.timeout is not set");
    }
    String executor =
        rebuild.executor() == null ? "" : rebuild.executor().strip().toLowerCase(Locale.ROOT);
    switch (executor) {
      case COMMAND:
        if (rebuild.command() == null || rebuild.command().isEmpty()) {
          throw new IllegalArgumentException(
              "rebuild.executor is 'command' but rebuild.command is not set: give the program and its arguments");
        }
        return new CommandExecutor(
            rebuild.command(),
            rebuild.rollbackCommand(),
            rebuild.build(),
            rebuild.switchCommand(),
            rebuild.timeout(),
            sink);
      case SSH:
        return new SshExecutor(rebuild.ssh(), rebuild.timeout(), sink);
      default:
        throw new IllegalArgumentException(
            "unknown rebuild.executor '"
                + rebuild.executor()
                + "': use '"
                + COMMAND
                + "' or '"
                + SSH
                + "'");
    }
  }

  /** Like {@link #fromConfig(RebuildSettings, Consumer)}, output logged at INFO. */
  public static HostExecutor fromConfig(RebuildSettings rebuild) {
    return fromConfig(rebuild, ProcessRunner.loggingSink());
  }
}
