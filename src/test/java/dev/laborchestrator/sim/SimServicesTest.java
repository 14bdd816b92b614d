package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.SimHttp.JSON;
import static dev.laborchestrator.sim.SimHttp.get;
import static dev.laborchestrator.sim.SimHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Consul services with instances on several hosts, and what a host's reboot does to them. */
class SimServicesTest {

  static final String TOKEN = "c0nsul";

  final SimCapacityTest clock = new SimCapacityTest();
  SimLab lab;
  String consul;

  @BeforeEach
  void start() {
    clock.start(
        b ->
            b.consulToken(TOKEN)
                .node(SimNode.named("a").consulName("a.lab").services("web"))
                .node(SimNode.named("b").services("web", "db"))
                .node(SimNode.named("c")));
    lab = clock.lab;
    consul = lab.consulAddress();
  }

  @AfterEach
  void stop() {
    clock.stop();
  }

  List<ServiceInstance> instances(String service, String query) {
    SimHttp.Answer answer =
        get(consul + "/v1/health/service/" + service + query, "X-Consul-Token", TOKEN);
    assertThat(answer.status()).isEqualTo(200);
    List<ServiceInstance> list = new ArrayList<>();
    for (JsonNode entry : answer.json()) {
      list.add(JSON.convertValue(entry, ServiceInstance.class));
    }
    return list;
  }

  List<String> nodes(List<ServiceInstance> instances) {
    return instances.stream().map(ServiceInstance::nodeName).toList();
  }

  @Test
  void aServiceListsOneInstancePerHostWithTheNodesChecksAndItsOwn() {
    List<ServiceInstance> web = instances("web", "");

    assertThat(nodes(web)).containsExactly("a.lab", "b");
    ServiceInstance onB = web.get(1);
    assertThat(onB.service().service()).isEqualTo("web");
    assertThat(onB.checks())
        .extracting(HealthCheck::checkId)
        .containsExactly("serfHealth", "service:web");
    assertThat(onB.passing()).isTrue();
    assertThat(nodes(instances("db", "?passing"))).containsExactly("b");
    assertThat(instances("nope", "")).isEmpty();
    JsonNode nodeChecks = get(consul + "/v1/health/node/b", "X-Consul-Token", TOKEN).json();
    assertThat(nodeChecks.findValuesAsText("ServiceName")).contains("web", "db");
  }

  @Test
  void aRebootingHostsInstancesGoAwayThenComeBackCriticalUntilTheirChecksPass() {
    SimTiming t = SimDrainTest.TIMING;
    post(lab.nomadAddress() + "/sim/v1/reboot/a", null);

    Duration down = t.rebootGoesDown();
    clock.at(down);
    assertThat(lab.node("a").status()).isEqualTo("down");
    assertThat(nodes(instances("web", ""))).containsExactly("b");

    Duration back = down.plus(t.downFor());
    clock.at(back);
    List<ServiceInstance> registered = instances("web", "");
    assertThat(nodes(registered)).containsExactly("a.lab", "b");
    assertThat(registered.get(0).passing()).isFalse();
    assertThat(nodes(instances("web", "?passing"))).containsExactly("b");

    clock.at(back.plus(t.checksPassAfter()));
    assertThat(nodes(instances("web", "?passing"))).containsExactly("a.lab", "b");
    assertThat(lab.eventsFor("a"))
        .filteredOn(e -> e.type() == SimEvent.Type.CHECKS_CHANGED)
        .extracting(SimEvent::detail)
        .contains("registered, 1 critical");
  }

  @Test
  void nodeMaintenanceTakesEveryInstanceOnTheHostOutOfPassing() {
    SimHttp.put(
        lab.consulAgentAddress("b") + "/v1/agent/maintenance?enable=true&reason=patch",
        null,
        "X-Consul-Token",
        TOKEN);

    assertThat(nodes(instances("web", "?passing"))).containsExactly("a.lab");
    assertThat(instances("db", "?passing")).isEmpty();
    assertThat(nodes(instances("db", "?passing=false"))).containsExactly("b");
  }

  @Test
  void withoutServiceReadTheInstancesAreFilteredAndSaidSo() {
    lab.consulAcl().revoke(SimConsulAcl.Permission.SERVICE_READ);

    SimHttp.Answer answer = get(consul + "/v1/health/service/web", "X-Consul-Token", TOKEN);

    assertThat(answer.json()).isEmpty();
    assertThat(answer.headers().firstValue("X-Consul-Results-Filtered-By-ACLs")).contains("true");
  }
}
