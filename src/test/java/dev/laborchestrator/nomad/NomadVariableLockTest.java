package dev.laborchestrator.nomad;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.laborchestrator.nomad.NomadVariablesTest.fixture;
import static dev.laborchestrator.nomad.NomadVariablesTest.notFound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.http.RecordingSleeper;
import dev.laborchestrator.http.RetryPolicy;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.RolloutLock.Held;
import dev.laborchestrator.port.RolloutLock.Holder;
import dev.laborchestrator.port.RolloutLock.Lease;
import dev.laborchestrator.port.RolloutLock.Lost;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Contract tests against the samples of Nomad's Variable Locks API docs (fixtures/README.md). */
class NomadVariableLockTest {
  private static final String TOKEN = "nomad-secret-0b7e4c19-visible-if-leaked";
  private static final String PATH = "/v1/var/nomad/jobs/lab-orchestrator/lock";
  private static final String DOC_LOCK_ID = "670c7248-e2ef-f982-e4c5-f4437f75f1e4";
  private static final Instant NOW = Instant.parse("2024-05-01T12:00:00.750Z");
  private static final Instant SINCE = Instant.parse("2024-05-01T12:00:00Z");
  private static final String HOLDER = "lab-orchestrator alloc 5b3f on nomad-4";
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static WireMockExtension nomad =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private final RecordingSleeper sleeper = new RecordingSleeper();
  private final NomadVariableLock lock = new NomadVariableLock(connection(), new FixedClock());

  @Test
  void acquireSendsTheHolderAsItemsAndTheLockAndReturnsTheLeaseNomadGranted() throws Exception {
    nomad.stubFor(
        put(urlPathEqualTo(PATH)).willReturn(fixture("nomad/lock-acquire-response.json", 16)));

    Lease lease = lock.acquire(HOLDER, Duration.ofSeconds(15));

    assertThat(lease).isEqualTo(new Lease(DOC_LOCK_ID, HOLDER, SINCE, Duration.ofSeconds(15)));
    nomad.verify(
        putRequestedFor(urlEqualTo(PATH + "?lock-acquire&namespace=default"))
            .withHeader("X-Nomad-Token", equalTo(TOKEN))
            .withRequestBody(
                equalToJson(
                    """
                    {"Namespace": "default",
                     "Path": "nomad/jobs/lab-orchestrator/lock",
                     "Items": {"holder": "%s", "since": "2024-05-01T12:00:00Z"},
                     "Lock": {"TTL": "15s", "LockDelay": "15s", "ID": "${json-unit.any-string}"}}
                    """
                        .formatted(HOLDER))));
  }

  @Test
  void aLockHeldBySomeoneElseIsHeldWithTheHolderTheVariableRecords() {
    nomad.stubFor(
        put(urlPathEqualTo(PATH))
            .willReturn(fixture("nomad/lock-conflict.json", 0).withStatus(409)));
    nomad.stubFor(
        get(urlPathEqualTo(PATH))
            .willReturn(
                lockVariable(Map.of("holder", "other run", "since", "2024-05-01T11:00:00Z"))));

    Held held = catchThrowableOfType(Held.class, () -> lock.acquire(HOLDER, Duration.ofMinutes(1)));

    assertThat(held.holder())
        .contains(new Holder("other run", Instant.parse("2024-05-01T11:00:00Z")));
    assertThat(held.getMessage())
        .isEqualTo(
            "the rollout lock nomad/jobs/lab-orchestrator/lock is held by other run"
                + " since 2024-05-01T11:00:00Z");
    nomad.verify(1, putRequestedFor(urlPathEqualTo(PATH)));
    assertThat(sleeper.pauses()).isEmpty();
  }

