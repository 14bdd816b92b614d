package dev.laborchestrator.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.rollout.HostCheckpoint;
import dev.laborchestrator.rollout.HostReport;
import dev.laborchestrator.rollout.HostState;
import dev.laborchestrator.rollout.RolloutResult;
import dev.laborchestrator.rollout.RolloutState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutReportTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

  private Instant now = T0;
  private final Clock clock =
      new Clock() {
        @Override
        public Instant now() {
          return now;
        }

        @Override
        public void sleep(Duration duration) {
          now = now.plus(duration);
        }
      };

  private void step(ReportRecorder recorder, String host, HostState from, HostState to, int secs) {
    now = now.plusSeconds(secs);
    recorder.transition(host, from, to, Duration.ofSeconds(secs), Duration.ZERO, "");
  }

  @Test
  void aRunReportHasEveryStateWithWhenItWasEnteredAndValidates() throws Exception {
    ReportRecorder recorder = new ReportRecorder(clock);
    step(recorder, "web-1", HostState.PENDING, HostState.PREPARING, 0);
    step(recorder, "web-1", HostState.PREPARING, HostState.DRAINING, 1);
    step(recorder, "web-1", HostState.DRAINING, HostState.REBUILDING, 5);
    step(recorder, "web-1", HostState.REBUILDING, HostState.FAILED, 2);
    RolloutResult result =
        new RolloutResult(
            "r-1",
            List.of(
                new HostReport(
                    "web-1",
                    HostState.FAILED,
                    "rebuild failed: exit 1",
                    Map.of(
                        HostState.PREPARING, Duration.ofSeconds(1),
                        HostState.DRAINING, Duration.ofSeconds(5),
                        HostState.REBUILDING, Duration.ofSeconds(2))),
                new HostReport("web-2", HostState.PENDING, null, Map.of())));

    String json = RolloutReport.ofRun(result, recorder, "rev-2", T0, now).toJson();

    assertThat(Schemas.violations("report", json)).as(json).isEmpty();
    JsonNode report = JSON.readTree(json);
    assertThat(report.get("status").asText()).isEqualTo("unfinished");
    JsonNode web1 = report.get("hosts").get(0);
    assertThat(web1.get("result").asText()).isEqualTo("FAILED");
    assertThat(web1.get("action").asText()).isEqualTo("rebooted");
    assertThat(web1.get("reason").asText()).isEqualTo("rebuild failed: exit 1");
    assertThat(web1.get("states").findValuesAsText("state"))
        .containsExactly("PREPARING", "DRAINING", "REBUILDING", "FAILED");
    assertThat(web1.get("states").get(1).get("enteredAt").asText())
        .isEqualTo("2026-12-02T10:00:01Z");
    assertThat(web1.get("states").get(1).get("seconds").asDouble()).isEqualTo(5.0);
    JsonNode web2 = report.get("hosts").get(1);
    assertThat(web2.get("action").asText()).isEqualTo("none");
    assertThat(web2.get("states")).isEmpty();
  }

  @Test
  void theStatusReportDerivesEntryTimesFromTheCheckpointAndValidates() throws Exception {
    Instant updated = Instant.parse("2026-12-02T11:00:00Z");
    HostCheckpoint done =
        new HostCheckpoint(
            "db",
            "node-1",
            HostState.DONE,
            true,
            "boot-1",
            0,
            null,
            null,
            null,
            null,
            Map.of(
                HostState.DRAINING,
                Duration.ofSeconds(10),
                HostState.REBOOTING,
                Duration.ofSeconds(20)),
            updated,
            "rev-1",
            false,
            null,
            0,
            null,
            null,
            false,
            List.of(),
            0);
    RolloutState state =
        new RolloutState("r-2", RolloutState.Status.DONE, null, T0, updated, List.of(done));

    String json = RolloutReport.ofCheckpoint(state).toJson();

    assertThat(Schemas.violations("report", json)).as(json).isEmpty();
    JsonNode host = JSON.readTree(json).get("hosts").get(0);
    assertThat(host.get("timestampsDerived").asBoolean()).isTrue();
    assertThat(host.get("states").findValuesAsText("enteredAt"))
        .containsExactly("2026-12-02T10:59:30Z", "2026-12-02T10:59:40Z", "2026-12-02T11:00:00Z");
  }

  @Test
  void theSchemaRefusesAReportWithoutItsHostResults() {
    String json =
        "{\"schema\":\"lab-orchestrator/report/v1\",\"source\":\"run\",\"rolloutId\":\"r\","
            + "\"status\":\"done\",\"targetRevision\":null,\"startedAt\":null,\"updatedAt\":null,"
            + "\"hosts\":[{\"host\":\"a\",\"states\":[]}]}";
    assertThat(Schemas.violations("report", json)).isNotEmpty();
  }
}
