package dev.laborchestrator.sim;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;

/**
 * One host's own Consul agent, listening on the host's address and the lab's Consul port, where
 * {@code PUT /v1/agent/maintenance} acts on that host alone (website/content/api-docs/agent/
 * index.mdx "Enable Maintenance Mode"; agent/agent_endpoint.go {@code AgentNodeMaintenance}). Every
 * other path but {@code POST /v1/internal/acl/authorize} is 404. While the host is down its agent
 * is not running, and every connection is dropped unanswered; so it is with {@link
 * SimFaults#agentUnreachable}, as for an agent whose HTTP API listens on 127.0.0.1 only.
 */
final class ConsulAgentApi extends ApiServer {

  private static final String MAINTENANCE = "/v1/agent/maintenance";

  private final String hostname;
  private final String consulName;
  private final SimConsulAcl acl;

  /**
   * @param acl the lab's Consul token and its permissions
   * @throws java.io.UncheckedIOException when the address cannot be had
   */
  ConsulAgentApi(Cluster cluster, String hostname, String address, int port, SimConsulAcl acl) {
    super(cluster, "Consul agent of " + hostname, bind(address, port));
    this.hostname = hostname;
    this.consulName = cluster.locked(c -> c.nodeByNameLocked(hostname).consulName);
    this.acl = acl;
  }

  private static InetSocketAddress bind(String address, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByName(address), port);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: " + address, e);
    }
  }

  @Override
  boolean listeningLocked(Cluster c) {
    NodeModel node = c.nodeByNameLocked(hostname);
    return node.agentRunning() && !node.faults.agentUnreachable();
  }

  @Override
  NodeModel namedNodeLocked(Cluster c, Call call) {
    return c.nodeByNameLocked(hostname);
  }

  @Override
  Reply authorize(Call call) {
    return ConsulApi.refuseUnknownToken(call, acl.secret());
  }

  @Override
  Reply route(Call call) throws InterruptedException {
    if (call.path().equals(ConsulApi.ACL_AUTHORIZE)) {
      // Every agent serves it (agent/http_register.go); it resolves the token on this agent.
      return ConsulApi.requireMethod(call, "POST", () -> acl.authorizeEndpoint(call));
    }
    if (!call.path().equals(MAINTENANCE)) {
      return ConsulApi.notFound();
    }
    return ConsulApi.requireMethod(call, "PUT", () -> maintenance(call));
  }

  /**
   * {@code enable} is required and parsed as a Go bool (400 otherwise); the token needs node:write
   * on this agent's node. Answers 200 with an empty body; enabling twice keeps the first reason.
   */
  private Reply maintenance(Call call) {
    String raw = call.param("enable");
    if (raw == null) {
      return Reply.text(400, "Missing value for enable");
    }
    Boolean enable = goParseBool(raw);
    if (enable == null) {
      return Reply.text(400, "Invalid value for enable: \"" + raw + "\"");
    }
    // agent/agent_endpoint.go AgentNodeMaintenance: NodeWriteAllowed(the agent's NodeName).
    Reply denied = acl.denied(call, SimConsulAcl.Permission.NODE_WRITE, consulName);
    if (denied != null) {
      return denied;
    }
    String reason = call.param("reason") == null ? "" : call.param("reason");
    cluster.maintenance(hostname, enable, reason);
    return new Reply(200, Map.of(), "text/plain; charset=utf-8", new byte[0]);
  }
}
