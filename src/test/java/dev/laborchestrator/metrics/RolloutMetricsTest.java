package dev.laborchestrator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.port.Clock;
import dev.laborchestrator.rollout.HostReport;
import dev.laborchestrator.rollout.HostState;
import dev.laborchestrator.rollout.RolloutResult;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutMetricsTest {
  private final Clock clock =
      new Clock() {
        @Override
        public Instant now() {
          return Instant.ofEpochSecond(1_800_000_000L);
        }

        @Override
        public void sleep(Duration duration) {}
      };

  private static String scrape(RolloutMetrics metrics) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new PrometheusTextFormatWriter(false).write(out, metrics.registry().scrape());
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void countsHostsByStateTimesPhasesAndRecordsTheResult() throws IOException {
    RolloutMetrics metrics = RolloutMetrics.detached(clock);
    Map<String, HostState> hosts = new LinkedHashMap<>();
    hosts.put("a", HostState.PENDING);
    hosts.put("b", HostState.PENDING);
    metrics.started("r-1", hosts, false);
    metrics.lockHeld(true);
    metrics.transition(
        "a", HostState.PENDING, HostState.PREPARING, Duration.ZERO, Duration.ZERO, "");
    metrics.transition(
        "a", HostState.PREPARING, HostState.DRAINING, Duration.ofSeconds(3), Duration.ZERO, "");

    String during = scrape(metrics);
    assertThat(during)
        .contains("lab_orchestrator_hosts{state=\"PENDING\"} 1.0")
        .contains("lab_orchestrator_hosts{state=\"DRAINING\"} 1.0")
        .contains("lab_orchestrator_phase_duration_seconds_count{phase=\"PREPARING\"} 1")
        .contains("lab_orchestrator_phase_duration_seconds_sum{phase=\"PREPARING\"} 3.0")
        .contains("lab_orchestrator_lock_held 1.0");

    metrics.attempt("nomad", "2xx");
    metrics.retry("consul");
    metrics.finished(
        new RolloutResult(
            "r-1",
            List.of(
                new HostReport("a", HostState.DONE, null, Map.of()),
                new HostReport("b", HostState.DONE, null, Map.of()))));
    String after = scrape(metrics);
    assertThat(after)
        .contains("lab_orchestrator_hosts{state=\"DONE\"} 2.0")
        .contains("lab_orchestrator_hosts{state=\"PENDING\"} 0.0")
        .contains("lab_orchestrator_rollout_result{result=\"done\"} 1.0")
        .contains("lab_orchestrator_rollout_result{result=\"failed\"} 0.0")
        .contains("lab_orchestrator_last_success_timestamp_seconds 1.8E9")
        .contains("lab_orchestrator_api_requests_total{api=\"nomad\",outcome=\"2xx\"} 1.0")
        .contains("lab_orchestrator_api_retries_total{api=\"consul\"} 1.0");
  }
}
