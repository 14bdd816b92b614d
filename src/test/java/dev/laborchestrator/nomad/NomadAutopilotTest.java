package dev.laborchestrator.nomad;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.Fixtures;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.http.RecordingSleeper;
import dev.laborchestrator.http.RetryPolicy;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.Autopilot.Health;
import dev.laborchestrator.port.Autopilot.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Contract tests against the "Read Health" sample of Nomad's autopilot docs. */
class NomadAutopilotTest {
  private static final String TOKEN = "nomad-secret-77e1d0b2-visible-if-leaked";
  private static final String PATH = "/v1/operator/autopilot/health";

  @RegisterExtension
  static WireMockExtension nomad =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private final RecordingSleeper sleeper = new RecordingSleeper();
  private final NomadAutopilot autopilot = new NomadAutopilot(connection());

  @Test
  void readsAHealthyReport() {
    nomad.stubFor(
        get(urlPathEqualTo(PATH)).willReturn(okJson(Fixtures.read("nomad/autopilot-health.json"))));

    Health health = autopilot.health();

    assertThat(health.healthy()).isTrue();
    assertThat(health.failureTolerance()).isZero();
    assertThat(health.toleratesAFailure()).isFalse();
    assertThat(health.servers())
        .containsExactly(
            new Server(
                "e349749b-3303-3ddf-959c-b5885a0e1f6e", "node1", "127.0.0.1:4647", true, true),
            new Server(
                "e36ee410-cc3c-0a0c-c724-63817ab30303", "node2", "127.0.0.1:4747", false, true));
    nomad.verify(
        getRequestedFor(urlEqualTo(PATH + "?region=global"))
            .withHeader("X-Nomad-Token", equalTo(TOKEN)));
  }

  @Test
  void a429IsTheUnhealthyReportNotAFailureAndIsNotRetried() throws Exception {
    ObjectNode report =
        (ObjectNode) new ObjectMapper().readTree(Fixtures.read("nomad/autopilot-health.json"));
    report.put("Healthy", false);
    ((ObjectNode) report.get("Servers").get(1)).put("Healthy", false);
    nomad.stubFor(
        get(urlPathEqualTo(PATH))
            .willReturn(aResponse().withStatus(429).withBody(report.toString())));

    Health health = autopilot.health();

    assertThat(health.healthy()).isFalse();
    assertThat(health.toleratesAFailure()).isFalse();
    assertThat(health.servers().get(1).healthy()).isFalse();
    assertThat(sleeper.pauses()).isEmpty();
  }

  @Test
  void aServerErrorIsRetried() {
    nomad.stubFor(
        get(urlPathEqualTo(PATH))
            .inScenario("leader election")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(aResponse().withStatus(500).withBody("No cluster leader"))
            .willSetStateTo("elected"));
    nomad.stubFor(
        get(urlPathEqualTo(PATH))
            .inScenario("leader election")
            .whenScenarioStateIs("elected")
            .willReturn(okJson(Fixtures.read("nomad/autopilot-health.json"))));

    assertThat(autopilot.health().healthy()).isTrue();
    assertThat(sleeper.pauses()).hasSize(1);
  }

  @Test
  void aReportWithoutFailureToleranceIsAnUnexpectedShape() {
    nomad.stubFor(get(urlPathEqualTo(PATH)).willReturn(okJson("{\"Healthy\": true}")));

    assertThatThrownBy(autopilot::health)
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("FailureTolerance");
  }

  private NomadConnection connection() {
    HttpOptions options =
        HttpOptions.defaults().withRetry(RetryPolicy.defaults().withSleeper(sleeper));
    return new NomadConnection(new ApiSettings(nomad.baseUrl(), TOKEN), options, "global", null);
  }
}
