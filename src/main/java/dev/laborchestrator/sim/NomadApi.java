package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.GoJson.boolField;
import static dev.laborchestrator.sim.GoJson.field;
import static dev.laborchestrator.sim.GoJson.longField;
import static dev.laborchestrator.sim.GoJson.requestObject;
import static dev.laborchestrator.sim.GoJson.stringField;
import static dev.laborchestrator.sim.GoJson.stringMap;
import static dev.laborchestrator.sim.GoJson.typeError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The simulated Nomad HTTP API: nodes (command/agent/node_endpoint.go,
 * website/content/api-docs/nodes.mdx), variables and their locks ({@link NomadVariablesApi}) and
 * autopilot health, allocations and evaluations ({@link CapacityApi}); plus the lab's control
 * endpoints {@code POST /sim/v1/reboot/<hostname>?revision=<rev>}, {@code POST
 * /sim/v1/rollback/<hostname>} and the builds' ({@link BuildControl}).
 */
final class NomadApi extends ApiServer {

  /** command/agent/http.go: {@code ErrInvalidMethod}. */
  static final String INVALID_METHOD = "Invalid method";

  private static final String NODE_PREFIX = "/v1/node/";
  private static final String CLIENT_METADATA = "/v1/client/metadata";
  private static final String AUTOPILOT_HEALTH = "/v1/operator/autopilot/health";
  private static final String ALLOCATION_PREFIX = "/v1/allocation/";
  private static final String REBOOT_PREFIX = "/sim/v1/reboot/";
  private static final String ROLLBACK_PREFIX = "/sim/v1/rollback/";
  private static final String JOB_PREFIX = "/v1/job/";
  private static final String PERIODIC_FORCE = "/periodic/force";

  private final String token;
  private final String workloadToken;
  private final String accessorId;
  private final NomadVariablesApi variables;
  private final EventStreamEndpoint events;

  /** The event stream's heartbeat interval: 30 s as in nomad/event_endpoint.go. */
  volatile Duration eventHeartbeat = Duration.ofSeconds(30);

  /** Whether the workload token's policy grants {@code node:read} (the shipped policy does). */
  volatile boolean workloadMayReadNodes = true;

  /** Whether the workload token's policy grants {@code namespace:read-job} (shipped: yes). */
  volatile boolean workloadMayReadJobs = true;

  /**
   * @param token the management token every request must carry, or null when ACLs are off
   * @param workloadToken a second accepted token without management rights (a job's workload
   *     identity), or null
   * @param accessorId the accessor ID of the token, recorded in {@code LastDrain.AccessorID}
   */
  NomadApi(Cluster cluster, String token, String workloadToken, String accessorId) {
    super(cluster, "nomad");
    this.token = token;
    this.workloadToken = workloadToken;
    this.accessorId = token == null ? "" : accessorId;
    this.variables = new NomadVariablesApi(this, cluster);
    this.events = new EventStreamEndpoint(cluster.eventBuffer());
  }

  @Override
  boolean isControl(Call call) {
    return call.path().startsWith("/sim/");
  }

  @Override
  Reply control(Call call) {
    if (BuildControl.handles(call)) {
      return BuildControl.handle(cluster, call);
    }
    boolean rollback = call.path().startsWith(ROLLBACK_PREFIX);
    if (!rollback && !call.path().startsWith(REBOOT_PREFIX)) {
      return controlReply(404, "no such control endpoint");
    }
    if (!"POST".equals(call.method())) {
      return controlReply(405, "use POST");
    }
    String host = call.path().substring((rollback ? ROLLBACK_PREFIX : REBOOT_PREFIX).length());
    if (host.isEmpty() || host.contains("/")) {
      return controlReply(404, "no host named " + host);
    }
    String revision = call.param("revision");
    if (revision != null && revision.isEmpty()) {
      revision = null;
    }
    String path = call.param("path");
    if (!rollback && path != null && !path.isEmpty() && !path.equals(cluster.stagedPath(host))) {
      // switch-to-configuration boot of a path that is not the staged build: refused, so that a
      // controller that boots anything but what it built is caught.
      return controlReply(409, host + " has no build staged at " + path);
    }
    Cluster.BootResult outcome =
        rollback
            ? cluster.rollback(host)
            : new Cluster.BootResult(cluster.reboot(host, revision), revision);
    return switch (outcome.outcome()) {
      case ACCEPTED -> {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("Host", host);
        body.put("Revision", outcome.revision());
        body.put("Rollback", rollback);
        body.put("Accepted", true);
        yield Reply.json(202, body, Map.of());
      }
      case UNKNOWN_HOST -> controlReply(404, "no host named " + host);
      case ALREADY_REBOOTING -> controlReply(409, host + " is already rebooting");
      case NO_PREVIOUS_GENERATION ->
          controlReply(409, host + " has no previous generation to roll back to");
    };
  }

