package dev.laborchestrator.consul;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.http.RecordingSleeper;
import dev.laborchestrator.http.RetryPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The calls of "Enable Maintenance Mode" in Consul's agent API docs, on each host's own agent. */
class ConsulNodeMaintenanceTest {
  private static final String TOKEN = "consul-secret-c04e55d1-visible-if-leaked";
  private static final String PATH = "/v1/agent/maintenance";

  @RegisterExtension
  static WireMockExtension agent =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private final RecordingSleeper sleeper = new RecordingSleeper();

  /** The configured address names a host that does not resolve: only the port is used. */
  private final ConsulNodeMaintenance maintenance =
      new ConsulNodeMaintenance(
          new ConsulConnection(
              new ApiSettings("http://consul.invalid:" + agent.getPort(), TOKEN),
              HttpOptions.defaults().withRetry(RetryPolicy.defaults().withSleeper(sleeper))));

  @Test
  void enablesMaintenanceOnTheHostsOwnAgentWithTheReason() {
    agent.stubFor(put(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200)));

    maintenance.enable("127.0.0.1", "lab-orchestrator: rolling NixOS update");

    agent.verify(
        putRequestedFor(
                urlEqualTo(
                    PATH + "?enable=true&reason=lab-orchestrator%3A%20rolling%20NixOS%20update"))
            .withHeader("X-Consul-Token", equalTo(TOKEN))
            .withQueryParam("reason", equalTo("lab-orchestrator: rolling NixOS update"))
            .withoutQueryParam("token"));
  }

  @Test
  void disablesMaintenance() {
    agent.stubFor(put(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200)));

    maintenance.disable("127.0.0.1");

    agent.verify(
        putRequestedFor(urlEqualTo(PATH + "?enable=false"))
            .withHeader("X-Consul-Token", equalTo(TOKEN)));
  }

  @Test
  void theIdempotentCallIsRetriedOnAServerError() {
    agent.stubFor(
        put(urlPathEqualTo(PATH))
            .inScenario("restart")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(aResponse().withStatus(500))
            .willSetStateTo("up"));
    agent.stubFor(
        put(urlPathEqualTo(PATH))
            .inScenario("restart")
            .whenScenarioStateIs("up")
            .willReturn(aResponse().withStatus(200)));

    maintenance.disable("127.0.0.1");

    agent.verify(2, putRequestedFor(urlPathEqualTo(PATH)));
    assertThat(sleeper.pauses()).hasSize(1);
  }

  @Test
  void refusesAHostAddressThatIsNoHost() {
    assertThatThrownBy(() -> maintenance.enable("host a; rm -rf /", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a host name or IP address");
    assertThat(agent.getAllServeEvents()).isEmpty();
  }
}
