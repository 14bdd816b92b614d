package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.SimHttp.JSON;
import static dev.laborchestrator.sim.SimHttp.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.laborchestrator.port.Allocation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A migrated allocation's replacement: linked both ways, and healthy (or not, or never) after its
 * job's delay, while the drain completes without waiting for that health.
 */
class SimReplacementTest {

  static final Duration MIN_HEALTHY = Duration.ofSeconds(10);
  static final Duration MIGRATED = SimDrainTest.TIMING.drainPerAlloc();
  static final Duration RUNNING = MIGRATED.plus(SimDrainTest.TIMING.allocStart());

  final SimCapacityTest clock = new SimCapacityTest();

  @AfterEach
  void stop() {
    clock.stop();
  }

  void start(SimNode.ReplacementHealth health) {
    clock.start(
        b ->
            b.node(
                    SimNode.named("src")
                        .serviceAllocs(1)
                        .healthyAfter(MIN_HEALTHY)
                        .replacementHealth(health))
                .node(SimNode.named("dst")));
  }

  JsonNode alloc(String id) {
    return get(clock.nomad + "/v1/allocation/" + id).json();
  }

  String original() {
    return clock.serviceAllocsOn("src").get(0).get("ID").asText();
  }

  @Test
  void aReplacementIsLinkedToTheOriginalAndHealthyOnlyAfterItsMinHealthyTime() throws Exception {
    start(SimNode.ReplacementHealth.HEALTHY);
    String original = original();

    clock.drain("src");
    clock.at(MIGRATED);
    clock.at(RUNNING);

    String next = alloc(original).get("NextAllocation").asText();
    assertThat(next).isNotEmpty();
    JsonNode replacement = alloc(next);
    assertThat(replacement.get("PreviousAllocation").asText()).isEqualTo(original);
    assertThat(replacement.get("ClientStatus").asText()).isEqualTo("running");
    assertThat(replacement.get("DeploymentStatus").isNull()).as("no health yet").isTrue();
    assertThat(replacement.get("Job").get("TaskGroups").get(0).get("Migrate").get("MinHealthyTime"))
        .isEqualTo(JSON.getNodeFactory().numberNode(MIN_HEALTHY.toNanos()));
    assertThat(clock.lab.node("src").draining())
        .as("the drain does not wait for the replacement's health")
        .isFalse();

    clock.at(RUNNING.plus(MIN_HEALTHY).minusMillis(1));
    assertThat(alloc(next).get("DeploymentStatus").isNull()).isTrue();

    clock.at(RUNNING.plus(MIN_HEALTHY));
    Allocation healthy = JSON.treeToValue(alloc(next), Allocation.class);
    assertThat(healthy.deploymentStatus().isHealthy()).isTrue();
    assertThat(healthy.previousAllocation()).isEqualTo(original);
    assertThat(JSON.treeToValue(alloc(original), Allocation.class).nextAllocation())
        .isEqualTo(next);
    assertThat(clock.lab.eventsFor("dst"))
        .filteredOn(e -> e.type() == SimEvent.Type.ALLOC_HEALTHY)
        .singleElement()
        .satisfies(e -> assertThat(e.detail()).contains("src-service-0", "replacement"));
  }

  @Test
  void anUnhealthyReplacementReportsHealthyFalse() throws Exception {
    start(SimNode.ReplacementHealth.UNHEALTHY);
    String original = original();

    clock.drain("src");
    clock.at(MIGRATED);
    clock.at(RUNNING);
    clock.at(RUNNING.plus(MIN_HEALTHY));

    Allocation replacement =
        JSON.treeToValue(alloc(alloc(original).get("NextAllocation").asText()), Allocation.class);
    assertThat(replacement.deploymentStatus().isUnhealthy()).isTrue();
    assertThat(replacement.deploymentStatus().hasHealth()).isTrue();
    assertThat(clock.lab.eventsFor("dst"))
        .extracting(SimEvent::type)
        .contains(SimEvent.Type.ALLOC_UNHEALTHY)
        .doesNotContain(SimEvent.Type.ALLOC_HEALTHY);
  }

  @Test
  void aReplacementWithoutHealthIsNotMigratedByTheNextDrainUntilItsDeadline() throws Exception {
    start(SimNode.ReplacementHealth.NEVER);
    String original = original();
    clock.drain("src");
    clock.at(MIGRATED);
    clock.at(RUNNING);
    clock.at(RUNNING.plus(MIN_HEALTHY).plus(MIN_HEALTHY));
    String next = alloc(original).get("NextAllocation").asText();
    assertThat(alloc(next).get("DeploymentStatus").isNull()).isTrue();

    clock.drain("dst");
    clock.at(RUNNING.plus(MIN_HEALTHY).plus(MIN_HEALTHY).plus(Duration.ofMinutes(1)));

    assertThat(alloc(next).get("ClientStatus").asText())
        .as("watch_jobs.go: no health, not drainable")
        .isEqualTo("running");
    assertThat(clock.lab.node("dst").draining()).isTrue();
    assertThat(clock.lab.eventsFor("dst"))
        .extracting(SimEvent::type)
        .doesNotContain(SimEvent.Type.ALLOC_MIGRATED);
    List<JsonNode> onDst = clock.serviceAllocsOn("dst");
    assertThat(onDst).hasSize(1);
  }
}