  static Reply controlReply(int status, String message) {
    return Reply.json(status, Map.of("Error", message), Map.of());
  }

  @Override
  NodeModel namedNodeLocked(Cluster c, Call call) {
    if (call.path().equals(CLIENT_METADATA) && call.param("node_id") != null) {
      return c.nodeByIdLocked(call.param("node_id"));
    }
    if (!call.path().startsWith(NODE_PREFIX)) {
      return null;
    }
    String rest = call.path().substring(NODE_PREFIX.length());
    int slash = rest.indexOf('/');
    return c.nodeByIdLocked(slash < 0 ? rest : rest.substring(0, slash));
  }

  /**
   * command/agent/http.go {@code parseToken}: {@code X-Nomad-Token}, else {@code Authorization:
   * Bearer}. With ACLs on, no token is the anonymous token, which may not read nodes ("Permission
   * denied"); an unknown secret is "ACL token not found". Both are 403.
   */
  @Override
  Reply authorize(Call call) {
    if (token == null) {
      return null;
    }
    String presented = presentedToken(call);
    if (presented.isEmpty()) {
      return Reply.text(403, "Permission denied");
    }
    return presented.equals(token) || presented.equals(workloadToken)
        ? null
        : Reply.text(403, "ACL token not found");
  }

  private static String presentedToken(Call call) {
    String presented = call.header("X-Nomad-Token");
    return presented.isEmpty() ? call.bearerToken() : presented;
  }

  /** With ACLs off every caller is management (acl.ACLsDisabledACL). */
  private boolean management(Call call) {
    return token == null || presentedToken(call).equals(token);
  }

  @Override
  Reply route(Call call) throws InterruptedException {
    String path = call.path();
    if (path.equals(EventStreamEndpoint.PATH)) {
      requireMethod(call, "GET");
      return eventStream(call);
    }
    if (path.equals("/v1/nodes")) {
      requireMethod(call, "GET");
      requireNodeRead(call);
      return listNodes(call);
    }
    if (path.startsWith(NomadVariablesApi.VAR_PREFIX) || path.equals(NomadVariablesApi.VARS)) {
      if (cluster.variablesUnreachable()) {
        return null; // dropped unanswered: SimFaults.variablesUnreachable
      }
      return path.equals(NomadVariablesApi.VARS)
          ? variables.list(call, management(call))
          : variables.specific(call, management(call));
    }
    if (path.equals(AUTOPILOT_HEALTH)) {
      return autopilotHealth(call);
    }
    if (path.startsWith(ALLOCATION_PREFIX)) {
      requireMethod(call, "GET");
      return allocation(path.substring(ALLOCATION_PREFIX.length()));
    }
    if (path.equals("/v1/status/leader")) {
      // website/content/api-docs/status.mdx "Read Leader": the leader's RPC address as a JSON
      // string; the controller's pre-flight only asks whether any answer comes.
      requireMethod(call, "GET");
      return Reply.json(200, "127.0.0.1:4647", Map.of());
    }
    if (path.startsWith(JOB_PREFIX) && path.endsWith(PERIODIC_FORCE)) {
      requireMethod(call, "PUT", "POST");
      return forcePeriodic(
          call, path.substring(JOB_PREFIX.length(), path.length() - PERIODIC_FORCE.length()));
    }
    if (path.equals(CLIENT_METADATA)) {
      return clientMetadata(call);
    }
    if (CapacityApi.handles(path)) {
      return CapacityApi.route(this, call);
    }
    if (!path.startsWith(NODE_PREFIX) || path.length() == NODE_PREFIX.length()) {
      return Reply.text(404, ""); // http.go handleRootFallthrough
    }
    // node_endpoint.go NodeSpecificRequest dispatches on the path's suffix.
    String rest = path.substring(NODE_PREFIX.length());
    if (rest.endsWith("/allocations")) {
      requireMethod(call, "GET");
      requireNodeRead(call);
      return nodeAllocations(call, strip(rest, "/allocations"));
    }
    if (rest.endsWith("/drain")) {
      requireMethod(call, "PUT", "POST");
      return toggleDrain(call, strip(rest, "/drain"));
    }
    if (rest.endsWith("/eligibility")) {
      requireMethod(call, "PUT", "POST");
      return toggleEligibility(call, strip(rest, "/eligibility"));
    }
    if (rest.endsWith("/evaluate") || rest.endsWith("/purge")) {
      return Reply.text(404, "sim: " + rest.substring(rest.lastIndexOf('/')) + " is not simulated");
    }
    requireMethod(call, "GET");
    requireNodeRead(call);
    return nodeQuery(call, rest);
  }

