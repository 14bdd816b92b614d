package dev.laborchestrator.sim;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The simulated Consul HTTP API as the servers' agent on 127.0.0.1 answers it: {@code GET
 * /v1/health/node/:node} (website/content/api-docs/health.mdx "List Checks for Node"), {@code GET
 * /v1/health/state/:state} ("List Checks in State"), {@code GET /v1/health/service/:service}
 * ({@link ConsulServices}), {@code GET /v1/operator/autopilot/health} and {@code POST
 * /v1/internal/acl/authorize}, with the token's permissions of {@link SimConsulAcl}. Everything
 * else is 404. Each host's own agent is a {@link ConsulAgentApi}.
 */
final class ConsulApi extends ApiServer {

  private static final String HEALTH_NODE = "/v1/health/node/";
  private static final String HEALTH_STATE = "/v1/health/state/";
  private static final String AUTOPILOT_HEALTH = "/v1/operator/autopilot/health";
  static final String RESULTS_FILTERED = "X-Consul-Results-Filtered-By-ACLs";
  static final String ACL_AUTHORIZE = "/v1/internal/acl/authorize";

  private final SimConsulAcl acl;

  ConsulApi(Cluster cluster, SimConsulAcl acl) {
    super(cluster, "consul");
    this.acl = acl;
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
    return refuseUnknownToken(call, acl.secret());
  }

  static Reply refuseUnknownToken(Call call, String token) {
    String presented = presentedToken(call);
    if (token == null || presented.isEmpty() || presented.equals(token)) {
      return null;
    }
    return Reply.text(403, "ACL not found");
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
    if (path.equals(ACL_AUTHORIZE)) {
      return requireMethod(call, "POST", () -> acl.authorizeEndpoint(call));
    }
    if (path.startsWith(HEALTH_STATE)) {
      return requireMethod(
          call, "GET", () -> checksInState(call, path.substring(HEALTH_STATE.length())));
    }
    if (path.startsWith(ConsulServices.HEALTH_SERVICE)) {
      return requireMethod(call, "GET", () -> ConsulServices.serviceHealth(this, acl, call));
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
   * operator:read (agent/operator_endpoint.go OperatorServerHealth: OperatorReadAllowed).
   */
  private Reply autopilotHealth(Call call) {
    Reply denied = acl.denied(call, SimConsulAcl.Permission.OPERATOR_READ, null);
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
   * 200). Blocks on the checks table index (state store NodeChecks). The {@code filter} parameter
   * is not simulated and is ignored.
   *
   * <p>ACLs filter, they never refuse: agent/consul/health_endpoint.go NodeChecks passes the answer
   * through filterACL, and agent/consul/acl.go filterHealthChecks drops every check whose node the
   * token may not read, and every check with a ServiceName whose service it may not read (a node
   * check such as serfHealth has none, so node:read alone shows serfHealth and hides every service
   * check). When anything was dropped, QueryMeta.ResultsFilteredByACLs is set and agent/http.go
   * setMeta/setResultsFilteredByACLs sends {@code X-Consul-Results-Filtered-By-ACLs: true}; the
   * header is absent otherwise, and also for a request without a token (agent/consul/rpc.go
   * maskResultsFilteredByACLs), whose anonymous token here sees nothing.
   */
  private Reply nodeChecks(Call call, String consulName) throws InterruptedException {
    return filteredChecks(
        call,
        c -> {
          NodeModel node = c.nodeByConsulNameLocked(consulName);
          List<NodeCheck> checks = new ArrayList<>();
          if (node != null && node.checks != null) {
            node.checks.forEach(check -> checks.add(new NodeCheck(node, check)));
          }
          return checks;
        });
  }

  /**
   * {@code GET /v1/health/state/:state} (health.mdx "List Checks in State"): agent/
   * health_endpoint.go HealthChecksInState answers 400 "Missing check state" without one; agent/
   * consul/health_endpoint.go ChecksInState reads state.ChecksInState, which blocks on the checks
   * table index ({@code maxIndexTxn(tx, "checks")}) and lists every check for {@code any}, else the
   * checks of that status (none for an unknown status), in the order of the checks table's status
   * index (status, then node and check ID). ACL filtering as for {@link #nodeChecks}.
   */
  private Reply checksInState(Call call, String state) throws InterruptedException {
    if (state.isEmpty()) {
      return Reply.text(400, "Missing check state");
    }
    return filteredChecks(
        call,
        c -> {
          List<NodeCheck> checks = new ArrayList<>();
          for (NodeModel node : c.nodesLocked()) {
            if (node.checks != null) {
              for (CheckModel check : node.checks) {
                if (state.equals("any") || state.equals(check.status)) {
                  checks.add(new NodeCheck(node, check));
                }
              }
            }
          }
          checks.sort(
              Comparator.comparing((NodeCheck n) -> n.check().status)
                  .thenComparing(n -> n.node().consulName)
                  .thenComparing(n -> n.check().checkId));
          return checks;
        });
  }

  private record NodeCheck(NodeModel node, CheckModel check) {}

  private Reply filteredChecks(Call call, Function<Cluster, List<NodeCheck>> select)
      throws InterruptedException {
    boolean[] filtered = new boolean[1];
    Cluster.Read<List<byte[]>> read =
        blockingRead(
            call,
            Cluster::consulIndexLocked,
            c -> {
              List<byte[]> checks = new ArrayList<>();
              // filterACL runs when the answer is made, with the token's policy of that moment.
              boolean nodeRead = acl.allows(call, SimConsulAcl.Permission.NODE_READ);
              boolean serviceRead = acl.allows(call, SimConsulAcl.Permission.SERVICE_READ);
              filtered[0] = false;
              for (NodeCheck n : select.apply(c)) {
                if (nodeRead && (n.check().serviceName.isEmpty() || serviceRead)) {
                  checks.add(n.check().rendered(() -> json(check(n.node(), n.check()))));
                } else {
                  filtered[0] = true;
                }
              }
              return checks;
            });
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-Consul-Index", Long.toString(Math.max(1, read.index())));
    headers.put("X-Consul-KnownLeader", "true");
    headers.put("X-Consul-LastContact", "0");
    headers.put("X-Consul-Effective-Consistency", "leader");
    if (filtered[0] && !presentedToken(call).isEmpty()) {
      headers.put(RESULTS_FILTERED, "true");
    }
    // Written as it goes (chunked, as Go's net/http sends an answer longer than its buffer).
    List<byte[]> documents = read.value();
    return Reply.streaming(headers, out -> writeArray(out, documents));
  }

  private static byte[] json(ObjectNode document) {
    try {
      return JSON.writeValueAsBytes(document);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot render a simulated answer", e);
    }
  }

  /** The documents as one JSON array, byte for byte what rendering the array at once writes. */
  static void writeArray(java.io.OutputStream out, List<byte[]> documents)
      throws java.io.IOException {
    out.write('[');
    for (int i = 0; i < documents.size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      out.write(documents.get(i));
    }
    out.write(']');
  }

  /** The HealthCheck document (health.mdx sample; structs.HealthCheck fields). */
  static ObjectNode check(NodeModel node, CheckModel check) {
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
