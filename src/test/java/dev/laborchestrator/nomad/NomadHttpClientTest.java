package dev.laborchestrator.nomad;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToIgnoreCase;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.Fixtures;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.http.RecordingSleeper;
import dev.laborchestrator.http.RetryPolicy;
import dev.laborchestrator.port.Allocation;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.DrainRequest;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NodeStub;
import dev.laborchestrator.port.NomadNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Contract tests against the samples of Nomad's nodes API documentation (fixtures/README.md). */
class NomadHttpClientTest {
  private static final String TOKEN = "nomad-secret-4f1c9e0a-visible-if-leaked";
  private static final String NODE_ID = "1ac61e33-a465-2ace-f63f-cffa1285e7eb";
  private static final String NODE_PATH = "/v1/node/" + NODE_ID;

  @RegisterExtension
  static WireMockExtension nomad =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private final RecordingSleeper sleeper = new RecordingSleeper();
  private NomadHttpClient client;

  @BeforeEach
  void setUp() {
    client = client(TOKEN, null, null);
  }

  @Test
  void listsNodeStubs() {
    nomad.stubFor(get("/v1/nodes").willReturn(fixture("nomad/nodes.json", 2526)));

    List<NodeStub> nodes = client.listNodes();

    assertThat(nodes)
        .usingRecursiveFieldByFieldElementComparatorOnFields(
            "id",
            "name",
            "address",
            "datacenter",
            "status",
            "schedulingEligibility",
            "drain",
            "modifyIndex")
        .containsExactly(
            new NodeStub(
                "f7476465-4d6e-c0de-26d0-e383c49be941",
                "nomad-4",
                "10.138.0.5",
                "dc1",
                "ready",
                "eligible",
                false,
                2526)); // ModifyIndex, from the docs' sample: what the fallback watch compares
    nomad.verify(
        getRequestedFor(urlEqualTo("/v1/nodes"))
            .withHeader("X-Nomad-Token", equalTo(TOKEN))
            .withHeader("Accept", equalTo("application/json")));
  }

  @Test
  void readsANodeAtOnceWithItsIndex() {
    nomad.stubFor(get(NODE_PATH).willReturn(fixture("nomad/node.json", 14)));

    Indexed<NomadNode> read = client.readNode(NODE_ID, BlockingQuery.NONE);

    NomadNode node = read.value();
    assertThat(read.index()).isEqualTo(14);
    assertThat(node.id()).isEqualTo(NODE_ID);
    assertThat(node.name()).isEqualTo("mew");
    assertThat(node.httpAddr()).isEqualTo("127.0.0.1:4646");
    assertThat(node.ready()).isTrue();
    assertThat(node.statusUpdatedAt()).isEqualTo(1566814982L);
    assertThat(node.eligible()).isTrue();
    assertThat(node.draining()).isFalse();
    assertThat(node.consulName()).isEqualTo("mew");
    assertThat(node.meta()).containsEntry("connect.log_level", "info");
    assertThat(node.lastDrain().status()).isEqualTo("complete");
    assertThat(node.lastDrain().meta()).containsEntry("message", "node maintenance");
    nomad.verify(
        getRequestedFor(urlEqualTo(NODE_PATH)).withHeader("X-Nomad-Token", equalTo(TOKEN)));
  }

  @Test
  void readsAnAllocationByItsId() {
    String id = "fefe81d0-08b2-4eca-fae6-6560cde46d31";
    nomad.stubFor(get("/v1/allocation/" + id).willReturn(fixture("nomad/alloc.json", 20)));

    Optional<Allocation> alloc = client.readAllocation(id);

    assertThat(alloc).hasValueSatisfying(a -> assertThat(a.clientStatus()).isEqualTo("running"));
    assertThat(alloc.get().id()).isEqualTo(id);
    assertThat(alloc.get().jobId()).isEqualTo("webapp");
  }

  @Test
  void anAllocationNomadDoesNotShowIsAbsent() {
    nomad.stubFor(
        get(urlPathEqualTo("/v1/allocation/gone"))
            .willReturn(aResponse().withStatus(404).withBody("alloc not found")));

    assertThat(client.readAllocation("gone")).isEmpty();
  }

