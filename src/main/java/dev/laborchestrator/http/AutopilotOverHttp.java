package dev.laborchestrator.http;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.laborchestrator.http.HttpApi.Exchange;
import dev.laborchestrator.port.Autopilot;
import java.util.List;

/**
 * {@link Autopilot} over {@code GET /v1/operator/autopilot/health}, which Nomad and Consul answer
 * alike: 200 when healthy, 429 with the same body when not. Both are read as a report; other
 * failures are retried as transient reads.
 */
public abstract class AutopilotOverHttp implements Autopilot {
  private static final List<String> PATH = List.of("v1", "operator", "autopilot", "health");
  private static final Exchange HEALTH = Exchange.get(PATH).answering(429);

  private final HttpApi api;

  protected AutopilotOverHttp(HttpApi api) {
    this.api = api;
  }

  @Override
  public final Health health() {
    return api.retry().run(() -> api.send(HEALTH, answer -> parse(answer.json())));
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + api + "]";
  }

  static Health parse(JsonNode body) {
    Report report = JsonShapes.objectOf(body, "autopilot health", Report.class);
    if (report.healthy() == null) {
      throw new UnexpectedShape("autopilot health has no Healthy");
    }
    if (report.failureTolerance() == null) {
      throw new UnexpectedShape("autopilot health has no FailureTolerance");
    }
    JsonNode servers = body.get("Servers");
    List<Server> parsed =
        servers == null || servers.isNull()
            ? List.of()
            : JsonShapes.listOf(servers, "server", ServerEntry.class, "ID", "Name").stream()
                .map(ServerEntry::toPort)
                .toList();
    return new Health(report.healthy(), report.failureTolerance(), parsed);
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Report(
      @JsonProperty("Healthy") Boolean healthy,
      @JsonProperty("FailureTolerance") Integer failureTolerance) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record ServerEntry(
      @JsonProperty("ID") String id,
      @JsonProperty("Name") String name,
      @JsonProperty("Address") String address,
      @JsonProperty("Leader") boolean leader,
      @JsonProperty("Healthy") boolean healthy) {
    Server toPort() {
      return new Server(id, name, address, leader, healthy);
    }
  }
}
