package dev.laborchestrator.consul;

import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.HttpApi;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.http.JsonShapes;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.ConsulHealth;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.Indexed;
import java.util.List;

/** {@link ConsulHealth} over Consul's HTTP API; reads are retried on transient failures. */
public final class ConsulHttpClient implements ConsulHealth {
  private final HttpApi api;

  public ConsulHttpClient(ApiSettings settings, HttpOptions options) {
    this(new ConsulConnection(settings, options));
  }

  /** Shares the connection (and its OkHttp client) with the other Consul adapters. */
  public ConsulHttpClient(ConsulConnection connection) {
    this.api = connection.api();
  }

  @Override
  public Indexed<List<HealthCheck>> nodeChecks(String consulNodeName, BlockingQuery query) {
    return api.getIndexed(
        List.of("v1", "health", "node", consulNodeName),
        query,
        body -> JsonShapes.listOf(body, "check", HealthCheck.class, "CheckID", "Status"));
  }

  @Override
  public String toString() {
    return "ConsulHttpClient[" + api + "]";
  }
}
