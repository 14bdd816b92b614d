package dev.laborchestrator.consul;

import dev.laborchestrator.http.HttpApi;
import dev.laborchestrator.http.HttpApi.Exchange;
import dev.laborchestrator.port.NodeMaintenance;
import java.util.List;
import java.util.Objects;

/**
 * {@link NodeMaintenance} on each host's own Consul agent: {@code PUT
 * /v1/agent/maintenance?enable=true&reason=...} (ACL {@code node:write}) at {@code
 * <scheme>://<hostAddress>:<port>}, with scheme, port, token and TLS of the configured Consul
 * address. Consul documents the call as idempotent, so it is retried on transient failures.
 */
public final class ConsulNodeMaintenance implements NodeMaintenance {
  private static final List<String> PATH = List.of("v1", "agent", "maintenance");

  private final HttpApi api;

  public ConsulNodeMaintenance(ConsulConnection connection) {
    this.api = connection.api();
  }

  /**
   * @throws IllegalArgumentException when {@code hostAddress} is not a host name or IP address
   */
  @Override
  public void enable(String hostAddress, String reason) {
    Objects.requireNonNull(reason, "reason");
    send(hostAddress, Exchange.put(PATH, null).query("enable", "true").query("reason", reason));
  }

  /**
   * @throws IllegalArgumentException when {@code hostAddress} is not a host name or IP address
   */
  @Override
  public void disable(String hostAddress) {
    send(hostAddress, Exchange.put(PATH, null).query("enable", "false"));
  }

  private void send(String hostAddress, Exchange exchange) {
    HttpApi agent = api.atHost(Objects.requireNonNull(hostAddress, "hostAddress"));
    agent.retry().run(() -> agent.send(exchange, answer -> null));
  }

  @Override
  public String toString() {
    return "ConsulNodeMaintenance[" + api + "]";
  }
}
