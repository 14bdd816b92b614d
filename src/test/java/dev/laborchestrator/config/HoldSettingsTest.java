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

/** The config keys of the window, the pause and the alert gate. */
class HoldSettingsTest {
  @TempDir Path dir;

  private OrchestratorConfig load(String yaml) throws IOException {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, "rebuild: { executor: command, command: [/bin/true] }\n" + yaml);
    return new ConfigLoader(Map.of()).load(file);
  }

  @Test
  void readsTheWindowThePauseAndTheAlertGate() throws IOException {
    OrchestratorConfig config =
        load(
            """
            window: { days: [sat, sun], start: "02:00", end: "06:00", timeZone: Europe/Berlin }
            pause: { maxWait: 2h }
            gates:
              prometheus:
                url: http://prometheus:9090/
                alertFilter: ^RebootRequired$
                firingOnly: true
            """);

    assertThat(config.holds().window()).hasToString("sat,sun 02:00-06:00 Europe/Berlin");
    assertThat(config.holds().pauseMaxWait()).isEqualTo(Duration.ofHours(2));
    assertThat(config.holds().prometheus().url()).isEqualTo("http://prometheus:9090");
    assertThat(config.holds().prometheus().alertFilter().pattern()).isEqualTo("^RebootRequired$");
    assertThat(config.holds().prometheus().firingOnly()).isTrue();
    assertThat(config.holds().prometheus().maxWait()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void withoutTheKeysNothingHoldsAndAPauseIsWaitedForAnHour() throws IOException {
    OrchestratorConfig config = load("");

    assertThat(config.holds().window()).isNull();
    assertThat(config.holds().prometheus()).isNull();
    assertThat(config.holds().pauseMaxWait()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void refusesBadValuesNamingTheKey() {
    assertThatThrownBy(() -> load("window: { days: [someday] }\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("window.days");
    assertThatThrownBy(() -> load("window: { start: \"2:61\" }\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("window.start");
    assertThatThrownBy(() -> load("window: { timeZone: Nowhere/Town }\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("window.timeZone");
    assertThatThrownBy(() -> load("pause: { maxWait: soon }\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("pause.maxWait");
    assertThatThrownBy(() -> load("gates: { prometheus: { url: ftp://prometheus:9090 } }\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("gates.prometheus.url");
    assertThatThrownBy(() -> load("gates: { prometheus: { url: prometheus:9090 } }\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("gates.prometheus.url");
    assertThatThrownBy(
            () -> load("gates: { prometheus: { url: http://p:9090, alertFilter: \"(\" } }\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("gates.prometheus.alertFilter");
  }
}
