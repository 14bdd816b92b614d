package dev.laborchestrator.rollout;

import dev.laborchestrator.port.ConsulHealth;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.ServiceInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Never take down the last healthy instance of a Consul service. A host's services are the distinct
 * {@code ServiceName}s of its checks ({@code GET /v1/health/node/:node}, which the caller already
 * read); for each one the config's {@code allowLastInstance} does not list, {@code GET
 * /v1/health/service/:service?passing} must show an instance on another node. Consul keeps only the
 * instances whose checks, the node's own ({@code serfHealth}, maintenance) included, all pass
 * (agent/health_endpoint.go {@code filterNonPassing}); the answer is checked again here.
 *
 * <p>A service registered without any check has no {@code ServiceName} among the node's checks, so
 * it is not seen here and never holds a host back: Consul counts such an instance as passing
 * anyway, so its health says nothing about whether it serves. An answer Consul filtered by ACLs is
 * not judged: the {@link ConsulHealth} adapter refuses it with an exception, which this lets
 * through, as an instance the token cannot see may be the one that passes.
 */
public final class LastInstance {

  private LastInstance() {}

  /**
   * Why the host must not leave service now, naming the services it would take down; empty when
   * each of its services passes on another node or is allowed to go.
   *
   * @param nodeChecks the host's checks, as {@code GET /v1/health/node/:node} returned them
   * @param allowed service names that may lose their last instance ({@code allowLastInstance})
   */
  public static Optional<String> refusal(
      ConsulHealth consul,
      String consulNodeName,
      List<HealthCheck> nodeChecks,
      Set<String> allowed) {
    return refusal(consul, consulNodeName, nodeChecks, allowed, Set.of());
  }

  /**
   * Like {@link #refusal(ConsulHealth, String, List, Set)}, where an instance on one of {@code
   * leaving} (the Consul nodes of hosts this rollout has out of service or is taking out: drained,
   * their checks may still pass) does not count either.
   */
  public static Optional<String> refusal(
      ConsulHealth consul,
      String consulNodeName,
      List<HealthCheck> nodeChecks,
      Set<String> allowed,
      Set<String> leaving) {
    Set<String> services = new TreeSet<>();
    for (HealthCheck check : nodeChecks) {
      if (check.serviceName() != null && !check.serviceName().isBlank()) {
        services.add(check.serviceName());
      }
    }
    List<String> last = new ArrayList<>();
    for (String service : services) {
      if (allowed.contains(service)) {
        continue;
      }
      boolean elsewhere =
          consul.serviceInstances(service, true).stream()
              .filter(i -> i.nodeName() != null && !i.nodeName().equals(consulNodeName))
              .filter(i -> !leaving.contains(i.nodeName()))
              .anyMatch(ServiceInstance::passing);
      if (!elsewhere) {
        last.add(service);
      }
    }
    return describe(last, consulNodeName);
  }

  private static Optional<String> describe(List<String> last, String consulNodeName) {
    if (last.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        (last.size() == 1 ? "the Consul service " : "the Consul services ")
            + String.join(", ", last)
            + (last.size() == 1 ? " has" : " have")
            + " no passing instance on a node other than "
            + consulNodeName
            + " (allowLastInstance lets a service go down with its last instance)");
  }

  /**
   * The same judgement from every node's checks as the shared view holds them (one answer of {@code
   * /v1/health/state/any}), without a request: an instance of a service on a node passes when the
   * node's own checks (no {@code ServiceName}: {@code serfHealth}, maintenance) and the service's
   * checks there all pass, as {@code ?passing} keeps it (agent/health_endpoint.go {@code
   * filterNonPassing}). An instance registered without any check does not show in the checks: it is
   * not counted, which may hold a host back where Consul would count it, never the reverse.
   */
  public static Optional<String> refusal(
      Map<String, List<HealthCheck>> checksByNode,
      String consulNodeName,
      Set<String> allowed,
      Set<String> leaving) {
    Set<String> services = new TreeSet<>();
    for (HealthCheck check : checksByNode.getOrDefault(consulNodeName, List.of())) {
      if (check.serviceName() != null && !check.serviceName().isBlank()) {
        services.add(check.serviceName());
      }
    }
    List<String> last = new ArrayList<>();
    for (String service : services) {
      if (allowed.contains(service)) {
        continue;
      }
      boolean elsewhere =
          checksByNode.entrySet().stream()
              .filter(e -> !e.getKey().equals(consulNodeName) && !leaving.contains(e.getKey()))
              .anyMatch(e -> passes(e.getValue(), service));
      if (!elsewhere) {
        last.add(service);
      }
    }
    return describe(last, consulNodeName);
  }

  private static boolean passes(List<HealthCheck> nodeChecks, String service) {
    boolean registered = false;
    for (HealthCheck check : nodeChecks) {
      String name = check.serviceName() == null ? "" : check.serviceName();
      if (name.equals(service)) {
        registered = true;
      } else if (!name.isBlank()) {
        continue; // another service's check
      }
      if (!check.passing()) {
        return false;
      }
    }
    return registered;
  }
}
