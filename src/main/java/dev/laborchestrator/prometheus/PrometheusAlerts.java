package dev.laborchestrator.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import dev.laborchestrator.http.HttpApi;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.http.RetryPolicy;
import dev.laborchestrator.http.UnexpectedShape;
import dev.laborchestrator.port.ActiveAlerts;
import java.util.ArrayList;
import java.util.List;

/**
 * Active alerts from Prometheus, as kured reads them (kubereboot/kured pkg/blockers/prometheus.go
 * {@code ActiveAlerts}): an instant query of the {@code ALERTS} series, {@code GET
 * /api/v1/query?query=ALERTS}, whose answer is (prometheus/prometheus docs/querying/api.md,
 * "Instant queries" and "Expression query result formats") {@code {"status":"success","data":
 * {"resultType":"vector","result":[{"metric":{"__name__":"ALERTS","alertname":"...","alertstate":
 * "firing"},"value":[<unix time>,"1"]}]}}}. A sample whose value is 0 is not active.
 */
public final class PrometheusAlerts implements ActiveAlerts {
  private final HttpApi api;

  /**
   * @param url Prometheus's base URL, e.g. {@code http://prometheus:9090}
   */
  public PrometheusAlerts(String url) {
    // Prometheus has no blocking queries: the index header is never read. One attempt per ask:
    // the gate asks again on its own interval, and an unreachable Prometheus simply holds.
    this.api =
        HttpApi.builder(url)
            .indexHeader("X-Prometheus-Unused-Index")
            .options(HttpOptions.defaults().withRetry(RetryPolicy.none()))
            .build();
  }

  @Override
  public List<Alert> active() {
    return api.send(
        HttpApi.Exchange.get(List.of("api", "v1", "query")).query("query", "ALERTS"),
        answer -> alerts(answer.json()));
  }

  static List<Alert> alerts(JsonNode body) {
    if (!"success".equals(body.path("status").asText())) {
      throw new UnexpectedShape("status is not success: " + body.path("error").asText(""));
    }
    JsonNode data = body.path("data");
    if (!"vector".equals(data.path("resultType").asText()) || !data.path("result").isArray()) {
      throw new UnexpectedShape("the answer to ALERTS is not a vector");
    }
    List<Alert> alerts = new ArrayList<>();
    for (JsonNode sample : data.path("result")) {
      JsonNode metric = sample.path("metric");
      String name = metric.path("alertname").asText(null);
      JsonNode value = sample.path("value");
      if (name == null || !value.isArray() || value.size() != 2) {
        throw new UnexpectedShape("an ALERTS sample without alertname or value");
      }
      double v;
      try {
        v = Double.parseDouble(value.get(1).asText());
      } catch (NumberFormatException e) {
        throw new UnexpectedShape("an ALERTS sample value is not a number");
      }
      if (v != 0) {
        alerts.add(new Alert(name, metric.path("alertstate").asText("")));
      }
    }
    return alerts;
  }
}
