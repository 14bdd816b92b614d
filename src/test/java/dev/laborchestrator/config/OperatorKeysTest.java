package dev.laborchestrator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.config.OrchestratorConfig.NotifyEvent;
import dev.laborchestrator.config.OrchestratorConfig.NotifyFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code notify} and {@code metrics} keys: defaults, and every bad value refused by name. */
class OperatorKeysTest {
  private static final String BASE = "rebuild: { command: [\"/bin/true\"] }\n";

  @TempDir Path dir;

  private OrchestratorConfig load(String yaml) throws IOException {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, BASE + yaml);
    return new ConfigLoader(Map.of()).load(file);
  }

  @Test
  void readsNotifyTargetsWithDefaultsAndMetrics() throws IOException {
    OrchestratorConfig config =
        load(
            """
            notify:
              - url: https://hooks.slack.example/services/T0/B0/SECRET
                format: slack
                events: [host-failed, done]
              - url: http://receiver:8080/hook
            metrics: { port: 9400, pushgateway: { url: "http://pushgw:9091" } }
            """);

    assertThat(config.notifications()).hasSize(2);
    assertThat(config.notifications().get(0).format()).isEqualTo(NotifyFormat.SLACK);
    assertThat(config.notifications().get(0).events())
        .containsExactlyInAnyOrder(NotifyEvent.HOST_FAILED, NotifyEvent.DONE);
    assertThat(config.notifications().get(1).format()).isEqualTo(NotifyFormat.JSON);
    assertThat(config.notifications().get(1).events())
        .containsExactlyInAnyOrder(NotifyEvent.values());
    assertThat(config.metrics().port()).isEqualTo(9400);
    assertThat(config.metrics().pushgateway().job()).isEqualTo("lab-orchestrator");
    assertThat(config.notifications().get(0).toString()).doesNotContain("SECRET");
    assertThat(config.toString()).doesNotContain("SECRET");
  }

  @Test
  void withoutTheKeysThereIsNothingToNotifyOrServe() throws IOException {
    OrchestratorConfig config = load("");
    assertThat(config.notifications()).isEmpty();
    assertThat(config.metrics().port()).isNull();
    assertThat(config.metrics().pushgateway()).isNull();
  }

  @Test
  void refusesANotifyUrlThatIsNotHttpWithoutEchoingIt() throws IOException {
    assertThatThrownBy(() -> load("notify: [{ url: \"ftp://user:SECRET@files/x\" }]\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("notify[0].url is not an http:// or https:// URL")
        .hasMessageNotContaining("SECRET");
    assertThatThrownBy(() -> load("notify: [{ url: \"receiver:8080\" }]\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("notify[0].url");
    assertThatThrownBy(() -> load("notify: [{ format: json }]\n"))
        .hasMessageContaining("notify[0].url is missing");
  }

  @Test
  void refusesAnUnknownFormatOrEvent() {
    assertThatThrownBy(() -> load("notify: [{ url: \"http://r/\", format: teams }]\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("notify[0].format 'teams' is not known: use json, slack or ntfy");
    assertThatThrownBy(() -> load("notify: [{ url: \"http://r/\", events: [done, rebooted] }]\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("notify[0].events: 'rebooted' is not known")
        .hasMessageContaining("host-done");
  }

  @Test
  void refusesAPortThatIsNoPortAndAPushgatewayThatIsNotHttp() {
    assertThatThrownBy(() -> load("metrics: { port: 70000 }\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("metrics.port 70000 is not a TCP port");
    assertThatThrownBy(() -> load("metrics: { pushgateway: { url: \"pushgw:9091\" } }\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("metrics.pushgateway.url");
    assertThatThrownBy(() -> load("metrics: { prt: 9400 }\n"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("unknown key 'prt'");
  }
}
