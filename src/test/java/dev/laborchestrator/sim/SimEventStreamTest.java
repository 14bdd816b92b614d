package dev.laborchestrator.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/event/stream} of the simulated Nomad, against nomad/stream and events.mdx. */
class SimEventStreamTest {
  static final long START = Instant.parse("2026-11-22T03:00:00Z").toEpochMilli();
  static final String TOKEN = "mgmt-token";
  static final String WORKLOAD = "workload-token";
  static final String END = "<end of stream>";

  final AtomicLong now = new AtomicLong(START);
  final List<Lines> open = new ArrayList<>();
  SimLab lab;

  SimLab lab(SimLab.Builder builder) {
    lab =
        builder
            .timing(SimDrainTest.TIMING)
            .clock(now::get)
            .node(SimNode.named("web-1").serviceAllocs(1))
            .node(SimNode.named("web-2"))
            .build()
            .start();
    return lab;
  }

  @AfterEach
  void stop() {
    open.forEach(Lines::close);
    if (lab != null) {
      lab.close();
    }
  }

  /** Advances the scripted clock by {@code step} and lets the lab catch up. */
  void advance(Duration step) {
    now.addAndGet(step.toMillis());
    lab.tickNow();
  }

  /** The lines of one open stream, read by a daemon thread; {@link #END} after the last. */
  final class Lines {
    final int status;
    final String error;
    private final InputStream body;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    Lines(String query, String token) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(
              java.net.URI.create(lab.nomadAddress() + "/v1/event/stream" + query));
      if (token != null) {
        request.header("X-Nomad-Token", token);
      }
      try {
        HttpResponse<InputStream> response =
            HttpClient.newHttpClient()
                .send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        status = response.statusCode();
        body = response.body();
      } catch (IOException | InterruptedException e) {
        throw new AssertionError(e);
      }
      if (status != 200) {
        try (body) {
          error = new String(body.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new AssertionError(e);
        }
        return;
      }
      error = null;
      open.add(this);
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                  for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                  }
                } catch (IOException e) {
                  // closed by the test
                }
                lines.add(END);
              });
      reader.setDaemon(true);
      reader.start();
    }

    String next() {
      try {
        String line = lines.poll(10, TimeUnit.SECONDS);
        if (line == null) {
          throw new AssertionError("no line from the event stream within 10 s");
        }
        return line;
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }

    /** The next frame with events, skipping heartbeats; null at the end of the stream. */
    JsonNode frame() {
      while (true) {
        String line = next();
        if (line.equals(END)) {
          return null;
        }
        if (!line.equals("{}")) {
          return parse(line);
        }
      }
    }

    void close() {
      try {
        body.close();
      } catch (IOException e) {
        // already gone
      }
    }
  }

  static JsonNode parse(String line) {
    try {
      return SimHttp.JSON.readTree(line);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + line, e);
    }
  }

  Lines stream(String query) {
    return new Lines(query, null);
  }

  /** One frame per toggle: web-2 ineligible, eligible, ... */
  void toggleWeb2(int times) {
    for (int i = 0; i < times; i++) {
      lab.operatorSetEligibility("web-2", i % 2 == 1);
    }
  }

  @Test
  void sendsAHeartbeatFirstThenTheBacklogAndNewFramesAsNdjson() {
    lab(SimLab.builder().eventHeartbeat(Duration.ofMillis(50)));
    List<Long> backlog = lab.eventBufferIndexes();

    Lines lines = stream("?topic=Node");

    assertThat(lines.next()).isEqualTo("{}");
    JsonNode first = lines.frame();
    // nomad/stream/event_broker.go Subscribe: index 0 starts at the buffer's head.
    assertThat(first.get("Index").asLong()).isEqualTo(backlog.get(0));
    JsonNode event = first.get("Events").get(0);
    assertThat(event.get("Topic").asText()).isEqualTo("Node");
    assertThat(event.get("Type").asText()).isEqualTo("NodeRegistration");
    assertThat(event.get("Namespace").asText()).isEmpty();
    assertThat(event.get("FilterKeys").isNull()).isTrue();
    assertThat(event.get("Index").asLong()).isEqualTo(first.get("Index").asLong());
    assertThat(event.get("Payload").get("Node").get("Name").asText()).isEqualTo("web-1");
    assertThat(event.get("Key").asText()).isEqualTo(lab.node("web-1").id());
    // Heartbeats go on while nothing happens (every 50 ms here).
    String line;
    do {
      line = lines.next();
    } while (!line.equals("{}"));
  }

  @Test
  void aDrainAndRebootStreamNodeDrainStatusChangesAndARegistrationButNeverNodeEvent() {
    lab(SimLab.builder());
    String web1 = lab.node("web-1").id();
    long from = lab.eventBufferIndexes().get(lab.eventBufferIndexes().size() - 1) + 1;
    Lines lines = stream("?topic=Node:" + web1 + "&topic=Allocation&index=" + from);

    SimHttp.Answer drain =
        SimHttp.post(
            lab.nomadAddress() + "/v1/node/" + web1 + "/drain",
            "{\"DrainSpec\":{\"Deadline\":0,\"IgnoreSystemJobs\":false}}");
    assertThat(drain.status()).isEqualTo(200);
    lab.operatorSetEligibility("web-2", false); // another node's event: filtered out by key
    for (int i = 0; i < 20 && lab.node("web-1").draining(); i++) {
      advance(Duration.ofMillis(100));
    }
    assertThat(SimHttp.post(lab.nomadAddress() + "/sim/v1/reboot/web-1", "").status())
        .isEqualTo(202);
    for (int i = 0; i < 40 && !(lab.node("web-1").ready() && !lab.node("web-1").rebooting()); i++) {
      advance(Duration.ofMillis(100));
    }
    assertThat(lab.node("web-1").ready()).isTrue();

    List<String> nodeEvents = new ArrayList<>();
    List<String> allocTypes = new ArrayList<>();
    while (!nodeEvents.contains("NodeStreamEvent ready")) {
      JsonNode frame = lines.frame();
      assertThat(frame).as("stream ended early after %s", nodeEvents).isNotNull();
      for (JsonNode e : frame.get("Events")) {
        if (e.get("Topic").asText().equals("Node")) {
          assertThat(e.get("Key").asText()).isEqualTo(web1);
          JsonNode node = e.get("Payload").get("Node");
          String what =
              e.get("Type").asText().equals("NodeDrain")
                  ? node.get("DrainStrategy").isNull() ? "complete" : "set"
                  : node.get("Status").asText();
          nodeEvents.add(e.get("Type").asText() + " " + what);
        } else {
          allocTypes.add(e.get("Type").asText());
          assertThat(e.get("Payload").get("Allocation").get("Job").isNull()).isTrue();
          assertThat(e.get("FilterKeys").get(0).asText())
              .isEqualTo(e.get("Payload").get("Allocation").get("JobID").asText());
        }
      }
    }

    assertThat(nodeEvents)
        .containsSubsequence(
            "NodeDrain set",
            "NodeDrain complete",
            "NodeStreamEvent down",
            "NodeRegistration initializing",
            "NodeStreamEvent ready");
    assertThat(nodeEvents).noneMatch(e -> e.startsWith("NodeEvent"));
    assertThat(allocTypes)
        .contains("AllocationUpdateDesiredStatus", "PlanResult", "AllocationUpdated");
  }

  @Test
  void resumesAtTheRequestedIndexInclusively() {
    lab(SimLab.builder());
    toggleWeb2(5);
    List<Long> indexes = lab.eventBufferIndexes();
    long n = indexes.get(indexes.size() - 3);

    Lines lines = stream("?topic=Node&index=" + n);

    assertThat(lines.frame().get("Index").asLong()).isEqualTo(n);
    assertThat(lines.frame().get("Index").asLong()).isEqualTo(indexes.get(indexes.size() - 2));
  }

  @Test
  void aResumeFromAnIndexThatAgedOutStartsSilentlyAtTheOldestFrame() {
    lab(SimLab.builder());
    long first = lab.eventBufferIndexes().get(0);
    toggleWeb2(120);
    List<Long> indexes = lab.eventBufferIndexes();
    assertThat(indexes).hasSize(100);
    assertThat(indexes.get(0)).isGreaterThan(first);

    Lines lines = stream("?topic=Node&index=" + first);

    assertThat(lines.next()).isEqualTo("{}");
    assertThat(lines.frame().get("Index").asLong()).isEqualTo(indexes.get(0));
  }

  @Test
  void refusesATopicTheTokenMayNotReadAndAllTopicsWithoutManagement() {
    lab(SimLab.builder().nomadToken(TOKEN).nomadWorkloadToken(WORKLOAD));
    lab.workloadMayReadNodes(false);

    Lines node = new Lines("?topic=Node", WORKLOAD);
    Lines all = new Lines("", WORKLOAD);
    Lines allocs = new Lines("?topic=Allocation", WORKLOAD);
    Lines management = new Lines("?topic=Node", TOKEN);

    assertThat(node.status).isEqualTo(403);
    assertThat(node.error).isEqualTo("Permission denied");
    assertThat(all.status).isEqualTo(403);
    assertThat(allocs.status).isEqualTo(200);
    assertThat(management.status).isEqualTo(200);
    assertThat(lab.requests())
        .filteredOn(r -> r.path().equals("/v1/event/stream"))
        .extracting(SimRequest::status)
        .containsExactly(403, 403, 200, 200);
  }

  @Test
  void streamsEndWhenTheServerEndsThemOrRefusesNewOnesAndWhenTheLabCloses() {
    lab(SimLab.builder());
    List<Long> indexes = lab.eventBufferIndexes();
    Lines first = stream("?topic=Node&index=999999");
    assertThat(first.next()).isEqualTo("{}");
    // index beyond the newest frame: event_buffer.go StartAtClosest returns the tail again.
    assertThat(first.frame().get("Index").asLong()).isEqualTo(indexes.get(indexes.size() - 1));

    lab.endEventStreams();
    assertThat(first.frame()).isNull();

    lab.globalFaults().refuseEventStreams(500);
    assertThat(stream("?topic=Node").status).isEqualTo(500);
    lab.globalFaults().refuseEventStreams(0);

    Lines second = stream("?topic=Node&index=999999");
    assertThat(second.next()).isEqualTo("{}");
    assertThat(second.frame().get("Index").asLong()).isEqualTo(indexes.get(indexes.size() - 1));
    lab.close();
    assertThat(second.frame()).isNull();
  }
}
