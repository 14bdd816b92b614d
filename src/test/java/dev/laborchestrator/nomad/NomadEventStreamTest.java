package dev.laborchestrator.nomad;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.Fixtures;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.NomadEvents;
import dev.laborchestrator.port.NomadEvents.Event;
import dev.laborchestrator.port.NomadEvents.Frame;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Contract tests of the event stream adapter against the sample of Nomad's events API docs and
 * frames derived from it (fixtures/README.md).
 */
class NomadEventStreamTest {
  private static final String TOKEN = "nomad-secret-7a21c4d2-visible-if-leaked";
  private static final String PATH = "/v1/event/stream";

  @RegisterExtension
  static WireMockExtension nomad =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private NomadEventStream events() {
    return new NomadEventStream(
        new NomadConnection(
            new ApiSettings(nomad.baseUrl(), TOKEN), HttpOptions.defaults(), null, null));
  }

  private static void stream(String body) {
    nomad.stubFor(
        get(urlPathEqualTo(PATH))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", "application/json")
                    .withBody(body)));
  }

  @Test
  void readsTheDocsSampleANodeStreamEventAndAnAllocationAfterTheHeartbeat() {
    stream(
        "{}\n"
            + Fixtures.read("nomad/event-stream-sample.ndjson")
            + Fixtures.read("nomad/event-stream-node-ready.ndjson")
            + Fixtures.read("nomad/event-stream-alloc.ndjson"));

    try (NomadEvents.Stream stream = events().open(5, NomadEvents.TOPICS)) {
      assertThat(stream.next()).isSameAs(Frame.HEARTBEAT);

      Frame sample = stream.next();
      assertThat(sample.index()).isEqualTo(7);
      Event registration = sample.events().get(0);
      assertThat(registration.topic()).isEqualTo("Node");
      assertThat(registration.type()).isEqualTo("NodeRegistration");
      assertThat(registration.key()).isEqualTo("ccc4ce56-7f0a-4124-b8b1-a4015aa82c40");
      assertThat(registration.index()).isEqualTo(7);
      assertThat(registration.node().name()).isEqualTo("nomad-4");
      assertThat(registration.node().status()).isEqualTo("initializing");
      assertThat(registration.allocation()).isNull();

      Event ready = stream.next().events().get(0);
      assertThat(ready.type()).isEqualTo("NodeStreamEvent");
      assertThat(ready.node().ready()).isTrue();

      Frame placed = stream.next();
      assertThat(placed.index()).isEqualTo(9);
      Event alloc = placed.events().get(0);
      assertThat(alloc.type()).isEqualTo("PlanResult");
      assertThat(alloc.node()).isNull();
      assertThat(alloc.allocation().id()).isEqualTo("fefe81d0-08b2-4eca-fae6-6560cde46d31");
      assertThat(alloc.allocation().nodeId()).isEqualTo("f7476465-4d6e-c0de-26d0-e383c49be941");
      assertThat(alloc.allocation().job()).isNull();
      assertThat(alloc.allocation().active()).isTrue();

      assertThat(stream.next()).as("the server ended the stream").isNull();
    }
    nomad.verify(
        getRequestedFor(urlEqualTo(PATH + "?index=5&topic=Node&topic=Allocation"))
            .withHeader("X-Nomad-Token", equalTo(TOKEN)));
  }

  @Test
  void aFrameOfAnUnexpectedShapeSaysWhatWasWrong() {
    stream("{}\n{\"Index\":12,\"Events\":[{\"Topic\":\"Node\",\"Type\":\"NodeDrain\"}]}\n");

    try (NomadEvents.Stream stream = events().open(0, NomadEvents.TOPICS)) {
      assertThat(stream.next().heartbeat()).isTrue();
      ApiException e = catchThrowableOfType(stream::next, ApiException.class);

      assertThat(e.unexpectedShape()).isTrue();
      assertThat(e.transientFailure()).isFalse();
      assertThat(e.getMessage())
          .contains("GET /v1/event/stream", "event #0 of the frame at index 12 has no Key");
    }
  }

  @Test
  void aRefusalIsNotTransientAndNamesTheCapabilitiesButNotTheToken() {
    nomad.stubFor(
        get(urlPathEqualTo(PATH))
            .willReturn(aResponse().withStatus(403).withBody("Permission denied")));

    ApiException e =
        catchThrowableOfType(() -> events().open(0, NomadEvents.TOPICS), ApiException.class);

    assertThat(e.status()).isEqualTo(403);
    assertThat(e.transientFailure()).isFalse();
    assertThat(e.getMessage())
        .contains("Permission denied", "node:read", "read-job")
        .doesNotContain(TOKEN);
  }

  @Test
  void parsesAHeartbeatAsSuch() {
    assertThat(NomadEventStream.parse("{}")).isSameAs(Frame.HEARTBEAT);
    assertThat(NomadEventStream.parse("{\"Index\":3,\"Events\":[]}").events()).isEqualTo(List.of());
  }
}
