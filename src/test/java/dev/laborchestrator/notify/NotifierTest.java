package dev.laborchestrator.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.laborchestrator.config.OrchestratorConfig.NotifyEvent;
import dev.laborchestrator.config.OrchestratorConfig.NotifyFormat;
import dev.laborchestrator.config.OrchestratorConfig.NotifySettings;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.report.Schemas;
import dev.laborchestrator.rollout.HostReport;
import dev.laborchestrator.rollout.HostState;
import dev.laborchestrator.rollout.RolloutResult;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NotifierTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final MockWebServer server = new MockWebServer();
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  private final Clock clock =
      new Clock() {
        @Override
        public Instant now() {
          return Instant.parse("2026-12-02T10:00:00Z");
        }

        @Override
        public void sleep(Duration duration) {
          sleeps.add(duration);
        }
      };

  @AfterEach
  void stop() throws Exception {
    server.shutdown();
  }

  private NotifySettings target(NotifyFormat format, Set<NotifyEvent> events, String path) {
    return new NotifySettings(URI.create(server.url(path).toString()), format, events);
  }

  private Notifier notifier(NotifySettings... targets) {
    return new Notifier(List.of(targets), clock, warnings::add);
  }

  private static void rollout(Notifier notifier) {
    Map<String, HostState> hosts = new LinkedHashMap<>();
    hosts.put("web-1", HostState.PENDING);
    hosts.put("web-2", HostState.PENDING);
    notifier.started("r-1", hosts, false);
    notifier.transition(
        "web-1", HostState.PENDING, HostState.PREPARING, Duration.ZERO, Duration.ZERO, "");
    notifier.transition(
        "web-1",
        HostState.ENABLING,
        HostState.DONE,
        Duration.ofSeconds(1),
        Duration.ofSeconds(42),
        "");
    notifier.transition(
        "web-2",
        HostState.RETURNING,
        HostState.FAILED,
        Duration.ofSeconds(4),
        Duration.ofSeconds(9),
        "did not return to ready within 4s");
    notifier.held("outside the maintenance window", true, 1);
    notifier.finished(
        new RolloutResult(
            "r-1",
            List.of(
                new HostReport("web-1", HostState.DONE, null, Map.of()),
                new HostReport("web-2", HostState.FAILED, "did not return", Map.of()))));
  }

  private List<RecordedRequest> received(int count) throws InterruptedException {
    List<RecordedRequest> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      RecordedRequest r = server.takeRequest(10, TimeUnit.SECONDS);
      assertThat(r).as("request %d of %d", i + 1, count).isNotNull();
      out.add(r);
    }
    return out;
  }

  @Test
  void sendsEachEventAsJsonThatMatchesItsSchemaInOrder() throws Exception {
    for (int i = 0; i < 5; i++) {
      server.enqueue(new MockResponse().setResponseCode(204));
    }
    Notifier notifier =
        notifier(target(NotifyFormat.JSON, EnumSet.allOf(NotifyEvent.class), "/hook"));
    rollout(notifier);
    notifier.close(Duration.ofSeconds(10));

    List<String> events = new ArrayList<>();
    for (RecordedRequest r : received(5)) {
      String body = r.getBody().readUtf8();
      assertThat(Schemas.violations("notification", body)).as(body).isEmpty();
      assertThat(r.getHeader("Content-Type")).startsWith("application/json");
      JsonNode json = JSON.readTree(body);
      events.add(json.get("event").asText());
      assertThat(json.get("rolloutId").asText()).isEqualTo("r-1");
      if (json.get("event").asText().equals("host-failed")) {
        assertThat(json.get("host").asText()).isEqualTo("web-2");
        assertThat(json.get("reason").asText()).contains("did not return to ready");
      }
    }
    assertThat(events).containsExactly("started", "host-done", "host-failed", "paused", "done");
    assertThat(warnings).isEmpty();
  }

  @Test
  void sendsOnlyTheChosenEventsAsSlackTextOrNtfyPlainText() throws Exception {
    server.enqueue(new MockResponse());
    server.enqueue(new MockResponse());
    Notifier notifier =
        notifier(
            target(NotifyFormat.SLACK, EnumSet.of(NotifyEvent.HOST_FAILED), "/slack"),
            target(NotifyFormat.NTFY, EnumSet.of(NotifyEvent.DONE), "/ntfy-topic"));
    rollout(notifier);
    notifier.close(Duration.ofSeconds(10));

    List<RecordedRequest> requests = received(2);
    assertThat(server.takeRequest(200, TimeUnit.MILLISECONDS)).as("no third request").isNull();
    RecordedRequest slack = requests.get(0);
    assertThat(slack.getPath()).isEqualTo("/slack");
    JsonNode text = JSON.readTree(slack.getBody().readUtf8());
    assertThat(text.size()).isEqualTo(1);
    assertThat(text.get("text").asText()).contains("web-2 FAILED: did not return to ready");
    RecordedRequest ntfy = requests.get(1);
    assertThat(ntfy.getPath()).isEqualTo("/ntfy-topic");
    assertThat(ntfy.getHeader("Title")).isEqualTo("lab-orchestrator: done");
    assertThat(ntfy.getHeader("Content-Type")).startsWith("text/plain");
    assertThat(ntfy.getBody().readUtf8())
        .contains("Rollout r-1 ended unfinished: 1 done, 1 failed");
  }

  @Test
  void aFailingReceiverGetsAFewAttemptsAndIsReportedOnceWithoutItsSecret() throws Exception {
    for (int i = 0; i < Notifier.ATTEMPTS; i++) {
      server.enqueue(new MockResponse().setResponseCode(503));
    }
    Notifier notifier =
        notifier(target(NotifyFormat.JSON, EnumSet.of(NotifyEvent.DONE), "/hook/SECRET-TOKEN"));
    rollout(notifier);
    notifier.close(Duration.ofSeconds(10));

    assertThat(server.getRequestCount()).isEqualTo(Notifier.ATTEMPTS);
    assertThat(sleeps).hasSize(Notifier.ATTEMPTS - 1);
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0))
        .contains("the done notification was not delivered (HTTP 503)")
        .doesNotContain("SECRET");
  }

  @Test
  void aReceiverThatHangsDoesNotHoldUpTheCaller() throws Exception {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
    Notifier notifier =
        notifier(target(NotifyFormat.JSON, EnumSet.allOf(NotifyEvent.class), "/hook"));
    rollout(notifier);
    // Sent in line, the five events would all have reached the server by now (only the first
    // hangs, until the 10 s call timeout); queued, the first is still waiting for its answer.
    int seenByServer = server.getRequestCount();
    notifier.close(Duration.ofMillis(100));

    assertThat(seenByServer).isLessThanOrEqualTo(1);
    assertThat(warnings).anyMatch(w -> w.contains("not sent before the run ended"));
  }
}
