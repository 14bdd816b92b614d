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
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.Fixtures;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.http.RecordingSleeper;
import dev.laborchestrator.http.RetryPolicy;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.StateStore.CasConflict;
import dev.laborchestrator.port.StateStore.Stored;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Contract tests against the samples of Nomad's Variables API docs (fixtures/README.md). */
class NomadVariablesTest {
  private static final String TOKEN = "nomad-secret-51d0c8aa-visible-if-leaked";
  private static final String PATH = "/v1/var/nomad/jobs/lab-orchestrator/state";
  private static final Map<String, String> STATE = Map.of("state", "{\"rollout\":\"r-1\"}");
  private static final Map<String, String> DOC_ITEMS =
      Map.of("user", "me", "password", "passw0rd1");

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static WireMockExtension nomad =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private final RecordingSleeper sleeper = new RecordingSleeper();
  private final NomadVariables store = new NomadVariables(connection(null));

  @Test
  void loadsTheItemsAndModifyIndexOfTheVariable() {
    nomad.stubFor(get(urlPathEqualTo(PATH)).willReturn(fixture("nomad/variable.json", 1457)));

    Optional<Stored> stored = store.load();

    assertThat(stored).contains(new Stored(DOC_ITEMS, 1457));
    nomad.verify(
        getRequestedFor(urlEqualTo(PATH + "?namespace=default"))
            .withHeader("X-Nomad-Token", equalTo(TOKEN)));
  }

  @Test
  void aMissingVariableLoadsAsEmpty() {
    nomad.stubFor(
        get(urlPathEqualTo(PATH))
            .willReturn(aResponse().withStatus(404).withBody("variable not found")));

    assertThat(store.load()).isEmpty();
  }

  @Test
  void usesTheConfiguredNamespaceOnceAndAnotherPath() {
    nomad.stubFor(get(urlPathEqualTo("/v1/var/nomad/jobs/other")).willReturn(notFound()));

    new NomadVariables(connection("lab"), "nomad/jobs/other").load();

    nomad.verify(getRequestedFor(urlEqualTo("/v1/var/nomad/jobs/other?namespace=lab")));
  }

  @Test
  void savesTheItemsWithCheckAndSetAndReturnsTheNewIndex() {
    nomad.stubFor(put(urlPathEqualTo(PATH)).willReturn(variable(STATE, 17)));

    long index = store.save(STATE, 0);

    assertThat(index).isEqualTo(17);
    nomad.verify(
        1,
        putRequestedFor(urlEqualTo(PATH + "?cas=0&namespace=default"))
            .withHeader("X-Nomad-Token", equalTo(TOKEN))
            .withRequestBody(
                equalToJson(
                    """
                    {"Namespace": "default",
                     "Path": "nomad/jobs/lab-orchestrator/state",
                     "Items": {"state": "{\\"rollout\\":\\"r-1\\"}"}}
                    """)));
  }

  @Test
  void aConflictCarriesTheCurrentValueFromTheConflictAnswer() {
    nomad.stubFor(
        put(urlPathEqualTo(PATH))
            .willReturn(fixture("nomad/variable-conflict.json", 1457).withStatus(409)));

    CasConflict conflict = catchThrowableOfType(CasConflict.class, () -> store.save(STATE, 1400));

    assertThat(conflict.current()).contains(new Stored(DOC_ITEMS, 1457));
    assertThat(conflict.getMessage())
        .contains("nomad/jobs/lab-orchestrator/state", "index 1400", "index 1457");
    nomad.verify(1, putRequestedFor(urlEqualTo(PATH + "?cas=1400&namespace=default")));
    assertThat(sleeper.pauses()).isEmpty();
  }

  @Test
  void aConflictAnsweredWithOnlyAnErrorTextIsReadAgain() {
    nomad.stubFor(
        put(urlPathEqualTo(PATH))
            .willReturn(aResponse().withStatus(409).withBody("cas error: index mismatch")));
    nomad.stubFor(get(urlPathEqualTo(PATH)).willReturn(fixture("nomad/variable.json", 1457)));

    CasConflict conflict = catchThrowableOfType(CasConflict.class, () -> store.save(STATE, 3));

    assertThat(conflict.current()).contains(new Stored(DOC_ITEMS, 1457));
  }

  @Test
  void creatingAVariableThatExistsIsAConflict() {
    nomad.stubFor(
        put(urlPathEqualTo(PATH))
            .willReturn(fixture("nomad/variable-conflict.json", 1457).withStatus(409)));

    assertThatThrownBy(() -> store.save(STATE, 0))
        .isInstanceOf(CasConflict.class)
        .hasMessageContaining("expected it not to exist");
  }

