package dev.laborchestrator.consul;

import dev.laborchestrator.http.AutopilotOverHttp;

/**
 * {@link dev.laborchestrator.port.Autopilot} of the Consul servers: {@code GET
 * /v1/operator/autopilot/health} (ACL {@code operator:read}) on the configured agent, where HTTP
 * 429 is the unhealthy report, not a failure.
 */
public final class ConsulAutopilot extends AutopilotOverHttp {
  public ConsulAutopilot(ConsulConnection connection) {
    super(connection.api());
  }
}
