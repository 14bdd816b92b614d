package dev.laborchestrator.consul;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
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

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.Fixtures;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.http.RecordingSleeper;
import dev.laborchestrator.http.RetryPolicy;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.Indexed;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Contract tests against the "List Checks for Node" sample of Consul's health API docs. */
class ConsulHttpClientTest {
  private static final String TOKEN = "consul-secret-9d2e7b11-visible-if-leaked";

  @RegisterExtension
  static WireMockExtension consul =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private final RecordingSleeper sleeper = new RecordingSleeper();
  private ConsulHttpClient client;

  @BeforeEach
  void setUp() {
    client = client(consul.baseUrl(), TOKEN);
  }

  @Test
  void readsEveryCheckOnANodeWithItsIndex() {
    consul.stubFor(
        get("/v1/health/node/foobar").willReturn(fixture("consul/health-node.json", 42)));

    Indexed<List<HealthCheck>> read = client.nodeChecks("foobar", BlockingQuery.NONE);

    assertThat(read.index()).isEqualTo(42);
    assertThat(read.value())
        .containsExactly(
            new HealthCheck("foobar", "serfHealth", "Serf Health Status", "passing", "", ""),
            new HealthCheck(
                "foobar", "service:redis", "Service 'redis' check", "passing", "redis", ""));
    assertThat(read.value()).allMatch(HealthCheck::passing);
    consul.verify(
        getRequestedFor(urlEqualTo("/v1/health/node/foobar"))
            .withHeader("X-Consul-Token", equalTo(TOKEN))
            .withoutHeader("X-Nomad-Token"));
  }

  @Test
  void blockingReadSendsIndexAndWaitInMilliseconds() {
    consul.stubFor(
        get(urlPathEqualTo("/v1/health/node/foobar"))
            .willReturn(fixture("consul/health-node.json", 43)));

    Indexed<List<HealthCheck>> read =
        client.nodeChecks("foobar", BlockingQuery.after(42, Duration.ofMinutes(1)));

    assertThat(read.index()).isEqualTo(43);
    consul.verify(
        getRequestedFor(urlEqualTo("/v1/health/node/foobar?index=42&wait=60000ms"))
            .withHeader("X-Consul-Token", equalTo(TOKEN))
            .withQueryParam("token", absent()));
  }

  @Test
  void aNodeWhoseAgentLeftHasNoChecks() {
    consul.stubFor(
        get("/v1/health/node/foobar").willReturn(okJson("[]").withHeader("X-Consul-Index", "44")));

    assertThat(client.nodeChecks("foobar", BlockingQuery.NONE).value()).isEmpty();
  }

  @Test
  void aWarningCheckIsReadAsNotPassing() {
    String warning =
        Fixtures.read("consul/health-node.json").replaceFirst("\"passing\"", "\"warning\"");
    consul.stubFor(
        get("/v1/health/node/foobar")
            .willReturn(okJson(warning).withHeader("X-Consul-Index", "45")));

    List<HealthCheck> checks = client.nodeChecks("foobar", BlockingQuery.NONE).value();

    assertThat(checks.get(0).status()).isEqualTo("warning");
    assertThat(checks.get(0).passing()).isFalse();
  }

  @Test
  void anAnswerWithoutTheIndexHeaderIsAnUnexpectedShape() {
    consul.stubFor(
        get(urlPathEqualTo("/v1/health/node/foobar"))
            .willReturn(okJson(Fixtures.read("consul/health-node.json"))));

    assertThatThrownBy(
            () -> client.nodeChecks("foobar", BlockingQuery.after(1, Duration.ofSeconds(5))))
        .isInstanceOf(ApiException.class)
        .hasMessage(
            "GET /v1/health/node/foobar answered with an unexpected shape: "
                + "no X-Consul-Index header, which blocking queries need");
  }

  @Test
  void aCheckWithoutStatusIsAnUnexpectedShape() {
    consul.stubFor(
        get("/v1/health/node/foobar")
            .willReturn(
                okJson("[{\"CheckID\":\"serfHealth\",\"Status\":\"passing\"},{\"CheckID\":\"x\"}]")
                    .withHeader("X-Consul-Index", "46")));

    assertThatThrownBy(() -> client.nodeChecks("foobar", BlockingQuery.NONE))
        .hasMessage(
            "GET /v1/health/node/foobar answered with an unexpected shape: check #1 has no Status");
  }

  @Test
  void anObjectInsteadOfACheckListIsAnUnexpectedShape() {
    consul.stubFor(
        get("/v1/health/node/foobar")
            .willReturn(okJson("{\"Checks\":[]}").withHeader("X-Consul-Index", "46")));

    assertThatThrownBy(() -> client.nodeChecks("foobar", BlockingQuery.NONE))
        .hasMessageEndingWith("expected a JSON array of check objects, got an object");
  }