  @Test
  void blockingReadSendsIndexAndWaitInMilliseconds() {
    nomad.stubFor(get(urlPathEqualTo(NODE_PATH)).willReturn(fixture("nomad/node.json", 15)));

    Indexed<NomadNode> read =
        client.readNode(NODE_ID, BlockingQuery.after(14, Duration.ofSeconds(30)));

    assertThat(read.index()).isEqualTo(15);
    nomad.verify(
        getRequestedFor(urlEqualTo(NODE_PATH + "?index=14&wait=30000ms"))
            .withHeader("X-Nomad-Token", equalTo(TOKEN)));
  }

  @Test
  void readsTheFlatDrainStrategyOfADrainingNode() {
    nomad.stubFor(get(NODE_PATH).willReturn(fixture("nomad/node-draining.json", 20)));

    NomadNode node = client.readNode(NODE_ID, BlockingQuery.NONE).value();

    assertThat(node.draining()).isTrue();
    assertThat(node.eligible()).isFalse();
    assertThat(node.drainStrategy())
        .isEqualTo(
            new NomadNode.DrainStrategy(
                3_600_000_000_000L, true, "2024-05-01T13:00:00Z", "2024-05-01T12:00:00Z"));
    assertThat(node.lastDrain().status()).isEqualTo("draining");
    assertThat(node.lastDrain().meta())
        .containsEntry("message", "lab-orchestrator: rolling NixOS update");
  }

  @Test
  void readsAllocationsWithTheirJobTypeBlocking() {
    nomad.stubFor(
        get(urlPathEqualTo(NODE_PATH + "/allocations"))
            .willReturn(fixture("nomad/allocs.json", 2567)));

    Indexed<List<Allocation>> read =
        client.nodeAllocations(NODE_ID, BlockingQuery.after(2555, Duration.ofMinutes(5)));

    assertThat(read.index()).isEqualTo(2567);
    Allocation alloc = read.value().get(0);
    assertThat(alloc.id()).isEqualTo("fefe81d0-08b2-4eca-fae6-6560cde46d31");
    assertThat(alloc.jobId()).isEqualTo("webapp");
    assertThat(alloc.job().type()).isEqualTo("service");
    assertThat(alloc.clientStatus()).isEqualTo("running");
    assertThat(alloc.desiredStatus()).isEqualTo("run");
    assertThat(alloc.system()).isFalse();
    assertThat(alloc.active()).isTrue();
    assertThat(alloc.modifyIndex()).as("the allocation's own, not a task's").isEqualTo(2567);
    nomad.verify(
        getRequestedFor(urlEqualTo(NODE_PATH + "/allocations?index=2555&wait=300000ms"))
            .withHeader("X-Nomad-Token", equalTo(TOKEN)));
  }

  @Test
  void readsASystemJobsAllocationAsSystem() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    ArrayNode allocs = (ArrayNode) mapper.readTree(Fixtures.read("nomad/allocs.json"));
    ((ObjectNode) allocs.get(0).get("Job")).put("Type", "system");
    nomad.stubFor(
        get(NODE_PATH + "/allocations")
            .willReturn(okJson(allocs.toString()).withHeader("X-Nomad-Index", "7")));

    Allocation alloc = client.nodeAllocations(NODE_ID, BlockingQuery.NONE).value().get(0);