  @Test
  void aWriteWhoseAnswerWasLostIsRecognisedByReadingBeforeRepeating() {
    nomad.stubFor(
        put(urlPathEqualTo(PATH))
            .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    nomad.stubFor(get(urlPathEqualTo(PATH)).willReturn(variable(STATE, 18)));

    long index = store.save(STATE, 12);

    assertThat(index).isEqualTo(18);
    nomad.verify(1, putRequestedFor(urlPathEqualTo(PATH)));
    nomad.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
    assertThat(sleeper.pauses()).hasSize(1);
  }

  @Test
  void aWriteThatDidNotLandIsSentAgainWhenTheVariableIsStillAtTheExpectedIndex() {
    inSequence(() -> put(urlPathEqualTo(PATH)), aResponse().withStatus(503), variable(STATE, 19));
    nomad.stubFor(get(urlPathEqualTo(PATH)).willReturn(variable(Map.of("state", "old"), 12)));

    long index = store.save(STATE, 12);

    assertThat(index).isEqualTo(19);
    nomad.verify(2, putRequestedFor(urlEqualTo(PATH + "?cas=12&namespace=default")));
    nomad.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
  }

  @Test
  void aRepeatThatFindsAnotherWritersValueIsAConflictAndIsNotSent() {
    nomad.stubFor(put(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(500)));
    nomad.stubFor(get(urlPathEqualTo(PATH)).willReturn(variable(Map.of("state", "theirs"), 13)));

    CasConflict conflict = catchThrowableOfType(CasConflict.class, () -> store.save(STATE, 12));

    assertThat(conflict.current()).contains(new Stored(Map.of("state", "theirs"), 13));
    nomad.verify(1, putRequestedFor(urlPathEqualTo(PATH)));
  }

  @Test
  void aConflictThatShowsOurOwnItemsIsOurEarlierWriteLanding() {
    inSequence(
        () -> put(urlPathEqualTo(PATH)),
        aResponse().withStatus(502),
        variable(STATE, 20).withStatus(409));
    nomad.stubFor(get(urlPathEqualTo(PATH)).willReturn(variable(Map.of("state", "old"), 12)));

    assertThat(store.save(STATE, 12)).isEqualTo(20);
  }

  @Test
  void refusesEmptyItemsWhichNomadWouldRefuse() {
    assertThatThrownBy(() -> store.save(Map.of(), 0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(nomad.getAllServeEvents()).isEmpty();
  }

  @Test
  void deletesWithCheckAndSet() {
    nomad.stubFor(delete(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(204)));

    store.delete(1457);

    nomad.verify(
        deleteRequestedFor(urlEqualTo(PATH + "?cas=1457&namespace=default"))
            .withHeader("X-Nomad-Token", equalTo(TOKEN)));
  }

  @Test
  void deletingAVariableThatChangedIsAConflict() {
    nomad.stubFor(
        delete(urlPathEqualTo(PATH))
            .willReturn(fixture("nomad/variable-conflict.json", 1457).withStatus(409)));

    CasConflict conflict = catchThrowableOfType(CasConflict.class, () -> store.delete(1400));

    assertThat(conflict.current()).contains(new Stored(DOC_ITEMS, 1457));
  }

  @Test
  void aRepeatedDeleteThatFindsTheVariableGoneIsDone() {
    nomad.stubFor(
        delete(urlPathEqualTo(PATH))
            .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    nomad.stubFor(get(urlPathEqualTo(PATH)).willReturn(notFound()));

    store.delete(1457);

    nomad.verify(1, deleteRequestedFor(urlPathEqualTo(PATH)));
  }

  @Test
  void aForbiddenReadNamesTheRequestButNotTheToken() {
    nomad.stubFor(
        get(urlPathEqualTo(PATH))
            .willReturn(aResponse().withStatus(403).withBody("Permission denied")));

    ApiException failure = catchThrowableOfType(ApiException.class, store::load);

    assertThat(failure.forbidden()).isTrue();
    assertThat(failure.getMessage()).startsWith("GET " + PATH).doesNotContain(TOKEN);
  }

  @Test
  void refusesAPathNomadWouldRefuse() {
    assertThatThrownBy(() -> new NomadVariables(connection(null), "nomad/jobs/../x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new NomadVariables(connection(null), "/leading/slash"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private void inSequence(
      Supplier<MappingBuilder> request,
      ResponseDefinitionBuilder first,
      ResponseDefinitionBuilder then) {
    nomad.stubFor(
        request
            .get()
            .inScenario("repeat")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(first)
            .willSetStateTo("second"));
    nomad.stubFor(
        request.get().inScenario("repeat").whenScenarioStateIs("second").willReturn(then));
  }

  private NomadConnection connection(String namespace) {
    HttpOptions options =
        HttpOptions.defaults().withRetry(RetryPolicy.defaults().withSleeper(sleeper));
    return new NomadConnection(new ApiSettings(nomad.baseUrl(), TOKEN), options, null, namespace);
  }

  static ResponseDefinitionBuilder fixture(String name, long index) {
    return okJson(Fixtures.read(name)).withHeader("X-Nomad-Index", Long.toString(index));
  }

  static ResponseDefinitionBuilder notFound() {
    return aResponse().withStatus(404).withBody("variable not found");
  }

  static ResponseDefinitionBuilder variable(Map<String, String> items, long index) {
    ObjectNode variable = JSON.createObjectNode();
    variable.put("Namespace", "default");
    variable.put("Path", "nomad/jobs/lab-orchestrator/state");
    variable.put("CreateIndex", 10);
    variable.put("ModifyIndex", index);
    items.forEach(variable.putObject("Items")::put);
    return okJson(variable.toString()).withHeader("X-Nomad-Index", Long.toString(index));
  }
}
