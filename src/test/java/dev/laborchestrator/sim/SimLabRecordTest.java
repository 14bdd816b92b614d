package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.SimHttp.await;
import static dev.laborchestrator.sim.SimHttp.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The record and the Java-side view of the lab. */
class SimLabRecordTest {

  static final Duration WITHIN = Duration.ofSeconds(5);

  SimLab lab;
  String nomad;

  @BeforeEach
  void start() {
    lab =
        SimLab.builder()
            .timing(SimDrainTest.TIMING)
            .node(
                SimNode.named("web-1")
                    .address("127.0.0.61")
                    .meta(Map.of("lab.role", "web"))
                    .revision("rev-a")
                    .serviceAllocs(2)
                    .batchAllocs(1)
                    .systemAllocs(1)
                    .checks("http: web", "disk"))
            .node(SimNode.named("web-2"))
            .node(SimNode.named("db-1").eligible(false))
            .build()
            .start();
    nomad = lab.nomadAddress();
  }

  @AfterEach
  void stop() {
    lab.close();
  }

  void drainAndEnable(String name) {
    String id = lab.node(name).id();
    post(
        nomad + "/v1/node/" + id + "/drain",
        "{\"DrainSpec\":{\"Deadline\":0,\"IgnoreSystemJobs\":true}}");
    await(name + " drained", WITHIN, () -> !lab.node(name).draining());
    post(nomad + "/v1/node/" + id + "/eligibility", "{\"Eligibility\":\"eligible\"}");
  }

  @Test
  void aNodeSnapshotDescribesTheHost() {
    SimNodeState web1 = lab.node("web-1");

    assertThat(web1.name()).isEqualTo("web-1");
    assertThat(web1.id()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    assertThat(web1.id()).as("deterministic").isEqualTo(lab.node("web-1").id());
    assertThat(web1.consulName()).isEqualTo("web-1");
    assertThat(web1.ready()).isTrue();
    assertThat(web1.eligible()).isTrue();
    assertThat(web1.revision()).isEqualTo("rev-a");
    assertThat(web1.bootId()).isNotBlank();
    assertThat(web1.activeAllocs())
        .containsEntry("service", 2)
        .containsEntry("batch", 1)
        .containsEntry("system", 1);
    assertThat(web1.activeNonSystemAllocs()).isEqualTo(3);
    assertThat(web1.checks())
        .containsOnlyKeys("serfHealth", "service:web", "disk")
        .containsValue("passing");
    assertThat(web1.checksPassing()).isTrue();
    assertThat(SimHttp.get(nomad + "/v1/node/" + web1.id()).json().get("Meta").get("lab.role"))
        .hasToString("\"web\"");
    assertThat(web1.address()).isEqualTo("127.0.0.61");
    assertThat(SimHttp.get(nomad + "/v1/nodes").json().get(0).get("Address").asText())
        .isEqualTo("127.0.0.61");
    assertThat(SimHttp.get(nomad + "/v1/node/" + web1.id()).json().get("HTTPAddr").asText())
        .isEqualTo("127.0.0.61:4646");
    assertThat(lab.node("web-2").address()).as("the first free default").isEqualTo("127.0.0.11");
    assertThat(lab.node("db-1").address()).isEqualTo("127.0.0.12");
  }

  @Test
  void anOperatorsEligibilityChangeIsAnEventButNotARequest() {
    lab.operatorSetEligibility("web-2", false);

    assertThat(lab.node("web-2").eligible()).isFalse();
    assertThat(lab.eventsFor("web-2"))
        .last()
        .satisfies(
            e -> {
              assertThat(e.type()).isEqualTo(SimEvent.Type.ELIGIBILITY_CHANGED);
              assertThat(e.detail()).isEqualTo("ineligible by operator");
              assertThat(e.eligible()).isFalse();
            });
    assertThat(lab.requests()).isEmpty();
  }

  @Test
  void anOperatorCannotMakeADrainingNodeEligible() {
    lab.faults("web-1").slowDrain(Duration.ofMinutes(5));
    post(nomad + "/v1/node/" + lab.node("web-1").id() + "/drain", "{\"DrainSpec\":{}}");

    assertThatThrownBy(() -> lab.operatorSetEligibility("web-1", true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("while it is draining");
    assertThatThrownBy(() -> lab.node("nope")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void maxNodesOutOfServiceReplaysTheRecord() {
    drainAndEnable("web-1");
    await("web-1 enabled", WITHIN, () -> lab.node("web-1").eligible());
    drainAndEnable("web-2");
    await("web-2 enabled", WITHIN, () -> lab.node("web-2").eligible());

    assertThat(lab.maxNodesOutOfService(Set.of("db-1"))).isEqualTo(1);
    assertThat(lab.maxNodesOutOfService(Set.of())).isEqualTo(2);
    assertThat(lab.mutatingRequests())
        .extracting(SimRequest::method)
        .containsOnly("POST")
        .hasSize(4);
    assertThat(lab.requests()).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
  }

  @Test
  void everyNodeStartsWithARegisteredEventOfItsInitialState() {
    assertThat(lab.events())
        .filteredOn(e -> e.type() == SimEvent.Type.NODE_REGISTERED)
        .extracting(SimEvent::node, SimEvent::outOfService)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("web-1", false),
            org.assertj.core.groups.Tuple.tuple("web-2", false),
            org.assertj.core.groups.Tuple.tuple("db-1", true));
  }

  @Test
  void theBuilderRejectsDuplicateNamesAndEmptyLabs() {
    assertThatThrownBy(
            () -> SimLab.builder().node(SimNode.named("a")).node(SimNode.named("a")).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SimLab.builder().build()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> SimLab.builder().nomadToken(" "))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
