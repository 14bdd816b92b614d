package dev.laborchestrator.consul;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.consul.ConsulAcl.Permission;
import dev.laborchestrator.http.Fixtures;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.http.RecordingSleeper;
import dev.laborchestrator.http.RetryPolicy;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the Consul adapters do with ACLs: a health answer Consul filtered is refused, and the
 * token's permissions are asked of {@code /v1/internal/acl/authorize} (agent/acl_endpoint.go
 * ACLAuthorize: a list of {Resource, Segment, Access} in, the same with Allow out; 401 "ACL support
 * disabled" when ACLs are off).
 */
class ConsulAclTest {
  private static final String TOKEN = "consul-secret-5c1f-visible-if-leaked";
  private static final String AUTHORIZE = "/v1/internal/acl/authorize";

  @RegisterExtension
  static WireMockExtension consul =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private final RecordingSleeper sleeper = new RecordingSleeper();

  private ConsulConnection connection() {
    HttpOptions options =
        HttpOptions.defaults().withRetry(RetryPolicy.defaults().withSleeper(sleeper));
    return new ConsulConnection(new ApiSettings(consul.baseUrl(), TOKEN), options);
  }

  @Test
  void refusesAHealthAnswerConsulFilteredByAclsWithoutRetrying() {
    consul.stubFor(
        get("/v1/health/node/foobar")
            .willReturn(
                okJson(Fixtures.read("consul/health-node.json"))
                    .withHeader("X-Consul-Index", "42")
                    .withHeader("X-Consul-Results-Filtered-By-ACLs", "true")));

    ApiException e =
        catchThrowableOfType(
            () -> new ConsulHttpClient(connection()).nodeChecks("foobar", BlockingQuery.NONE),
            ApiException.class);

    assertThat(e).isNotNull();
    assertThat(e.transientFailure()).isFalse();
    assertThat(e.forbidden()).isTrue();
    assertThat(e.getMessage()).contains("service:read").doesNotContain(TOKEN);
    consul.verify(1, getRequestedFor(urlEqualTo("/v1/health/node/foobar")));
    assertThat(sleeper.pauses()).isEmpty();
  }

  @Test
  void namesThePermissionsConsulDenies() {
    consul.stubFor(
        post(AUTHORIZE)
            .willReturn(
                okJson(
                    "[{\"Resource\":\"node\",\"Access\":\"read\",\"Allow\":true},"
                        + "{\"Resource\":\"service\",\"Access\":\"read\",\"Allow\":false},"
                        + "{\"Resource\":\"node\",\"Segment\":\"web-1\",\"Access\":\"write\","
                        + "\"Allow\":false}]")));
    List<Permission> wanted =
        List.of(
            Permission.everywhere("node", "read"),
            Permission.everywhere("service", "read"),
            new Permission("node", "web-1", "write"));

    Optional<List<Permission>> missing = new ConsulAcl(connection()).missing(wanted);

    assertThat(missing).contains(List.of(wanted.get(1), wanted.get(2)));
    assertThat(wanted.get(2)).hasToString("node:write on \"web-1\"");
    consul.verify(
        postRequestedFor(urlEqualTo(AUTHORIZE))
            .withHeader("X-Consul-Token", equalTo(TOKEN))
            .withRequestBody(
                equalToJson(
                    "[{\"Resource\":\"node\",\"Access\":\"read\"},"
                        + "{\"Resource\":\"service\",\"Access\":\"read\"},"
                        + "{\"Resource\":\"node\",\"Segment\":\"web-1\",\"Access\":\"write\"}]")));
  }

  @Test
  void withAclsOffNothingIsMissing() {
    consul.stubFor(
        post(AUTHORIZE).willReturn(aResponse().withStatus(401).withBody("ACL support disabled")));

    assertThat(new ConsulAcl(connection()).missing(List.of(Permission.everywhere("node", "read"))))
        .contains(List.of());
  }

  @Test
  void aConsulWithoutTheEndpointCannotTell() {
    consul.stubFor(post(AUTHORIZE).willReturn(aResponse().withStatus(404)));

    assertThat(new ConsulAcl(connection()).missing(List.of(Permission.everywhere("node", "read"))))
        .isEmpty();
  }
}
