package dev.laborchestrator.port;

import java.util.List;

/** Consul's health API as the controller uses it. */
public interface ConsulHealth {
  /**
   * {@code GET /v1/health/node/:node}: every check on the node, {@code serfHealth} included. An
   * agent that left on shutdown is deregistered, so an empty list is possible and means "not
   * healthy".
   */
  Indexed<List<HealthCheck>> nodeChecks(String consulNodeName, BlockingQuery query);

  /**
   * {@code GET /v1/health/state/any}: every check of every node, blocking when {@code query} asks
   * for it; one query watches the health of all hosts of a rollout. A filtered answer ({@code
   * X-Consul-Results-Filtered-By-ACLs}) is refused as for {@link #nodeChecks}.
   */
  default Indexed<List<HealthCheck>> allChecks(BlockingQuery query) {
    throw new UnsupportedOperationException("reading every check at once is not supported here");
  }

  /**
   * {@code GET /v1/health/service/:service}, with {@code ?passing} when {@code passingOnly}: the
   * instances of a service on every node, each with its checks and its node's. With {@code
   * passingOnly} Consul leaves out every instance with a check that is not passing, warning
   * included. A filtered answer is refused as for {@link #nodeChecks}: an instance that cannot be
   * seen could be the one that passes.
   */
  default List<ServiceInstance> serviceInstances(String serviceName, boolean passingOnly) {
    throw new UnsupportedOperationException("reading a service's instances is not supported here");
  }
}
