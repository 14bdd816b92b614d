package dev.laborchestrator.port;

import java.util.List;

/** Consul's health API as the controller uses it. */
public interface ConsulHealth {
  /**
   * {@code GET /v1/health/node/:node}: every check on the node, {@code serfHealth} included. An
   * agent that left on shutdown is deregistered, so an empty list is possible and means "not
   * healthy".
   */
  Indexed<List<HealthCheck>> nodeChecks(String consulNodeName, BlockingQuery query);
}
