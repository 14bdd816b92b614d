package dev.laborchestrator.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.config.OrchestratorConfig.RebuildSettings;
import dev.laborchestrator.config.OrchestratorConfig.SshSettings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostExecutorsTest {
  private static final Duration TIMEOUT = Duration.ofMinutes(10);
  private static final SshSettings SSH =
      new SshSettings(null, null, null, true, null, "github:lab/fleet", null);

  @Test
  void commandBuildsACommandExecutor() {
    var rebuild =
        new RebuildSettings(
            "command", List.of("/usr/local/bin/rebuild-host", "{hostname}"), TIMEOUT, SSH, null);

    assertThat(HostExecutors.fromConfig(rebuild, line -> {})).isInstanceOf(CommandExecutor.class);
  }

  @Test
  void sshBuildsAnSshExecutor() {
    var rebuild = new RebuildSettings("ssh", List.of(), TIMEOUT, SSH, null);

    assertThat(HostExecutors.fromConfig(rebuild, line -> {})).isInstanceOf(SshExecutor.class);
  }

  @Test
  void aCommandExecutorWithBuildAndSwitchBuildsAhead() {
    var rebuild =
        new RebuildSettings(
            "command",
            List.of("deploy", "boot", "{path}"),
            TIMEOUT,
            SSH,
            null,
            List.of(),
            List.of("deploy", "build", "{hostname}"),
            List.of("deploy", "switch", "{path}"));

    assertThat(HostExecutors.fromConfig(rebuild, line -> {}).buildsAhead()).isTrue();
  }

  @Test
  void passesConfigurationErrorsOfTheBuildOn() {
    var rebuild =
        new RebuildSettings(
            "command",
            List.of("deploy", "boot", "{hostname}"),
            TIMEOUT,
            SSH,
            null,
            List.of(),
            List.of("deploy", "build", "{hostname}"),
            List.of("deploy", "switch", "{path}"));

    assertRefused(rebuild, "rebuild.command does not use {path}");
  }

  @Test
  void refusesAnUnknownExecutor() {
    var rebuild = new RebuildSettings("agent", List.of(), TIMEOUT, SSH, null);

    assertRefused(rebuild, "unknown rebuild.executor 'agent'");
  }

  @Test
  void refusesACommandExecutorWithoutACommand() {
    var rebuild = new RebuildSettings("command", List.of(), TIMEOUT, SSH, null);

    assertRefused(rebuild, "rebuild.command is not set");
  }

  @Test
  void passesConfigurationErrorsOfTheExecutorOn() {
    var rebuild =
        new RebuildSettings(
            "command", List.of("curl", "http://deployer/{foo}"), TIMEOUT, SSH, null);

    assertRefused(rebuild, "unknown placeholder {foo} in rebuild.command[1]");
  }

  private static void assertRefused(RebuildSettings rebuild, String message) {
    assertThatThrownBy(() -> HostExecutors.fromConfig(rebuild, line -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
