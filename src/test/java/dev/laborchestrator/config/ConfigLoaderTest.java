package dev.laborchestrator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  private OrchestratorConfig load(String name, String text, Map<String, String> env)
      throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return new ConfigLoader(env).load(file);
  }

  private OrchestratorConfig load(String yaml) throws IOException {
    return load("config.yaml", yaml, Map.of());
  }

  @Test
  void readsTheDocumentedYamlShape() throws IOException {
    OrchestratorConfig config =
        load(
            """
        nomad:  { address: http://nomad:4646, token: "n-token" }
        consul: { address: http://consul:8500, token: "c-token" }
        inventory: inventory.json
        rebuild:
          executor: command
          command: ["/usr/local/bin/rebuild-host", "{hostname}", "{address}"]
        drain:    { deadline: 1h, ignoreSystemJobs: true }
        timeouts: { drain: 2h, reboot: 20m, health: 15m }
        health:   { stableFor: 30s }
        maxParallel: 2
        """);

    assertThat(config.nomad().address()).isEqualTo("http://nomad:4646");
    assertThat(config.nomad().token()).isEqualTo("n-token");
    assertThat(config.consul().address()).isEqualTo("http://consul:8500");
    assertThat(config.inventory()).isEqualTo(dir.resolve("inventory.json").toAbsolutePath());
    assertThat(config.rebuild().command())
        .containsExactly("/usr/local/bin/rebuild-host", "{hostname}", "{address}");
    assertThat(config.drain().deadline()).isEqualTo(Duration.ofHours(1));
    assertThat(config.timeouts().reboot()).isEqualTo(Duration.ofMinutes(20));
    assertThat(config.health().stableFor()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.maxParallel()).isEqualTo(2);
  }

  @Test
  void readsJsonByExtensionAndTakesAddressesAndTokensFromTheEnvironment() throws IOException {
    OrchestratorConfig config =
        load(
            "config.json",
            """
        {"rebuild": {"command": ["rebuild", "{hostname}"]}}
        """,
            Map.of(
                "NOMAD_ADDR",
                "https://nomad.lab:4646",
                "NOMAD_TOKEN",
                "env-token",
                "CONSUL_HTTP_ADDR",
                "127.0.0.1:8500",
                "CONSUL_HTTP_TOKEN",
                "env-consul"));

    assertThat(config.nomad().address()).isEqualTo("https://nomad.lab:4646");
    assertThat(config.nomad().token()).isEqualTo("env-token");
    assertThat(config.consul().address()).isEqualTo("http://127.0.0.1:8500");
    assertThat(config.consul().token()).isEqualTo("env-consul");
    assertThat(config.drain().deadline()).isEqualTo(Duration.ofHours(1));
    assertThat(config.timeouts().drain()).isEqualTo(Duration.ofHours(2));
    assertThat(config.maxParallel()).isEqualTo(1);
    assertThat(config.inventory()).isNull();
  }

  @Test
  void namesAnUnknownKeyAndWhereItIs() {
    assertThatThrownBy(
            () ->
                load(
                    """
        rebuild: { command: [x] }
        drain: { deadlin: 1h }
        """))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("unknown key 'deadlin' in drain")
        .hasMessageContaining("deadline");
  }

  @Test
  void namesAMalformedDuration() {
    assertThatThrownBy(
            () ->
                load(
                    """
        rebuild: { command: [x] }
        timeouts: { reboot: 20 minutes }
        """))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("malformed duration '20 minutes' at timeouts.reboot");
  }

  @Test
  void rejectsAMissingCommandAnUnknownExecutorAndABadMaxParallel() {
    assertThatThrownBy(() -> load("rebuild: { executor: command }\n"))
        .hasMessageContaining("rebuild.command is missing");
    assertThatThrownBy(() -> load("rebuild: { executor: telnet }\n"))
        .hasMessageContaining("rebuild.executor 'telnet' is not known");
    assertThatThrownBy(() -> load("rebuild: { command: [x] }\nmaxParallel: 0\n"))
        .hasMessageContaining("maxParallel must be at least 1");
    assertThatThrownBy(() -> load("rebuild: { command: [x] }\nmaxParallel: two\n"))
        .hasMessageContaining("maxParallel must be a number of hosts or a share");
    assertThatThrownBy(() -> load("rebuild: { command: [x] }\nmaxParallel: \"150%\"\n"))
        .hasMessageContaining("from 1% to 100%");
    assertThatThrownBy(() -> load("rebuild: { command: [x] }\nlimits: { perGroup: 0 }\n"))
        .hasMessageContaining("limits.perGroup must be at least 1");
  }

  @Test
  void readsMaxParallelAsAShareAndTheFailureDomainLimits() throws IOException {
    OrchestratorConfig config =
        load(
            "rebuild: { command: [x] }\nmaxParallel: \"10%\"\n"
                + "limits: { perDatacenter: 2, perGroup: 1 }\n");
    assertThat(config.limits()).isEqualTo(new OrchestratorConfig.Limits(10, 2, 1));
    assertThat(load("rebuild: { command: [x] }\nmaxParallel: 3\n").limits())
        .isEqualTo(OrchestratorConfig.Limits.NONE);
    assertThat(load("rebuild: { command: [x] }\nwaves: overlap\n").limits().overlapWaves())
        .isTrue();
    assertThat(load("rebuild: { command: [x] }\nwaves: strict\n").limits().overlapWaves())
        .isFalse();
    assertThatThrownBy(() -> load("rebuild: { command: [x] }\nwaves: sometimes\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("waves 'sometimes' is not known: use strict");
  }

  @Test
  void readsTheBuildAndSwitchCommands() throws IOException {
    OrchestratorConfig config =
        load(
            """
        rebuild:
          command: [deploy, boot, "{hostname}", "{path}"]
          build: [deploy, build, "{hostname}"]
          switch: [deploy, switch, "{hostname}", "{path}"]
        """);

    assertThat(config.rebuild().build()).containsExactly("deploy", "build", "{hostname}");
    assertThat(config.rebuild().switchCommand())
        .containsExactly("deploy", "switch", "{hostname}", "{path}");
  }

  @Test
  void rejectsABuildWithoutASwitchAndBuildCommandsForSsh() {
    assertThatThrownBy(() -> load("rebuild: { command: [x, \"{path}\"], build: [b] }\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("rebuild.build is set without rebuild.switch: give both");
    assertThatThrownBy(() -> load("rebuild: { command: [x], switch: [s, \"{path}\"] }\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("rebuild.switch is set without rebuild.build: give both");
    assertThatThrownBy(
            () ->
                load(
                    "rebuild: { executor: ssh, ssh: { flake: github:lab/fleet }, build: [b],"
                        + " switch: [s] }\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("rebuild.build and rebuild.switch are for the command executor");
    assertThatThrownBy(
            () ->
                load(
                    "rebuild: { executor: ssh, ssh: { flake: github:lab/fleet },"
                        + " command: [rebuild-host, \"{hostname}\"] }\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("rebuild.command is for the command executor");
  }

  @Test
  void reportsAMissingFileAndBrokenYaml() {
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(dir.resolve("nope.yaml")))
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> load("nomad: [unclosed\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("config.yaml");
  }

  @Test
  void neverShowsATokenInToString() throws IOException {
    OrchestratorConfig config =
        load("nomad: { token: super-secret-token }\nrebuild: { command: [x] }\n");
    assertThat(config.toString()).doesNotContain("super-secret-token").contains("<redacted>");
  }

  @Test
  void parsesAndFormatsDurations() {
    assertThat(Durations.parse("1h30m", "x")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse("250ms", "x")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("2d", "x")).isEqualTo(Duration.ofDays(2));
    assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("1h30m");
    assertThat(Durations.format(Duration.ofSeconds(45))).isEqualTo("45s");
    assertThatThrownBy(() -> Durations.parse("-5s", "drain.deadline"))
        .hasMessageContaining("drain.deadline");
    assertThatThrownBy(() -> Durations.parse("5", "x")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Durations.parse("1.5h", "x"))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void readsTheUpdateSettingsAndRefusesWhenNeededWithoutABuildStep() throws IOException {
    OrchestratorConfig config =
        load(
            """
        rebuild:
          command: ["boot", "{path}"]
          build: ["build", "{hostname}"]
          switch: ["switch", "{path}"]
        reboot: when-needed
        drainOnSwitch: false
        prebuild: { ahead: 0 }
        allowLastInstance: [grafana]
        """);
    assertThat(config.update().reboot()).isEqualTo(OrchestratorConfig.RebootPolicy.WHEN_NEEDED);
    assertThat(config.update().drainOnSwitch()).isFalse();
    assertThat(config.update().prebuildAhead()).isZero();
    assertThat(config.update().allowLastInstance()).containsExactly("grafana");
    assertThat(load("rebuild: { command: [x] }").update())
        .isEqualTo(OrchestratorConfig.UpdateSettings.DEFAULT);

    assertThatThrownBy(() -> load("rebuild: { command: [x] }\nreboot: when-needed\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("reboot: when-needed needs an executor that builds first");
    assertThatThrownBy(() -> load("rebuild: { command: [x] }\nreboot: sometimes\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("reboot 'sometimes' is not known");
    assertThatThrownBy(() -> load("rebuild: { command: [x] }\nprebuild: { ahead: -1 }\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("prebuild.ahead must be 0");
  }
}