  /** nomad/node_endpoint.go GetNode, GetAllocs, List: {@code AllowNodeRead} or 403. */
  private void requireNodeRead(Call call) {
    if (!management(call) && !workloadMayReadNodes) {
      throw new ApiError(403, "Permission denied");
    }
  }

  /**
   * {@code GET /v1/event/stream}; {@link SimFaults#refuseEventStreams} makes it answer an error
   * before anything is streamed: 403 as for a token that lost its policy, 500 as
   * nomad/event_endpoint.go answers when the state store has no event broker.
   */
  private Reply eventStream(Call call) {
    int refusal = cluster.eventStreamRefusal();
    if (refusal != 0) {
      return Reply.text(
          refusal, refusal == 403 ? "Permission denied" : "EventBroker not configured");
    }
    EventStreamEndpoint.Grants grants =
        new EventStreamEndpoint.Grants(management(call), workloadMayReadNodes, workloadMayReadJobs);
    return events.open(call, grants, eventHeartbeat);
  }

  /** Called with every forced launch that was placed (the lab's hook; may be replaced). */
  volatile java.util.function.Consumer<Cluster.Launch> onLaunch = launch -> {};

  /** Whether the workload token's policy grants {@code submit-job} (the shipped policy does). */
  volatile boolean workloadMaySubmitJobs = true;

  /**
   * api-docs/jobs.mdx "Force New Periodic Instance": {@code {"EvalID", "EvalCreateIndex",
   * "Index"}}. nomad/periodic_endpoint.go {@code Force} checks {@code submit-job} (or {@code
   * force-periodic-job} in newer Nomad) on the job's namespace: "Permission denied" (403) without.
   */
  private Reply forcePeriodic(Call call, String jobId) {
    if (!management(call) && !workloadMaySubmitJobs) {
      return Reply.text(403, "Permission denied");
    }
    Cluster.Forced forced = cluster.forcePeriodic(jobId);
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("EvalID", forced.evalId());
    body.put("EvalCreateIndex", forced.index());
    body.put("Index", forced.index());
    if (forced.launch() != null) {
      onLaunch.accept(forced.launch());
    }
    return Reply.json(200, body, Map.of("X-Nomad-Index", Long.toString(forced.index())));
  }

  /**
   * allocations.mdx "Read Allocation" (not blocking here). nomad/alloc_endpoint.go GetAlloc finds
   * no allocation for an unknown or garbage-collected ID, and command/agent/alloc_endpoint.go
   * answers that 404 "alloc not found"; GetAlloc also answers 404 (ErrUnknownAllocation) when the
   * token may not read-job in the allocation's namespace, which ACLs here never cause.
   */
  private Reply allocation(String allocId) {
    return cluster.locked(
        c -> {
          AllocModel alloc = c.allocLocked(allocId);
          if (alloc == null) {
            return Reply.text(404, "alloc not found");
          }
          return Reply.json(200, NomadViews.alloc(alloc), NomadViews.queryMeta(alloc.modifyIndex));
        });
  }

  /**
   * operator/autopilot.mdx "Read Health": 200 when healthy, else 429 with the same body.
   * operator_endpoint.go answers a method other than GET with 404 "Invalid method".
   */
  private Reply autopilotHealth(Call call) {
    if (!"GET".equals(call.method())) {
      throw new ApiError(404, INVALID_METHOD);
    }
    return cluster.locked(
        c -> {
          AutopilotModel autopilot = c.autopilotLocked();
          return Reply.json(
              autopilot.healthy() ? 200 : 429, autopilot.nomadHealth(c.nowMillis()), Map.of());
        });
  }

