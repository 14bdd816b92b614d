package dev.laborchestrator.nomad;

import dev.laborchestrator.http.AutopilotOverHttp;

/**
 * {@link dev.laborchestrator.port.Autopilot} of the Nomad servers: {@code GET
 * /v1/operator/autopilot/health} (ACL {@code operator:read}), where HTTP 429 is the unhealthy
 * report, not a failure.
 */
public final class NomadAutopilot extends AutopilotOverHttp {
  public NomadAutopilot(NomadConnection connection) {
    super(connection.api());
  }
}
