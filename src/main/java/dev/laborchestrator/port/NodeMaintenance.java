package dev.laborchestrator.port;

/**
 * Consul node maintenance, which is local to the agent it is called on: {@code PUT
 * /v1/agent/maintenance?enable=true|false&reason=} on the host's own agent. It adds a critical
 * {@code _node_maintenance} check and survives agent restarts, so it must be turned off again.
 */
public interface NodeMaintenance {
  void enable(String hostAddress, String reason);

  void disable(String hostAddress);
}
