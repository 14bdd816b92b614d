package dev.laborchestrator.nomad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.NomadEvents;
import dev.laborchestrator.port.NomadEvents.Frame;
import dev.laborchestrator.sim.SimLab;
import dev.laborchestrator.sim.SimNode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The event stream adapter against the simulated lab's stream (30 s heartbeats, as Nomad's). */
class NomadEventStreamSimTest {
  SimLab lab;

  @BeforeEach
  void start() {
    lab = SimLab.builder().node(SimNode.named("web-1").serviceAllocs(1)).build().start();
  }

  @AfterEach
  void stop() {
    lab.close();
  }

  NomadEventStream events(Duration readTimeout) {
    return new NomadEventStream(
        new NomadConnection(
            new ApiSettings(lab.nomadAddress(), null), HttpOptions.defaults(), null, null),
        readTimeout);
  }

  @Test
  void readsTheLabsBacklogAsTypedNodeAndAllocationEvents() {
    try (NomadEvents.Stream stream =
        events(NomadEventStream.READ_TIMEOUT).open(0, NomadEvents.TOPICS)) {
      assertThat(stream.next().heartbeat()).isTrue();
      Frame registered = stream.next();
      Frame placed = stream.next();

      assertThat(registered.events().get(0).type()).isEqualTo("NodeRegistration");
      assertThat(registered.events().get(0).node().name()).isEqualTo("web-1");
      assertThat(placed.events().get(0).type()).isEqualTo("PlanResult");
      assertThat(placed.events().get(0).allocation().nodeId()).isEqualTo(lab.node("web-1").id());
    }
  }

  @Test
  void aStreamSilentForLongerThanTheReadTimeoutIsATransientFailure() {
    try (NomadEvents.Stream stream =
        events(Duration.ofSeconds(1)).open(999_999, NomadEvents.TOPICS)) {
      assertThat(stream.next().heartbeat()).isTrue();
      stream.next(); // the newest frame, which Nomad repeats for an index beyond it

      ApiException e = catchThrowableOfType(stream::next, ApiException.class);

      assertThat(e.transientFailure()).isTrue();
      assertThat(e.getMessage()).contains("GET /v1/event/stream", "not even a heartbeat");
    }
  }

  @Test
  void closeFromAnotherThreadEndsABlockedRead() throws Exception {
    NomadEvents.Stream stream =
        events(NomadEventStream.READ_TIMEOUT).open(999_999, NomadEvents.TOPICS);
    assertThat(stream.next().heartbeat()).isTrue();
    stream.next();
    CompletableFuture<Frame> blocked = CompletableFuture.supplyAsync(stream::next);

    stream.close();

    assertThat(blocked.get(10, TimeUnit.SECONDS)).isNull();
  }

  @Test
  void theEndOfTheLabEndsTheStream() {
    try (NomadEvents.Stream stream =
        events(NomadEventStream.READ_TIMEOUT).open(999_999, NomadEvents.TOPICS)) {
      assertThat(stream.next().heartbeat()).isTrue();
      stream.next();
      lab.endEventStreams();

      assertThat(stream.next()).isNull();
    }
  }
}
