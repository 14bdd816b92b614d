package dev.laborchestrator.consul;

import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.HttpApi;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.http.JsonShapes;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.ConsulHealth;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.ServiceInstance;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * {@link ConsulHealth} over Consul's HTTP API; reads are retried on transient failures.
 *
 * <p>Consul filters health answers by the token instead of refusing them: a token without {@code
 * service:read} sees a node's {@code serfHealth} but none of its service checks, and the answer
 * says so only in the header {@code X-Consul-Results-Filtered-By-ACLs: true} (agent/consul/acl.go
 * filterHealthChecks, agent/http.go setResultsFilteredByACLs). A check that cannot be seen is not a
 * passing check, so such an answer is never returned: it is an {@link ApiException} with status 403
 * (not transient: retrying will not show the checks) that names the missing permission.
 */
public final class ConsulHttpClient implements ConsulHealth {
  /** The header Consul sets when ACLs removed part of an answer; absent otherwise. */
  public static final String RESULTS_FILTERED_HEADER = "X-Consul-Results-Filtered-By-ACLs";

  /** The fields of a {@link HealthCheck}, in the order of its components. */
  private static final List<String> CHECK_FIELDS =
      List.of("Node", "CheckID", "Name", "Status", "ServiceName", "Output");

  private final HttpApi api;

  public ConsulHttpClient(ApiSettings settings, HttpOptions options) {
    this(new ConsulConnection(settings, options));
  }

  /** Shares the connection (and its OkHttp client) with the other Consul adapters. */
  public ConsulHttpClient(ConsulConnection connection) {
    this.api = connection.api();
  }

  /**
   * @throws ApiException with status 403 when Consul filtered the answer by ACLs
   */
  @Override
  public Indexed<List<HealthCheck>> nodeChecks(String consulNodeName, BlockingQuery query) {
    return api.getIndexed(
        List.of("v1", "health", "node", consulNodeName),
        query,
        ConsulHttpClient::refuseFiltered,
        body -> JsonShapes.listOf(body, "check", HealthCheck.class, "CheckID", "Status"));
  }

  /**
   * {@code GET /v1/health/state/any} (agent/health_endpoint.go HealthChecksInState; agent/consul/
   * health_endpoint.go ChecksInState blocks on the checks table index).
   *
   * @throws ApiException with status 403 when Consul filtered the answer by ACLs
   */
  @Override
  public Indexed<List<HealthCheck>> allChecks(BlockingQuery query) {
    // Every check of every node at each change: read token by token, the fields kept only.
    return api.getIndexedStreamed(
        List.of("v1", "health", "state", "any"),
        query,
        ConsulHttpClient::refuseFiltered,
        json ->
            JsonShapes.listOf(
                json,
                "check",
                CHECK_FIELDS,
                v -> new HealthCheck(v[0], v[1], v[2], v[3], v[4], v[5]),
                "Node",
                "CheckID",
                "Status"));
  }

  /**
   * {@code GET /v1/health/service/:service}, with the bare {@code ?passing} when asked
   * (agent/health_endpoint.go {@code HealthServiceNodes}: {@code passing} without a value is true,
   * and {@code filterNonPassing} drops an instance with any check not passing).
   *
   * @throws ApiException with status 403 when Consul filtered the answer by ACLs
   */
  @Override
  public List<ServiceInstance> serviceInstances(String serviceName, boolean passingOnly) {
    Map<String, String> params = passingOnly ? Collections.singletonMap("passing", null) : Map.of();
    return api.getIndexed(
            List.of("v1", "health", "service", serviceName),
            params,
            BlockingQuery.NONE,
            ConsulHttpClient::refuseFiltered,
            body -> JsonShapes.listOf(body, "service instance", ServiceInstance.class))
        .value();
  }

  static void refuseFiltered(String method, String path, UnaryOperator<String> header) {
    String filtered = header.apply(RESULTS_FILTERED_HEADER);
    if (filtered != null && filtered.strip().equalsIgnoreCase("true")) {
      throw new ApiException(
          403,
          method
              + " "
              + path
              + ": Consul left checks out of the answer because the token may not read them ("
              + RESULTS_FILTERED_HEADER
              + "); a check that cannot be seen is not a passing check. The Consul token needs"
              + " service:read and node:read on every name (service_prefix \"\" and node_prefix"
              + " \"\" with policy \"read\"; see jobs/lab-orchestrator.consul-policy.hcl)",
          false,
          null);
    }
  }

  @Override
  public String toString() {
    return "ConsulHttpClient[" + api + "]";
  }
}