  @Test
  void anAcquireWithoutAnAnswerIsRepeatedWithTheSameIdOnlyAfterReadingTheVariable()
      throws Exception {
    nomad.stubFor(
        put(urlPathEqualTo(PATH))
            .inScenario("lost answer")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER))
            .willSetStateTo("landed"));
    nomad.stubFor(
        get(urlPathEqualTo(PATH))
            .inScenario("lost answer")
            .whenScenarioStateIs("landed")
            .willReturn(lockVariable(Map.of("holder", HOLDER, "since", SINCE.toString())))
            .willSetStateTo("read"));
    nomad.stubFor(
        put(urlPathEqualTo(PATH))
            .inScenario("lost answer")
            .whenScenarioStateIs("read")
            .willReturn(fixture("nomad/lock-acquire-response.json", 16)));

    Lease lease = lock.acquire(HOLDER, Duration.ofSeconds(15));

    assertThat(lease.id()).isEqualTo(DOC_LOCK_ID);
    List<LoggedRequest> acquires = nomad.findAll(putRequestedFor(urlPathEqualTo(PATH)));
    assertThat(acquires).hasSize(2);
    assertThat(lockId(acquires.get(0))).isNotBlank().isEqualTo(lockId(acquires.get(1)));
    nomad.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
  }

  @Test
  void acquireRefusesATtlOutsideNomadsBounds() {
    assertThatThrownBy(() -> lock.acquire(HOLDER, Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("between 10s and 24h");
    assertThatThrownBy(() -> lock.acquire(HOLDER, Duration.ofHours(25)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anAnswerWithoutALockIdMeansANomadWithoutLocks() {
    nomad.stubFor(
        put(urlPathEqualTo(PATH)).willReturn(fixture("nomad/lock-release-response.json", 16)));

    ApiException failure =
        catchThrowableOfType(
            ApiException.class, () -> lock.acquire(HOLDER, Duration.ofSeconds(15)));

    assertThat(failure.unexpectedShape()).isTrue();
    assertThat(failure.getMessage()).contains("Nomad 1.7");
  }

  @Test
  void renewSendsOnlyTheLockId() {
    nomad.stubFor(
        put(urlPathEqualTo(PATH)).willReturn(fixture("nomad/lock-renew-response.json", 43)));

    lock.renew(lease());

    nomad.verify(
        putRequestedFor(urlEqualTo(PATH + "?lock-renew&namespace=default"))
            .withHeader("X-Nomad-Token", equalTo(TOKEN))
            .withRequestBody(
                equalToJson(
                    """
                    {"Namespace": "default", "Path": "nomad/jobs/lab-orchestrator/lock",
                     "Lock": {"ID": "%s"}}
                    """
                        .formatted(DOC_LOCK_ID))));
  }

  @Test
  void renewingALeaseNomadNoLongerKnowsIsLost() {
    nomad.stubFor(
        put(urlPathEqualTo(PATH))
            .willReturn(aResponse().withStatus(409).withBody("variable doesn't hold a lock")));

    assertThatThrownBy(() -> lock.renew(lease()))
        .isInstanceOf(Lost.class)
        .hasMessageContaining("nomad/jobs/lab-orchestrator/lock");

    nomad.stubFor(
        put(urlPathEqualTo(PATH))
            .willReturn(aResponse().withStatus(404).withBody("variable doesn't exist")));
    assertThatThrownBy(() -> lock.renew(lease())).isInstanceOf(Lost.class);
  }

  @Test
  void renewIsRepeatedAfterATransientFailure() {
    nomad.stubFor(
        put(urlPathEqualTo(PATH))
            .inScenario("renew")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(aResponse().withStatus(500))
            .willSetStateTo("up"));
    nomad.stubFor(
        put(urlPathEqualTo(PATH))
            .inScenario("renew")
            .whenScenarioStateIs("up")
            .willReturn(fixture("nomad/lock-renew-response.json", 43)));

    lock.renew(lease());

    nomad.verify(2, putRequestedFor(urlPathEqualTo(PATH)));
  }

  @Test
  void releaseSendsTheLockIdWithoutItemsThenDeletesTheVariableAtTheReleasedIndex() {
    nomad.stubFor(
        put(urlPathEqualTo(PATH)).willReturn(fixture("nomad/lock-release-response.json", 66)));
    nomad.stubFor(delete(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(204)));

    lock.release(lease());

    nomad.verify(
        putRequestedFor(urlEqualTo(PATH + "?lock-release&namespace=default"))
            .withRequestBody(
                equalToJson(
                    """
                    {"Namespace": "default", "Path": "nomad/jobs/lab-orchestrator/lock",
                     "Lock": {"ID": "%s"}}
                    """
                        .formatted(DOC_LOCK_ID))));
    nomad.verify(
        deleteRequestedFor(urlEqualTo(PATH + "?cas=66&namespace=default"))
            .withHeader("X-Nomad-Token", equalTo(TOKEN)));
  }

  @Test
  void releasingALeaseThatIsGoneIsFine() {
    nomad.stubFor(
        put(urlPathEqualTo(PATH))
            .willReturn(fixture("nomad/lock-conflict.json", 0).withStatus(409)));

    lock.release(lease());

    nomad.verify(0, deleteRequestedFor(urlPathEqualTo(PATH)));
  }

  @Test
  void holderIsWhatTheVariableRecordsAndNoneWithoutAVariable() {
    nomad.stubFor(
        get(urlPathEqualTo(PATH))
            .willReturn(lockVariable(Map.of("holder", HOLDER, "since", "not a time"))));

    assertThat(lock.holder()).contains(new Holder(HOLDER, null));

    nomad.stubFor(get(urlPathEqualTo(PATH)).willReturn(notFound()));
    assertThat(lock.holder()).isEmpty();
  }

  @Test
  void forceReleaseWithAManagementTokenReleasesWithTheShownIdThenDeletes() {
    ObjectNode locked = lockVariableJson(Map.of("holder", "dead run"), 30);
    locked.putObject("Lock").put("TTL", "15s").put("LockDelay", "15s").put("ID", "their-id");
    nomad.stubFor(get(urlPathEqualTo(PATH)).willReturn(okJson(locked.toString())));
    nomad.stubFor(
        put(urlPathEqualTo(PATH)).willReturn(fixture("nomad/lock-release-response.json", 66)));
    nomad.stubFor(delete(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(204)));

    lock.forceRelease();

    nomad.verify(
        putRequestedFor(urlEqualTo(PATH + "?lock-release&namespace=default"))
            .withRequestBody(equalToJson("{\"Lock\": {\"ID\": \"their-id\"}}", true, true)));
    nomad.verify(deleteRequestedFor(urlEqualTo(PATH + "?cas=66&namespace=default")));
  }

  @Test
  void forceReleaseDeletesTheVariableOfALockThatExpired() {
    nomad.stubFor(get(urlPathEqualTo(PATH)).willReturn(lockVariable(Map.of("holder", "dead run"))));
    nomad.stubFor(delete(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(204)));

    lock.forceRelease();

    nomad.verify(deleteRequestedFor(urlEqualTo(PATH + "?cas=30&namespace=default")));
    nomad.verify(0, putRequestedFor(urlPathEqualTo(PATH)));
  }

  @Test
  void forceReleaseOfAHeldLockWhoseIdNomadDoesNotShowSaysWhatToDo() {
    nomad.stubFor(get(urlPathEqualTo(PATH)).willReturn(lockVariable(Map.of("holder", "live run"))));
    nomad.stubFor(
        delete(urlPathEqualTo(PATH))
            .willReturn(fixture("nomad/lock-conflict.json", 0).withStatus(409)));

    ApiException failure = catchThrowableOfType(ApiException.class, lock::forceRelease);

    assertThat(failure.status()).isEqualTo(409);
    assertThat(failure.getMessage())
        .contains("held (held by live run)", "management token", "expires")
        .doesNotContain(TOKEN);
    nomad.verify(1, deleteRequestedFor(urlPathEqualTo(PATH)));
  }

  @Test
  void forceReleaseOfNoLockDoesNothing() {
    nomad.stubFor(get(urlPathEqualTo(PATH)).willReturn(notFound()));

    lock.forceRelease();

    nomad.verify(0, deleteRequestedFor(urlPathEqualTo(PATH)));
  }

  @Test
  void formatsDurationsAsGoDoes() {
    assertThat(NomadVariableLock.goDuration(Duration.ofMinutes(2))).isEqualTo("120s");
    assertThat(NomadVariableLock.goDuration(Duration.ofMillis(10_500))).isEqualTo("10500ms");
  }

  private static Lease lease() {
    return new Lease(DOC_LOCK_ID, HOLDER, SINCE, Duration.ofSeconds(15));
  }

  private static String lockId(LoggedRequest request) throws Exception {
    JsonNode body = JSON.readTree(request.getBodyAsString());
    return body.path("Lock").path("ID").asText();
  }

  private static ResponseDefinitionBuilder lockVariable(Map<String, String> items) {
    return okJson(lockVariableJson(items, 30).toString()).withHeader("X-Nomad-Index", "30");
  }

  private static ObjectNode lockVariableJson(Map<String, String> items, long index) {
    ObjectNode variable = JSON.createObjectNode();
    variable.put("Namespace", "default");
    variable.put("Path", "nomad/jobs/lab-orchestrator/lock");
    variable.put("CreateIndex", 11);
    variable.put("ModifyIndex", index);
    items.forEach(variable.putObject("Items")::put);
    return variable;
  }

  private NomadConnection connection() {
    HttpOptions options =
        HttpOptions.defaults().withRetry(RetryPolicy.defaults().withSleeper(sleeper));
    return new NomadConnection(new ApiSettings(nomad.baseUrl(), TOKEN), options, null, null);
  }

  private static final class FixedClock implements Clock {
    @Override
    public Instant now() {
      return NOW;
    }

    @Override
    public void sleep(Duration duration) {
      throw new AssertionError("the lock never sleeps");
    }
  }
}
