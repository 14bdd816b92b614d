package dev.laborchestrator.consul;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.Fixtures;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.http.RecordingSleeper;
import dev.laborchestrator.http.RetryPolicy;
import dev.laborchestrator.port.Autopilot.Health;
import dev.laborchestrator.port.Autopilot.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Contract tests against the "Read Health" sample of Consul's autopilot docs. */
class ConsulAutopilotTest {
  private static final String TOKEN = "consul-secret-3a9f62c4-visible-if-leaked";
  private static final String PATH = "/v1/operator/autopilot/health";

  @RegisterExtension
  static WireMockExtension consul =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private final RecordingSleeper sleeper = new RecordingSleeper();
  private final ConsulAutopilot autopilot =
      new ConsulAutopilot(
          new ConsulConnection(
              new ApiSettings(consul.baseUrl(), TOKEN),
              HttpOptions.defaults().withRetry(RetryPolicy.defaults().withSleeper(sleeper))));

  @Test
  void readsAHealthyReport() {
    consul.stubFor(get(PATH).willReturn(okJson(Fixtures.read("consul/autopilot-health.json"))));

    Health health = autopilot.health();

    assertThat(health.healthy()).isTrue();
    assertThat(health.failureTolerance()).isZero();
    assertThat(health.servers())
        .containsExactly(
            new Server(
                "e349749b-3303-3ddf-959c-b5885a0e1f6e", "node1", "127.0.0.1:8300", true, true),
            new Server(
                "e36ee410-cc3c-0a0c-c724-63817ab30303", "node2", "127.0.0.1:8205", false, true));
    consul.verify(
        getRequestedFor(urlEqualTo(PATH))
            .withHeader("X-Consul-Token", equalTo(TOKEN))
            .withoutQueryParam("token"));
  }

  @Test
  void a429CarriesTheUnhealthyReport() {
    consul.stubFor(
        get(PATH)
            .willReturn(
                aResponse()
                    .withStatus(429)
                    .withBody(Fixtures.read("consul/autopilot-health-unhealthy.json"))));

    Health health = autopilot.health();

    assertThat(health.healthy()).isFalse();
    assertThat(health.toleratesAFailure()).isFalse();
    assertThat(health.servers()).extracting(Server::healthy).containsExactly(true, false);
    assertThat(sleeper.pauses()).isEmpty();
  }
}