    assertThat(alloc.job().type()).isEqualTo("system");
    assertThat(alloc.system()).isTrue();
    assertThat(alloc.coveredByDrain(true)).isFalse();
  }

  @ParameterizedTest(name = "deadline {0}, ignoreSystemJobs {1} -> Deadline {2} ns")
  @CsvSource({
    "PT1H, true, 3600000000000",
    "PT0S, false, 0",
    "PT-1S, true, -1000000000",
  })
  void drainSendsTheDrainSpecInNanosecondsWithMarkEligibleFalseAndMeta(
      Duration deadline, boolean ignoreSystemJobs, long expectedNanos) {
    nomad.stubFor(
        post(NODE_PATH + "/drain").willReturn(fixture("nomad/drain-response.json", 3742)));

    client.drain(
        NODE_ID,
        new DrainRequest(
            deadline, ignoreSystemJobs, Map.of("message", "lab-orchestrator: update")));

    nomad.verify(
        1,
        postRequestedFor(urlEqualTo(NODE_PATH + "/drain"))
            .withHeader("X-Nomad-Token", equalTo(TOKEN))
            .withHeader("Content-Type", equalToIgnoreCase("application/json; charset=utf-8"))
            .withRequestBody(
                equalToJson(
                    "{\"DrainSpec\":{\"Deadline\":"
                        + expectedNanos
                        + ",\"IgnoreSystemJobs\":"
                        + ignoreSystemJobs
                        + "},\"MarkEligible\":false,"
                        + "\"Meta\":{\"message\":\"lab-orchestrator: update\"}}")));
  }

  @Test
  void drainWithoutMetaSendsAnEmptyMeta() {
    nomad.stubFor(
        post(NODE_PATH + "/drain").willReturn(fixture("nomad/drain-response.json", 3742)));

    client.drain(NODE_ID, new DrainRequest(Duration.ofMinutes(10), true, Map.of()));

    nomad.verify(
        postRequestedFor(urlEqualTo(NODE_PATH + "/drain"))
            .withRequestBody(
                equalToJson(
                    "{\"DrainSpec\":{\"Deadline\":600000000000,\"IgnoreSystemJobs\":true},"
                        + "\"MarkEligible\":false,\"Meta\":{}}")));
  }

  @Test
  void setNodeMetaPostsTheMetaThroughTheServerWithNullsToUnset() {
    nomad.stubFor(
        post(urlPathEqualTo("/v1/client/metadata"))
            .willReturn(okJson(Fixtures.read("nomad/client-metadata-response.json"))));
    Map<String, String> meta = new java.util.LinkedHashMap<>();
    meta.put("lab.rollout.state", "DRAINING");
    meta.put("lab.rollout.since", null);

    client.setNodeMeta(NODE_ID, meta);

    nomad.verify(
        1,
        postRequestedFor(urlEqualTo("/v1/client/metadata?node_id=" + NODE_ID))
            .withHeader("X-Nomad-Token", equalTo(TOKEN))
            .withHeader("Content-Type", equalToIgnoreCase("application/json; charset=utf-8"))
            .withRequestBody(
                equalToJson(
                    "{\"Meta\":{\"lab.rollout.state\":\"DRAINING\","
                        + "\"lab.rollout.since\":null}}")));
  }

  @Test
  void setNodeMetaIsRetriedOnATransientFailure() {
    nomad.stubFor(
        post(urlPathEqualTo("/v1/client/metadata"))
            .inScenario("meta")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(aResponse().withStatus(503))
            .willSetStateTo("up"));
    nomad.stubFor(
        post(urlPathEqualTo("/v1/client/metadata"))
            .inScenario("meta")
            .whenScenarioStateIs("up")
            .willReturn(okJson(Fixtures.read("nomad/client-metadata-response.json"))));

    client.setNodeMeta(NODE_ID, Map.of("lab.rollout.state", "DONE"));

    nomad.verify(2, postRequestedFor(urlEqualTo("/v1/client/metadata?node_id=" + NODE_ID)));
  }

  @Test
  void setNodeMetaOnANodeWithoutAConnectedClientFails() {
    // command/agent/meta_endpoint.go nodeMetaApply: ErrNoNodeConn is answered 404.
    nomad.stubFor(
        post(urlPathEqualTo("/v1/client/metadata"))
            .willReturn(aResponse().withStatus(404).withBody("No path to node")));

    assertThatThrownBy(() -> client.setNodeMeta(NODE_ID, Map.of("lab.rollout.state", "REBOOTING")))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("404")
        .hasMessageNotContaining(TOKEN);
  }

  @Test
  void setEligibilitySendsEligibleOrIneligible() {
    nomad.stubFor(
        post(NODE_PATH + "/eligibility")
            .willReturn(fixture("nomad/eligibility-response.json", 3742)));

    client.setEligibility(NODE_ID, true);
    client.setEligibility(NODE_ID, false);

    nomad.verify(
        1,
        postRequestedFor(urlEqualTo(NODE_PATH + "/eligibility"))
            .withHeader("X-Nomad-Token", equalTo(TOKEN))
            .withRequestBody(equalToJson("{\"Eligibility\":\"eligible\"}")));
    nomad.verify(
        1,
        postRequestedFor(urlEqualTo(NODE_PATH + "/eligibility"))
            .withRequestBody(equalToJson("{\"Eligibility\":\"ineligible\"}")));
  }

  @Test
  void drainIsNotRetriedAfterA500() {
    nomad.stubFor(
        post(NODE_PATH + "/drain").willReturn(aResponse().withStatus(500).withBody("rpc error")));

    ApiException failure =
        catchThrowableOfType(
            ApiException.class,
            () -> client.drain(NODE_ID, new DrainRequest(Duration.ofHours(1), true, Map.of())));

    assertThat(failure.status()).isEqualTo(500);
    assertThat(failure).hasMessage("POST " + NODE_PATH + "/drain answered HTTP 500: rpc error");
    nomad.verify(1, postRequestedFor(urlPathEqualTo(NODE_PATH + "/drain")));
    assertThat(sleeper.pauses()).isEmpty();
  }

  @Test
  void drainIsNotRetriedAfterADroppedConnection() {
    nomad.stubFor(
        post(NODE_PATH + "/drain")
            .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

    ApiException failure =
        catchThrowableOfType(
            ApiException.class,
            () -> client.drain(NODE_ID, new DrainRequest(Duration.ofHours(1), true, Map.of())));

    assertThat(failure.status()).isZero();
    assertThat(failure.getMessage()).startsWith("POST " + NODE_PATH + "/drain failed: ");
    nomad.verify(1, postRequestedFor(urlPathEqualTo(NODE_PATH + "/drain")));
  }

  @Test
  void eligibilityIsRetriedAfterA500BecauseItIsIdempotent() {
    nomad.stubFor(
        post(NODE_PATH + "/eligibility")
            .inScenario("leader election")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(aResponse().withStatus(500).withBody("No cluster leader"))
            .willSetStateTo("elected"));
    nomad.stubFor(
        post(NODE_PATH + "/eligibility")
            .inScenario("leader election")
            .whenScenarioStateIs("elected")
            .willReturn(fixture("nomad/eligibility-response.json", 3742)));

    client.setEligibility(NODE_ID, true);

    nomad.verify(2, postRequestedFor(urlPathEqualTo(NODE_PATH + "/eligibility")));
    assertThat(sleeper.pauses()).containsExactly(Duration.ofMillis(500));
  }

  @Test
  void aGetThatKeepsFailingIsRetriedUpToTheBoundThenFails() {
    nomad.stubFor(
        get(NODE_PATH).willReturn(aResponse().withStatus(500).withBody("No cluster leader")));

    ApiException failure =
        catchThrowableOfType(
            ApiException.class, () -> client.readNode(NODE_ID, BlockingQuery.NONE));

    assertThat(failure.status()).isEqualTo(500);
    assertThat(failure).hasMessage("GET " + NODE_PATH + " answered HTTP 500: No cluster leader");
    nomad.verify(RetryPolicy.DEFAULT_MAX_ATTEMPTS, getRequestedFor(urlEqualTo(NODE_PATH)));
    assertThat(sleeper.pauses()).hasSize(RetryPolicy.DEFAULT_MAX_ATTEMPTS - 1);
  }

  @Test
  void aForbiddenAnswerIsReportedAsForbiddenAndNotRetried() {
    nomad.stubFor(
        get("/v1/nodes").willReturn(aResponse().withStatus(403).withBody("Permission denied")));

    ApiException failure = catchThrowableOfType(ApiException.class, () -> client.listNodes());

    assertThat(failure.forbidden()).isTrue();
    assertThat(failure.transientFailure()).isFalse();
    assertThat(failure).hasMessage("GET /v1/nodes answered HTTP 403: Permission denied");
    nomad.verify(1, getRequestedFor(urlEqualTo("/v1/nodes")));
  }

  @Test
  void anAllocationListThatIsNotAnArrayIsAnUnexpectedShape() {
    nomad.stubFor(
        get(NODE_PATH + "/allocations")
            .willReturn(okJson("{\"Allocations\":[]}").withHeader("X-Nomad-Index", "3")));

    assertThatThrownBy(() -> client.nodeAllocations(NODE_ID, BlockingQuery.NONE))
        .isInstanceOf(ApiException.class)
        .hasMessage(
            "GET "
                + NODE_PATH
                + "/allocations answered with an unexpected shape: "
                + "expected a JSON array of allocation objects, got an object")
        .satisfies(e -> assertThat(((ApiException) e).unexpectedShape()).isTrue());
    nomad.verify(1, getRequestedFor(urlEqualTo(NODE_PATH + "/allocations")));
  }

  @Test
  void anAllocationWithoutClientStatusIsAnUnexpectedShape() throws Exception {
    ArrayNode allocs = (ArrayNode) new ObjectMapper().readTree(Fixtures.read("nomad/allocs.json"));
    ((ObjectNode) allocs.get(0)).remove("ClientStatus");
    nomad.stubFor(
        get(NODE_PATH + "/allocations")
            .willReturn(okJson(allocs.toString()).withHeader("X-Nomad-Index", "3")));

    assertThatThrownBy(() -> client.nodeAllocations(NODE_ID, BlockingQuery.NONE))
        .hasMessageEndingWith("unexpected shape: allocation #0 has no ClientStatus");
  }

  @Test
  void aNodeWithoutIdIsAnUnexpectedShape() throws Exception {
    ObjectNode node = (ObjectNode) new ObjectMapper().readTree(Fixtures.read("nomad/node.json"));
    node.remove("ID");
    nomad.stubFor(
        get(NODE_PATH).willReturn(okJson(node.toString()).withHeader("X-Nomad-Index", "14")));

    assertThatThrownBy(() -> client.readNode(NODE_ID, BlockingQuery.NONE))
        .hasMessage("GET " + NODE_PATH + " answered with an unexpected shape: node has no ID");
  }

  @Test
  void aNodeStubWithoutStatusIsAnUnexpectedShape() throws Exception {
    ArrayNode nodes = (ArrayNode) new ObjectMapper().readTree(Fixtures.read("nomad/nodes.json"));
    ((ObjectNode) nodes.get(0)).remove("Status");
    nomad.stubFor(get("/v1/nodes").willReturn(okJson(nodes.toString())));

    assertThatThrownBy(() -> client.listNodes())
        .hasMessage("GET /v1/nodes answered with an unexpected shape: node #0 has no Status");
  }

  @Test
  void aNodeAnswerWithoutTheIndexHeaderIsAnUnexpectedShape() {
    nomad.stubFor(
        get(urlPathEqualTo(NODE_PATH)).willReturn(okJson(Fixtures.read("nomad/node.json"))));

    assertThatThrownBy(
            () -> client.readNode(NODE_ID, BlockingQuery.after(14, Duration.ofSeconds(5))))
        .hasMessage(
            "GET "
                + NODE_PATH
                + " answered with an unexpected shape: "
                + "no X-Nomad-Index header, which blocking queries need");
  }

  @Test
  void aBodyThatIsNotJsonIsAnUnexpectedShape() {
    nomad.stubFor(
        get("/v1/nodes")
            .willReturn(
                aResponse().withStatus(200).withBody("<html><body>Bad gateway</body></html>")));

    assertThatThrownBy(() -> client.listNodes())
        .hasMessage(
            "GET /v1/nodes answered with an unexpected shape: "
                + "the body is not JSON: <html><body>Bad gateway</body></html>");
    nomad.verify(1, getRequestedFor(urlEqualTo("/v1/nodes")));
  }

  @Test
  void theTokenIsNeverPartOfAnExceptionMessage() {
    nomad.stubFor(
        get("/v1/nodes")
            .willReturn(aResponse().withStatus(403).withBody("ACL token " + TOKEN + " not found")));
    nomad.stubFor(
        get(NODE_PATH)
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("X-Nomad-Index", "1")
                    .withBody("token=" + TOKEN)));
    nomad.stubFor(
        get(NODE_PATH + "/allocations")
            .willReturn(okJson("[]").withHeader("X-Nomad-Index", TOKEN)));
    NomadHttpClient unreachable =
        new NomadHttpClient(
            new ApiSettings("http://127.0.0.1:1", TOKEN),
            HttpOptions.defaults().withRetry(RetryPolicy.none()));

    List<Throwable> failures =
        List.of(
            catchThrowableOfType(ApiException.class, () -> client.listNodes()),
            catchThrowableOfType(
                ApiException.class, () -> client.readNode(NODE_ID, BlockingQuery.NONE)),
            catchThrowableOfType(
                ApiException.class, () -> client.nodeAllocations(NODE_ID, BlockingQuery.NONE)),
            catchThrowableOfType(ApiException.class, () -> unreachable.listNodes()));

    assertThat(failures)
        .allSatisfy(
            failure -> {
              assertThat(failure).isNotNull();
              assertThat(failure.getMessage()).doesNotContain(TOKEN);
              assertThat(String.valueOf(failure.getCause())).doesNotContain(TOKEN);
            });
    assertThat(failures.get(0)).hasMessageContaining("ACL token <redacted> not found");
    assertThat(client.toString()).doesNotContain(TOKEN);
  }

  @Test
  void theTokenTravelsOnlyInTheHeaderNeverInTheQuery() {
    nomad.stubFor(get(urlPathEqualTo(NODE_PATH)).willReturn(fixture("nomad/node.json", 15)));

    client.readNode(NODE_ID, BlockingQuery.after(14, Duration.ofSeconds(1)));

    nomad.verify(
        getRequestedFor(urlPathEqualTo(NODE_PATH))
            .withHeader("X-Nomad-Token", equalTo(TOKEN))
            .withQueryParam("token", absent()));
    assertThat(nomad.getAllServeEvents())
        .allSatisfy(event -> assertThat(event.getRequest().getUrl()).doesNotContain(TOKEN));
  }

  @Test
  void sendsNoTokenHeaderWithoutAToken() {
    nomad.stubFor(get("/v1/nodes").willReturn(fixture("nomad/nodes.json", 2526)));

    client(null, null, null).listNodes();

    nomad.verify(getRequestedFor(urlEqualTo("/v1/nodes")).withoutHeader("X-Nomad-Token"));
  }

  @Test
  void sendsRegionAndNamespaceWhenGiven() {
    nomad.stubFor(get(urlPathEqualTo(NODE_PATH)).willReturn(fixture("nomad/node.json", 15)));

    client(TOKEN, "eu-west", "lab")
        .readNode(NODE_ID, BlockingQuery.after(14, Duration.ofSeconds(2)));

    nomad.verify(
        getRequestedFor(
            urlEqualTo(NODE_PATH + "?region=eu-west&namespace=lab&index=14&wait=2000ms")));
  }

  @Test
  void escapesNodeIdsAsOnePathSegment() {
    nomad.stubFor(
        get(urlPathEqualTo("/v1/node/odd%20id%3Findex=1"))
            .willReturn(fixture("nomad/node.json", 3)));

    client.readNode("odd id?index=1", BlockingQuery.NONE);

    nomad.verify(getRequestedFor(urlEqualTo("/v1/node/odd%20id%3Findex=1")));
  }

  @Test
  void refusesDotSegmentsAsNodeIds() {
    assertThatThrownBy(() -> client.nodeAllocations("..", BlockingQuery.NONE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(nomad.getAllServeEvents()).isEmpty();
  }

  private NomadHttpClient client(String token, String region, String namespace) {
    HttpOptions options =
        HttpOptions.defaults().withRetry(RetryPolicy.defaults().withSleeper(sleeper));
    return new NomadHttpClient(new ApiSettings(nomad.baseUrl(), token), options, region, namespace);
  }

  private static ResponseDefinitionBuilder fixture(String path, long index) {
    return okJson(Fixtures.read(path)).withHeader("X-Nomad-Index", Long.toString(index));
  }
}