  /**
   * nodes.mdx "List Nodes". {@code prefix} and {@code os} are honoured; {@code filter} (evaluated
   * on the full node by Nomad) is not simulated and is ignored, so callers get every node.
   */
  private Reply listNodes(Call call) throws InterruptedException {
    String prefix = call.param("prefix") == null ? "" : call.param("prefix");
    boolean withOs = parseBool(call, "os");
    boolean withResources = parseBool(call, "resources");
    Cluster.Read<ArrayNode> read =
        blockingRead(
            call,
            Cluster::nodesIndexLocked,
            c -> {
              ArrayNode nodes = JsonNodeFactory.instance.arrayNode();
              c.nodesLocked().stream()
                  .filter(n -> n.id.startsWith(prefix))
                  .forEach(n -> nodes.add(NomadViews.stub(n, withOs, withResources)));
              return nodes;
            });
    return Reply.json(200, read.value(), NomadViews.queryMeta(read.index()));
  }

  /**
   * nodes.mdx "Read Node"; node_endpoint.go {@code GetNode} blocks on the node's ModifyIndex (the
   * nodes table index for an unknown node), and the agent answers 404 "node not found".
   */
  private Reply nodeQuery(Call call, String nodeId) throws InterruptedException {
    Cluster.Read<ObjectNode> read =
        blockingRead(
            call,
            c -> {
              NodeModel node = c.nodeByIdLocked(nodeId);
              return node == null ? c.nodesIndexLocked() : node.modifyIndex;
            },
            c -> {
              NodeModel node = c.nodeByIdLocked(nodeId);
              return node == null ? null : NomadViews.node(node);
            });
    if (read.value() == null) {
      Reply notFound = Reply.text(404, "node not found");
      return new Reply(
          404, NomadViews.queryMeta(read.index()), notFound.contentType(), notFound.body());
    }
    return Reply.json(200, read.value(), NomadViews.queryMeta(read.index()));
  }

  /**
   * nodes.mdx "List Node Allocations"; node_endpoint.go {@code GetAllocs} does not look the node
   * up, so an unknown node has no allocations rather than a 404.
   */
  private Reply nodeAllocations(Call call, String nodeId) throws InterruptedException {
    Cluster.Read<ArrayNode> read =
        blockingRead(
            call,
            c -> c.allocsIndexLocked(nodeId),
            c -> {
              ArrayNode allocs = JsonNodeFactory.instance.arrayNode();
              c.allocsOnLocked(nodeId).forEach(a -> allocs.add(NomadViews.alloc(a)));
              return allocs;
            });
    return Reply.json(200, read.value(), NomadViews.queryMeta(read.index()));
  }

  /**
   * nodes.mdx "Drain Node". The body is {@code api.NodeUpdateDrainRequest}; a missing or null
   * {@code DrainSpec} cancels the drain. The pre-1.1 form {@code ?enable=true} sent no body, and
   * since Nomad 1.1 the agent ignores the query and its decodeBody answers 400 "Request body is
   * empty".
   */
  private Reply toggleDrain(Call call, String nodeId) {
    JsonNode body = requestObject(jsonBody(call), "api.NodeUpdateDrainRequest");
    JsonNode spec = field(body, "DrainSpec");
    boolean drain = spec != null && !spec.isNull();
    if (drain && !spec.isObject()) {
      throw typeError("DrainSpec", "api.DrainSpec", spec);
    }
    long deadline = drain ? longField(spec, "Deadline") : 0;
    boolean ignoreSystemJobs = drain && boolField(spec, "IgnoreSystemJobs");
    Cluster.WriteResult result =
        cluster.drain(
            nodeId,
            drain,
            deadline,
            ignoreSystemJobs,
            boolField(body, "MarkEligible"),
            stringMap(body, "Meta"),
            accessorId);
    return Reply.json(
        200, NomadViews.writeReply(result), Map.of("X-Nomad-Index", Long.toString(result.index())));
  }

  /**
   * nodes.mdx "Toggle Node Eligibility". The body is {@code structs.NodeUpdateEligibilityRequest}:
   * its NodeID, when set, wins over the path's (node_endpoint.go nodeToggleEligibility). Errors of
   * the RPC (draining node, invalid value, unknown node) are uncoded and so answered with 500.
   */
  private Reply toggleEligibility(Call call, String pathNodeId) {
    JsonNode body = requestObject(jsonBody(call), "structs.NodeUpdateEligibilityRequest");
    String bodyNodeId = stringField(body, "NodeID");
    JsonNode event = field(body, "NodeEvent");
    if (event != null && !event.isNull()) {
      throw new ApiError(500, "node event must not be set");
    }
    Cluster.WriteResult result =
        cluster.setEligibility(
            bodyNodeId.isEmpty() ? pathNodeId : bodyNodeId, stringField(body, "Eligibility"));
    return Reply.json(
        200, NomadViews.writeReply(result), Map.of("X-Nomad-Index", Long.toString(result.index())));
  }

