package dev.laborchestrator.port;

import java.util.List;

/**
 * Raft health of the Nomad or the Consul servers: {@code GET /v1/operator/autopilot/health}, which
 * answers HTTP 429 (with the same body) when the cluster is unhealthy.
 */
public interface Autopilot {
  Health health();

  /** Healthy with a failure tolerance of at least one: a server may go down. */
  record Health(boolean healthy, int failureTolerance, List<Server> servers) {
    public Health {
      servers = List.copyOf(servers);
    }

    public boolean toleratesAFailure() {
      return healthy && failureTolerance >= 1;
    }
  }

  /** One server: its name (Consul: the node name; Nomad: {@code name.region}) and RPC address. */
  record Server(String id, String name, String address, boolean leader, boolean healthy) {}
}
