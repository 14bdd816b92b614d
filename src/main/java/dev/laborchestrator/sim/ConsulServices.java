package dev.laborchestrator.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/health/service/:service} (website/content/api-docs/health.mdx "List Service
 * Instances for Service"; agent/health_endpoint.go {@code HealthServiceNodes}): one entry per
 * instance, {@code {"Node":{...},"Service":{...},"Checks":[...]}}, where {@code Checks} holds the
 * node's own checks ({@code serfHealth}, node maintenance) and the instance's. A host's instances
 * are those of the service checks registered on its agent ({@link SimNode#services}); while the
 * host reboots its agent has left and its instances are gone, and when it returns they are
 * registered with critical checks until these pass.
 *
 * <p>{@code ?passing} (agent/health_endpoint.go {@code filterNonPassing}) drops every instance with
 * any check not {@code passing} (warning included). ACLs filter as for the node's checks
 * (agent/consul/acl.go {@code filterCheckServiceNodes}: node:read on the instance's node and
 * service:read on the service), and a filtered answer carries {@code
 * X-Consul-Results-Filtered-By-ACLs: true}. Blocks on the checks table index.
 */
final class ConsulServices {

  static final String HEALTH_SERVICE = "/v1/health/service/";

  private ConsulServices() {}

  static ApiServer.Reply serviceHealth(ApiServer api, SimConsulAcl acl, ApiServer.Call call)
      throws InterruptedException {
    String service = call.path().substring(HEALTH_SERVICE.length());
    if (service.isEmpty()) {
      return ApiServer.Reply.text(400, "Missing service name");
    }
    boolean passingOnly = call.query().containsKey("passing") && passing(call.param("passing"));
    boolean[] filtered = new boolean[1];
    Cluster.Read<ArrayNode> read =
        api.blockingRead(
            call,
            Cluster::consulIndexLocked,
            c -> {
              ArrayNode list = JsonNodeFactory.instance.arrayNode();
              boolean visible =
                  acl.allows(call, SimConsulAcl.Permission.NODE_READ)
                      && acl.allows(call, SimConsulAcl.Permission.SERVICE_READ);
              filtered[0] = false;
              for (NodeModel node : c.nodesLocked()) {
                List<CheckModel> checks = instanceChecks(node, service);
                if (checks == null) {
                  continue;
                }
                if (!visible) {
                  filtered[0] = true;
                } else if (!passingOnly || checks.stream().allMatch(CheckModel::passing)) {
                  list.add(entry(node, service, checks));
                }
              }
              return list;
            });
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-Consul-Index", Long.toString(Math.max(1, read.index())));
    headers.put("X-Consul-KnownLeader", "true");
    headers.put("X-Consul-LastContact", "0");
    if (filtered[0] && !ConsulApi.presentedToken(call).isEmpty()) {
      headers.put(ConsulApi.RESULTS_FILTERED, "true");
    }
    return ApiServer.Reply.json(200, read.value(), headers);
  }

  /** {@code ?passing} without a value is true; otherwise a Go bool (false when unparsable). */
  private static boolean passing(String value) {
    if (value == null || value.isEmpty()) {
      return true;
    }
    Boolean parsed = ApiServer.goParseBool(value);
    return parsed != null && parsed;
  }

  /**
   * The checks of the node's instance of {@code service} with the node's own checks, or null when
   * the node has no such instance (or its agent has left).
   */
  private static List<CheckModel> instanceChecks(NodeModel node, String service) {
    if (node.checks == null
        || node.checks.stream().noneMatch(ch -> ch.serviceName.equals(service))) {
      return null;
    }
    return node.checks.stream()
        .filter(ch -> ch.serviceName.isEmpty() || ch.serviceName.equals(service))
        .toList();
  }

  private static ObjectNode entry(NodeModel node, String service, List<CheckModel> checks) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    ObjectNode n = o.putObject("Node");
    n.put("ID", node.id);
    n.put("Node", node.consulName);
    n.put("Address", node.address);
    n.put("Datacenter", Cluster.DATACENTER);
    ObjectNode tagged = n.putObject("TaggedAddresses");
    tagged.put("lan", node.address);
    tagged.put("wan", node.address);
    n.putObject("Meta").put("consul-network-segment", "");
    long createIndex = checks.stream().mapToLong(ch -> ch.createIndex).min().orElse(1);
    n.put("CreateIndex", createIndex);
    n.put("ModifyIndex", createIndex);
    ObjectNode s = o.putObject("Service");
    s.put("ID", service);
    s.put("Service", service);
    s.putArray("Tags");
    s.put("Address", node.address);
    s.putObject("Meta");
    s.put("Port", 0);
    ObjectNode weights = s.putObject("Weights");
    weights.put("Passing", 1);
    weights.put("Warning", 1);
    s.put("EnableTagOverride", false);
    s.put("CreateIndex", createIndex);
    s.put("ModifyIndex", createIndex);
    ArrayNode list = o.putArray("Checks");
    checks.forEach(ch -> list.add(ConsulApi.check(node, ch)));
    return o;
  }
}