  /**
   * api-docs/client.mdx "Read / Update Dynamic Node Metadata", as a server agent answers them (the
   * sim's API is a server without a client of its own, so {@code node_id} is needed:
   * command/agent/meta_endpoint.go "No local Node and node_id not provided"). GET reads; PUT and
   * POST apply a {@code structs.NodeMetaApplyRequest} whose {@code Meta} values are strings or null
   * (unset); the query's node_id wins over the body's NodeID (http.go parseNode). Keys are checked
   * as nomad/structs NodeMetaApplyRequest.Validate does. ACLs: node:read to read, node:write to
   * apply (client/meta_endpoint.go); both of the sim's tokens carry them.
   */
  private Reply clientMetadata(Call call) {
    String nodeId = call.param("node_id");
    if ("GET".equals(call.method())) {
      if (nodeId == null || nodeId.isEmpty()) {
        throw new ApiError(400, "No local Node and node_id not provided");
      }
      return Reply.json(200, cluster.readNodeMeta(nodeId), Map.of());
    }
    requireMethod(call, "PUT", "POST");
    JsonNode body = requestObject(jsonBody(call), "structs.NodeMetaApplyRequest");
    if (nodeId == null || nodeId.isEmpty()) {
      nodeId = stringField(body, "NodeID");
    }
    if (nodeId.isEmpty()) {
      throw new ApiError(400, "No local Node and node_id not provided");
    }
    Map<String, String> changes = nullableStringMap(field(body, "Meta"));
    if (changes.isEmpty()) {
      throw new ApiError(400, "missing required Meta object");
    }
    for (String key : changes.keySet()) {
      if (key.isEmpty()) {
        throw new ApiError(400, "metadata keys must not be empty");
      }
      for (String part : key.split("\\.", -1)) {
        if (!hclIdentifier(part)) {
          throw new ApiError(
              400,
              "\"" + key + "\" is invalid; metadata keys must be valid dotted hcl identifiers");
        }
      }
    }
    return Reply.json(200, cluster.applyNodeMeta(nodeId, changes), Map.of());
  }

  /** {@code map[string]*string}: string values, or null for a key to unset. */
  private static Map<String, String> nullableStringMap(JsonNode value) {
    Map<String, String> map = new java.util.LinkedHashMap<>();
    if (value == null || value.isNull()) {
      return map;
    }
    if (!value.isObject()) {
      throw typeError("Meta", "map[string]*string", value);
    }
    value
        .fields()
        .forEachRemaining(
            entry -> {
              JsonNode v = entry.getValue();
              if (!v.isNull() && !v.isTextual()) {
                throw typeError("Meta", "string", v);
              }
              map.put(entry.getKey(), v.isNull() ? null : v.asText());
            });
    return map;
  }

  /**
   * hclsyntax.ValidIdentifier (hcl/v2 hclsyntax/spec.md "Identifiers"): a letter or underscore,
   * then letters, digits, underscores and dashes.
   */
  static boolean hclIdentifier(String part) {
    if (part.isEmpty()) {
      return false;
    }
    int first = part.codePointAt(0);
    if (!Character.isUnicodeIdentifierStart(first) && first != '_') {
      return false;
    }
    return part.codePoints()
        .skip(1)
        .allMatch(cp -> Character.isUnicodeIdentifierPart(cp) || cp == '-');
  }

  private static String strip(String rest, String suffix) {
    return rest.substring(0, rest.length() - suffix.length());
  }

  static void requireMethod(Call call, String... methods) {
    if (!Set.of(methods).contains(call.method())) {
      throw new ApiError(405, INVALID_METHOD);
    }
  }

  /** command/agent/http.go parseBool: an unparsable value is an uncoded error, so a 500. */
  static boolean parseBool(Call call, String name) {
    String value = call.param(name);
    if (value == null || value.isEmpty()) {
      return false;
    }
    Boolean parsed = goParseBool(value);
    if (parsed == null) {
      throw new ApiError(
          500,
          "Failed to parse value of \""
              + name
              + "\" ("
              + value
              + ") as a bool: strconv.ParseBool: parsing \""
              + value
              + "\": invalid syntax");
    }
    return parsed;
  }
}