  @Test
  void aForbiddenAnswerNamesTheRequestButNotTheToken() {
    consul.stubFor(
        get("/v1/health/node/foobar")
            .willReturn(aResponse().withStatus(403).withBody("ACL not found for token " + TOKEN)));

    ApiException failure =
        catchThrowableOfType(
            ApiException.class, () -> client.nodeChecks("foobar", BlockingQuery.NONE));

    assertThat(failure.forbidden()).isTrue();
    assertThat(failure)
        .hasMessage(
            "GET /v1/health/node/foobar answered HTTP 403: ACL not found for token <redacted>");
    consul.verify(1, getRequestedFor(urlEqualTo("/v1/health/node/foobar")));
  }

  @Test
  void serverErrorsAreRetriedUpToTheBoundThenFail() {
    consul.stubFor(
        get("/v1/health/node/foobar")
            .willReturn(
                aResponse().withStatus(500).withBody("rpc error making call: No cluster leader")));

    ApiException failure =
        catchThrowableOfType(
            ApiException.class, () -> client.nodeChecks("foobar", BlockingQuery.NONE));

    assertThat(failure.status()).isEqualTo(500);
    assertThat(failure.getMessage()).doesNotContain(TOKEN);
    consul.verify(
        RetryPolicy.DEFAULT_MAX_ATTEMPTS, getRequestedFor(urlEqualTo("/v1/health/node/foobar")));
    assertThat(sleeper.pauses()).hasSize(RetryPolicy.DEFAULT_MAX_ATTEMPTS - 1);
  }

  @Test
  void escapesNodeNamesAsOnePathSegment() {
    consul.stubFor(
        get(urlPathEqualTo("/v1/health/node/web%201%3Fdc=x"))
            .willReturn(fixture("consul/health-node.json", 47)));

    client.nodeChecks("web 1?dc=x", BlockingQuery.NONE);

    consul.verify(getRequestedFor(urlEqualTo("/v1/health/node/web%201%3Fdc=x")));
  }

  @Test
  void acceptsAnAddressWithoutSchemeAsConsulHttpAddrUsuallyHasIt() {
    consul.stubFor(
        get("/v1/health/node/foobar").willReturn(fixture("consul/health-node.json", 48)));

    ConsulHttpClient bare = client("127.0.0.1:" + consul.getPort(), TOKEN);

    assertThat(bare.nodeChecks("foobar", BlockingQuery.NONE).index()).isEqualTo(48);
  }

  @Test
  void readsEveryCheckOfEveryNodeInOneBlockingQuery() {
    consul.stubFor(
        get(urlPathEqualTo("/v1/health/state/any"))
            .willReturn(fixture("consul/health-state.json", 51)));

    Indexed<List<HealthCheck>> read =
        client.allChecks(BlockingQuery.after(50, Duration.ofSeconds(30)));

    assertThat(read.index()).isEqualTo(51);
    assertThat(read.value())
        .extracting(HealthCheck::node, HealthCheck::checkId)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("foobar", "serfHealth"),
            org.assertj.core.groups.Tuple.tuple("foobar", "service:redis"));
    consul.verify(
        getRequestedFor(urlEqualTo("/v1/health/state/any?index=50&wait=30000ms"))
            .withHeader("X-Consul-Token", equalTo(TOKEN)));
  }

  @Test
  void refusesAllChecksConsulFilteredByAcls() {
    consul.stubFor(
        get(urlPathEqualTo("/v1/health/state/any"))
            .willReturn(
                fixture("consul/health-state.json", 52)
                    .withHeader("X-Consul-Results-Filtered-By-ACLs", "true")));

    ApiException e =
        catchThrowableOfType(() -> client.allChecks(BlockingQuery.NONE), ApiException.class);

    assertThat(e.status()).isEqualTo(403);
    assertThat(e.transientFailure()).isFalse();
    assertThat(e.getMessage()).contains("/v1/health/state/any", "service:read");
    assertThat(sleeper.pauses()).isEmpty();
  }

  private ConsulHttpClient client(String address, String token) {
    HttpOptions options =
        HttpOptions.defaults().withRetry(RetryPolicy.defaults().withSleeper(sleeper));
    return new ConsulHttpClient(new ApiSettings(address, token), options);
  }

  private static ResponseDefinitionBuilder fixture(String path, long index) {
    return okJson(Fixtures.read(path)).withHeader("X-Consul-Index", Long.toString(index));
  }
}
