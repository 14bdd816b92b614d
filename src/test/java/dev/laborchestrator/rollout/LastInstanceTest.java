package dev.laborchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.ConsulHealth;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.ServiceInstance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A host does not leave service while it has a Consul service's last passing instance. */
class LastInstanceTest {

  /** Answers {@code /v1/health/service/:name?passing} from a map; records what was asked. */
  static class FakeConsul implements ConsulHealth {
    final Map<String, List<ServiceInstance>> instances = new HashMap<>();
    final List<String> asked = new ArrayList<>();
    boolean filteredByAcl;

    FakeConsul instance(String service, String node, String status) {
      instances
          .computeIfAbsent(service, s -> new ArrayList<>())
          .add(
              new ServiceInstance(
                  new ServiceInstance.Node(node, "10.0.0.1"),
                  new ServiceInstance.Service(service, service),
                  List.of(
                      check(node, "serfHealth", "", "passing"),
                      check(node, "service:" + service, service, status))));
      return this;
    }

    @Override
    public Indexed<List<HealthCheck>> nodeChecks(String consulNodeName, BlockingQuery query) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<ServiceInstance> serviceInstances(String serviceName, boolean passingOnly) {
      asked.add(serviceName + (passingOnly ? "?passing" : ""));
      if (filteredByAcl) {
        throw new ApiException(403, "Consul left checks out of the answer", false, null);
      }
      // as Consul's ?passing would, but for instances a test makes pass only on the checks
      // the check itself is then expected to look at
      return instances.getOrDefault(serviceName, List.of()).stream()
          .filter(i -> !passingOnly || i.passing())
          .toList();
    }
  }

  static HealthCheck check(String node, String id, String service, String status) {
    return new HealthCheck(node, id, id, status, service, "");
  }

  final FakeConsul consul = new FakeConsul();

  /** The host "web-1" runs api and db (db with two checks), and has its own serfHealth. */
  final List<HealthCheck> hostChecks =
      List.of(
          check("web-1", "serfHealth", "", "passing"),
          check("web-1", "service:api", "api", "passing"),
          check("web-1", "service:db", "db", "passing"),
          check("web-1", "service:db:2", "db", "passing"));

  @Test
  void eachServicePassingOnAnotherNodeLetsTheHostGo() {
    consul
        .instance("api", "web-1", "passing")
        .instance("api", "web-2", "passing")
        .instance("db", "web-3", "passing");

    assertThat(LastInstance.refusal(consul, "web-1", hostChecks, Set.of())).isEmpty();
    assertThat(consul.asked).containsExactly("api?passing", "db?passing");
  }

  @Test
  void aServiceWhoseOnlyPassingInstanceIsOnTheHostIsRefusedByName() {
    consul.instance("api", "web-1", "passing").instance("api", "web-2", "critical");
    consul.instance("db", "web-1", "passing");

    assertThat(LastInstance.refusal(consul, "web-1", hostChecks, Set.of()))
        .hasValue(
            "the Consul services api, db have no passing instance on a node other than web-1"
                + " (allowLastInstance lets a service go down with its last instance)");
  }

  @Test
  void anInstanceWithAFailingCheckElsewhereDoesNotCountEvenIfConsulSentIt() {
    consul.instance("db", "web-3", "passing");
    consul.instances.put(
        "api",
        List.of(
            new ServiceInstance(
                new ServiceInstance.Node("web-2", "10.0.0.2"),
                new ServiceInstance.Service("api", "api"),
                List.of(check("web-2", "serfHealth", "", "critical")))));
    FakeConsul unfiltered =
        new FakeConsul() {
          @Override
          public List<ServiceInstance> serviceInstances(String name, boolean passingOnly) {
            return consul.instances.getOrDefault(name, List.of());
          }
        };

    assertThat(LastInstance.refusal(unfiltered, "web-1", hostChecks, Set.of()))
        .hasValue(
            "the Consul service api has no passing instance on a node other than web-1"
                + " (allowLastInstance lets a service go down with its last instance)");
  }

  @Test
  void aServiceTheConfigAllowsToGoIsNotAskedAbout() {
    consul.instance("db", "web-3", "passing");

    assertThat(LastInstance.refusal(consul, "web-1", hostChecks, Set.of("api"))).isEmpty();
    assertThat(consul.asked).containsExactly("db?passing");
  }

  @Test
  void aHostWithoutServiceChecksAsksNothing() {
    assertThat(
            LastInstance.refusal(
                consul, "web-1", List.of(check("web-1", "serfHealth", "", "passing")), Set.of()))
        .isEmpty();
    assertThat(consul.asked).isEmpty();
  }

  @Test
  void anAnswerFilteredByAclsIsNotTakenForNoInstance() {
    consul.filteredByAcl = true;

    assertThatThrownBy(() -> LastInstance.refusal(consul, "web-1", hostChecks, Set.of()))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("Consul left checks out");
  }

  // ---- the same judgement from the watch's checks of every node, without a request ----

  private static Map<String, List<HealthCheck>> nodes(HealthCheck... checks) {
    Map<String, List<HealthCheck>> byNode = new HashMap<>();
    for (HealthCheck c : checks) {
      byNode.computeIfAbsent(c.node(), n -> new ArrayList<>()).add(c);
    }
    return byNode;
  }

  @Test
  void fromTheViewAnInstancePassesOnlyWithItsNodesOwnChecksPassing() {
    Map<String, List<HealthCheck>> view =
        nodes(
            check("host", "serfHealth", "", "passing"),
            check("host", "service:web", "web", "passing"),
            check("b", "serfHealth", "", "passing"),
            check("b", "service:web", "web", "passing"),
            check("b", "service:other", "other", "critical"),
            check("c", "serfHealth", "", "critical"),
            check("c", "service:web", "web", "passing"));

    assertThat(LastInstance.refusal(view, "host", Set.of(), Set.of()))
        .as("b passes; its other service's check does not count")
        .isEmpty();
    assertThat(LastInstance.refusal(view, "host", Set.of(), Set.of("b")))
        .as("b is leaving, c's node check is critical")
        .get()
        .asString()
        .contains("web");
    assertThat(LastInstance.refusal(view, "host", Set.of("web"), Set.of("b"))).isEmpty();
  }
}
