package dev.laborchestrator.http;

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
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.Indexed;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The plumbing under both adapters: timeouts, redirects, addresses, transport failures. */
class HttpApiTest {
  private static final String TOKEN = "plumbing-secret-77aa-visible-if-leaked";
  private static final ResponseReader<JsonNode> AS_IS = body -> body;

  @RegisterExtension
  static WireMockExtension server =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  @RegisterExtension
  static WireMockExtension elsewhere =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private final RecordingSleeper sleeper = new RecordingSleeper();

  @Test
  void aNonBlockingCallTimesOutAfterTheReadTimeout() {
    server.stubFor(get("/v1/slow").willReturn(okJson("{}").withFixedDelay(600)));
    HttpApi api = api(server.baseUrl(), shortReadTimeout().withRetry(RetryPolicy.none()));

    ApiException failure =
        catchThrowableOfType(ApiException.class, () -> api.get(List.of("v1", "slow"), AS_IS));

    assertThat(failure.status()).isZero();
    assertThat(failure.transientFailure()).isTrue();
    assertThat(failure.getMessage()).startsWith("GET /v1/slow failed: ");
  }

  @Test
  void aBlockingCallMayTakeItsWaitPlusJitterBeyondTheReadTimeout() {
    server.stubFor(
        get(urlPathEqualTo("/v1/slow"))
            .willReturn(okJson("{}").withHeader("X-Test-Index", "8").withFixedDelay(600)));
    HttpApi api = api(server.baseUrl(), shortReadTimeout().withRetry(RetryPolicy.none()));

    Indexed<JsonNode> read =
        api.getIndexed(List.of("v1", "slow"), BlockingQuery.after(7, Duration.ofSeconds(1)), AS_IS);

    assertThat(read.index()).isEqualTo(8);
    server.verify(getRequestedFor(urlEqualTo("/v1/slow?index=7&wait=1000ms")));
  }

  @Test
  void redirectsAreNotFollowedSoTheTokenStaysWithTheApi() {
    elsewhere.stubFor(get("/v1/nodes").willReturn(okJson("[]")));
    server.stubFor(
        get("/v1/nodes")
            .willReturn(
                aResponse().withStatus(307).withHeader("Location", elsewhere.url("/v1/nodes"))));
    HttpApi api = api(server.baseUrl(), options());

    ApiException failure =
        catchThrowableOfType(ApiException.class, () -> api.get(List.of("v1", "nodes"), AS_IS));

    assertThat(failure.status()).isEqualTo(307);
    assertThat(elsewhere.getAllServeEvents()).isEmpty();
  }

  @Test
  void aServerThatIsNotThereIsRetriedAsTransientThenReported() throws IOException {
    HttpApi api = api("http://127.0.0.1:" + closedPort(), options());

    ApiException failure =
        catchThrowableOfType(ApiException.class, () -> api.get(List.of("v1", "nodes"), AS_IS));

    assertThat(failure.status()).isZero();
    assertThat(failure.getMessage()).startsWith("GET /v1/nodes failed: ").doesNotContain(TOKEN);
    assertThat(sleeper.pauses()).hasSize(RetryPolicy.DEFAULT_MAX_ATTEMPTS - 1);
  }

  @Test
  void keepsAPathPrefixOfTheAddress() {
    server.stubFor(get("/nomad/v1/nodes").willReturn(okJson("[]")));

    api(server.baseUrl() + "/nomad/", options()).get(List.of("v1", "nodes"), AS_IS);

    server.verify(
        getRequestedFor(urlEqualTo("/nomad/v1/nodes")).withHeader("X-Test-Token", equalTo(TOKEN)));
  }

  @Test
  void trailingGarbageAfterTheJsonIsAnUnexpectedShape() {
    server.stubFor(get("/v1/nodes").willReturn(okJson("[] []")));

    assertThatThrownBy(() -> api(server.baseUrl(), options()).get(List.of("v1", "nodes"), AS_IS))
        .hasMessage("GET /v1/nodes answered with an unexpected shape: the body is not JSON: [] []");
  }

  @Test
  void aNonNumericIndexIsAnUnexpectedShape() {
    server.stubFor(get("/v1/node/x").willReturn(okJson("{}").withHeader("X-Test-Index", "soon")));

    assertThatThrownBy(
            () ->
                api(server.baseUrl(), options())
                    .getIndexed(List.of("v1", "node", "x"), BlockingQuery.NONE, AS_IS))
        .hasMessageEndingWith("X-Test-Index header is not an index: soon");
  }

  @Test
  void refusesAnAddressThatIsNotHttpOrAUnixSocket() {
    assertThatThrownBy(() -> api("ftp://nomad.lab/", options()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an http(s) address");
    assertThatThrownBy(() -> api("unix://relative/api.sock", options()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a unix socket address");
    assertThatThrownBy(() -> api(" ", options()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("API address is missing");
  }

  private HttpApi api(String address, HttpOptions options) {
    return HttpApi.builder(address)
        .token("X-Test-Token", TOKEN)
        .indexHeader("X-Test-Index")
        .options(options)
        .build();
  }

  private HttpOptions options() {
    return HttpOptions.defaults().withRetry(RetryPolicy.defaults().withSleeper(sleeper));
  }

  private static HttpOptions shortReadTimeout() {
    return HttpOptions.defaults().withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(300));
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
