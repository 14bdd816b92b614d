package dev.laborchestrator.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The simulated Consul HTTP API as the servers' agent on 127.0.0.1 answers it: {@code GET
 * /v1/health/node/:node} (website/content/api-docs/health.mdx "List Checks for Node") and {@code
 * GET /v1/operator/autopilot/health}. Everything else is 404. Each host's own agent is a {@link
 * ConsulAgentApi}.
 */
final class ConsulApi extends ApiServer {

  private static final String HEALTH_NODE = "/v1/health/node/";
  private static final String AUTOPILOT_HEALTH = "/v1/operator/autopilot/health";

  private final String token;

  /**
   * @param token the ACL token reads need, or null when ACLs are off
   */
  ConsulApi(Cluster cluster, String token) {
    super(cluster, "consul");
    this.token = token;
  }

  @Override
  NodeModel namedNodeLocked(Cluster c, Call call) {
    return call.path().startsWith(HEALTH_NODE)
        ? c.nodeByConsulNameLocked(call.path().substring(HEALTH_NODE.length()))
        : null;
  }

  /**
   * agent/http.go parseToken: {@code X-Consul-Token}, {@code Authorization: Bearer}, or the legacy
   * {@code ?token=}. A secret Consul does not know is 403 "ACL not found". No token at all is the
   * anonymous token: not refused, but its reads are filtered (see {@link #nodeChecks}).
   */
  @Override
  Reply authorize(Call call) {
    return refuseUnknownToken(call, token);
  }

  static Reply refuseUnknownToken(Call call, String token) {
    String presented = presentedToken(call);
    if (token == null || presented.isEmpty() || presented.equals(token)) {
      return null;
    }
    return Reply.text(403, "ACL not found");
  }

  /**
   * acl.PermissionDeniedError for the anonymous token, which a request without a token uses when
   * ACLs are on and which lacks every write and operator permission.
   */
  static Reply anonymousDenied(Call call, String token, String permission, String on) {
    if (token == null || !presentedToken(call).isEmpty()) {
      return null;
    }
    return Reply.text(
        403,
        "Permission denied: anonymous token lacks permission '"
            + permission
            + "'"
            + (on == null ? "" : " on \"" + on + "\"")
            + ". The anonymous token is used implicitly when a request does not specify a token.");
  }

  static String presentedToken(Call call) {
    String presented = call.header("X-Consul-Token");
    if (presented.isEmpty()) {
      presented = call.bearerToken();
    }
    if (presented.isEmpty() && call.param("token") != null) {
      presented = call.param("token");
    }
    return presented;
  }

  @Override
  Reply route(Call call) throws InterruptedException {
    String path = call.path();
    if (path.equals(AUTOPILOT_HEALTH)) {
      return requireMethod(call, "GET", () -> autopilotHealth(call));
    }
    if (path.equals("/v1/status/leader")) {
      // website/content/api-docs/status.mdx "Get Raft Leader": the leader's address as a JSON
      // string; the controller's pre-flight only asks whether any answer comes.
      return requireMethod(call, "GET", () -> Reply.json(200, "127.0.0.1:8300", Map.of()));
    }
    if (!path.startsWith(HEALTH_NODE) || path.length() == HEALTH_NODE.length()) {
      return notFound();
    }
    return requireMethod(call, "GET", () -> nodeChecks(call, path.substring(HEALTH_NODE.length())));
  }

  static Reply notFound() {
    return Reply.text(404, "404 page not found");
  }

  /** An endpoint handler that may block. */
  interface Handler {
    Reply handle() throws InterruptedException;
  }

  /** agent/http.go: each endpoint is registered with its methods; others are 405. */
  static Reply requireMethod(Call call, String method, Handler handler)
      throws InterruptedException {
    if (!method.equals(call.method())) {
      return Reply.text(405, "method " + call.method() + " not allowed");
    }
    return handler.handle();
  }

  /**
   * operator/autopilot.mdx "Read Health": 200 when healthy, else 429 with the same body. Needs
   * operator:read, which the anonymous token lacks.
   */
  private Reply autopilotHealth(Call call) {
    Reply denied = anonymousDenied(call, token, "operator:read", null);
    if (denied != null) {
      return denied;
    }
    return cluster.locked(
        c -> {
          AutopilotModel autopilot = c.autopilotLocked();
          return Reply.json(
              autopilot.healthy() ? 200 : 429, autopilot.consulHealth(c.nowMillis()), Map.of());
        });
  }

  /**
   * The node's checks, serfHealth included; an unknown or deregistered node has none ({@code []},
   * 200). Blocks on the checks table index (state store NodeChecks). With ACLs on, the anonymous
   * token lacks node:read and service:read, so every check is filtered out; the
   * X-Consul-Results-Filtered-By-ACLs header is only sent to authenticated callers (agent/http.go).
   * The {@code filter} parameter is not simulated and is ignored.
   */
  private Reply nodeChecks(Call call, String consulName) throws InterruptedException {
    boolean anonymous = token != null && presentedToken(call).isEmpty();
    Cluster.Read<ArrayNode> read =
        blockingRead(
            call,
            Cluster::consulIndexLocked,
            c -> {
              ArrayNode checks = JsonNodeFactory.instance.arrayNode();
              NodeModel node = c.nodeByConsulNameLocked(consulName);
              if (!anonymous && node != null && node.checks != null) {
                node.checks.forEach(check -> checks.add(check(node, check)));
              }
              return checks;
            });
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-Consul-Index", Long.toString(Math.max(1, read.index())));
    headers.put("X-Consul-KnownLeader", "true");
    headers.put("X-Consul-LastContact", "0");
    headers.put("X-Consul-Effective-Consistency", "leader");
    return Reply.json(200, read.value(), headers);
  }

  /** The HealthCheck document (health.mdx sample; structs.HealthCheck fields). */
  private static ObjectNode check(NodeModel node, CheckModel check) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("Node", node.consulName);
    o.put("CheckID", check.checkId);
    o.put("Name", check.name);
    o.put("Status", check.status);
    o.put("Notes", check.notes);
    o.put("Output", check.output());
    o.put("ServiceID", check.serviceId);
    o.put("ServiceName", check.serviceName);
    o.putArray("ServiceTags");
    o.put("Type", check.type);
    o.put("Interval", check.interval());
    o.put("Timeout", check.interval().isEmpty() ? "" : "2s");
    o.put("ExposedPort", 0);
    o.putObject("Definition");
    o.put("CreateIndex", check.createIndex);
    o.put("ModifyIndex", check.modifyIndex);
    return o;
  }
}
