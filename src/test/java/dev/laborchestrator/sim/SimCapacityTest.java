package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.SimHttp.JSON;
import static dev.laborchestrator.sim.SimHttp.get;
import static dev.laborchestrator.sim.SimHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.laborchestrator.port.Allocation;
import dev.laborchestrator.port.Evaluation;
import dev.laborchestrator.port.NodeStub;
import dev.laborchestrator.port.NomadNode;
import dev.laborchestrator.port.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Node and allocation resources, where a replacement may go, and blocked evaluations when it fits
 * nowhere. The lab's clock is scripted: nothing moves until a test says so.
 */
class SimCapacityTest {

  static final long START = Instant.parse("2026-12-02T03:00:00Z").toEpochMilli();

  final AtomicLong now = new AtomicLong(START);
  SimLab lab;
  String nomad;

  @AfterEach
  void stop() {
    if (lab != null) {
      lab.close();
    }
  }

  void start(Consumer<SimLab.Builder> nodes) {
    SimLab.Builder builder = SimLab.builder().timing(SimDrainTest.TIMING).clock(now::get);
    nodes.accept(builder);
    lab = builder.build().start();
    nomad = lab.nomadAddress();
  }

  /** Moves the lab's clock to {@code START + elapsed} and lets the lab catch up. */
  void at(Duration elapsed) {
    now.set(START + elapsed.toMillis());
    lab.tickNow();
  }

  String id(String node) {
    return lab.node(node).id();
  }

  void drain(String node) {
    SimHttp.Answer answer =
        post(
            nomad + "/v1/node/" + id(node) + "/drain",
            "{\"DrainSpec\":{\"Deadline\":0,\"IgnoreSystemJobs\":true}}");
    assertThat(answer.status()).isEqualTo(200);
  }

  List<JsonNode> list(String pathAndQuery) {
    List<JsonNode> list = new ArrayList<>();
    get(nomad + pathAndQuery).json().forEach(list::add);
    return list;
  }

  List<JsonNode> serviceAllocsOn(String node) {
    return list("/v1/node/" + id(node) + "/allocations").stream()
        .filter(a -> a.get("Job").get("Type").asText().equals("service"))
        .filter(a -> a.get("DesiredStatus").asText().equals("run"))
        .toList();
  }

  @Test
  void nodesAndAllocationsCarryTheirResourcesPoolAndDatacenter() throws Exception {
    start(
        b ->
            b.node(
                SimNode.named("edge-1")
                    .datacenter("dc2")
                    .nodePool("edge")
                    .cpu(4000)
                    .memory(8000)
                    .reserved(500, 1000)
                    .allocSize(300, 512)
                    .serviceAllocs(1)));

    JsonNode json = get(nomad + "/v1/node/" + id("edge-1")).json();
    assertThat(json.get("NodeResources").get("Cpu").get("CpuShares").asInt()).isEqualTo(4000);
    assertThat(json.get("ReservedResources").get("Memory").get("MemoryMB").asInt()).isEqualTo(1000);
    NomadNode node = JSON.treeToValue(json, NomadNode.class);
    assertThat(node.datacenter()).isEqualTo("dc2");
    assertThat(node.nodePool()).isEqualTo("edge");
    assertThat(node.allocatable()).isEqualTo(Resources.of(3500, 7000));

    Allocation alloc =
        JSON.treeToValue(
            get(nomad + "/v1/node/" + id("edge-1") + "/allocations").json().get(0),
            Allocation.class);
    assertThat(alloc.resources()).isEqualTo(Resources.of(300, 512));
    assertThat(alloc.taskGroup()).isEqualTo("app");
    assertThat(alloc.deploymentStatus().isHealthy()).isTrue();

    JsonNode stub = list("/v1/nodes?resources=true").get(0);
    assertThat(JSON.treeToValue(stub, NodeStub.class).nodeResources())
        .isEqualTo(Resources.of(4000, 8000));
    assertThat(stub.get("NodePool").asText()).isEqualTo("edge");
    assertThat(stub.get("Datacenter").asText()).isEqualTo("dc2");
    assertThat(list("/v1/nodes").get(0).has("NodeResources")).isFalse();

    JsonNode allocStub = list("/v1/allocations?resources=true&task_states=false").get(0);
    assertThat(allocStub.get("AllocatedResources").get("Tasks").get("app").get("Memory"))
        .isNotNull();
    assertThat(JSON.treeToValue(allocStub, Allocation.class).resources())
        .isEqualTo(Resources.of(300, 512));
    assertThat(allocStub.get("TaskStates").isNull()).isTrue();
    assertThat(list("/v1/allocations").get(0).has("AllocatedResources")).isFalse();
    assertThat(list("/v1/allocations").get(0).get("TaskStates").isObject()).isTrue();
  }

  @Test
  void aReplacementGoesOnlyToAReadyEligibleNodeOfTheSamePoolAndDatacenterWithRoom() {
    start(
        b ->
            b.node(SimNode.named("src").serviceAllocs(1).allocSize(1000, 1000))
                .node(SimNode.named("far").datacenter("dc2"))
                .node(SimNode.named("gpu").nodePool("gpu"))
                .node(SimNode.named("off").eligible(false))
                .node(SimNode.named("full").cpu(1500).serviceAllocs(1).allocSize(1000, 1000))
                // the busiest node: picked only because every other one is ruled out
                .node(SimNode.named("roomy").serviceAllocs(2)));
    String original = serviceAllocsOn("src").get(0).get("ID").asText();

    drain("src");
    at(SimDrainTest.TIMING.drainPerAlloc());

    List<JsonNode> placed = serviceAllocsOn("roomy");
    assertThat(placed).hasSize(3);
    JsonNode replacement =
        placed.stream()
            .filter(a -> a.get("PreviousAllocation").asText().equals(original))
            .findFirst()
            .orElseThrow();
    assertThat(replacement.get("AllocatedResources").get("Tasks").get("app").get("Cpu"))
        .isEqualTo(JSON.createObjectNode().put("CpuShares", 1000));
    JsonNode old = get(nomad + "/v1/allocation/" + original).json();
    assertThat(old.get("NextAllocation").asText()).isEqualTo(replacement.get("ID").asText());
    for (String other : List.of("far", "gpu", "off")) {
      assertThat(serviceAllocsOn(other)).as(other).isEmpty();
    }
    assertThat(serviceAllocsOn("full")).hasSize(1);
    assertThat(list("/v1/evaluations?status=blocked")).isEmpty();
    assertThat(list("/v1/evaluations"))
        .singleElement()
        .satisfies(e -> assertThat(e.get("TriggeredBy").asText()).isEqualTo("node-drain"));
  }

  @Test
  void whenNothingFitsAnEvaluationIsBlockedUntilRoomAppears() throws Exception {
    start(
        b ->
            b.node(SimNode.named("src").serviceAllocs(1).allocSize(1000, 2000))
                .node(SimNode.named("small").memory(1500))
                .node(SimNode.named("spare").eligible(false)));
    String original = serviceAllocsOn("src").get(0).get("ID").asText();

    drain("src");
    at(SimDrainTest.TIMING.drainPerAlloc());

    List<JsonNode> blocked = list("/v1/evaluations?status=blocked");
    assertThat(blocked).hasSize(1);
    JsonNode eval = blocked.get(0);
    assertThat(eval.get("TriggeredBy").asText()).isEqualTo("queued-allocs");
    assertThat(eval.get("StatusDescription").asText())
        .isEqualTo("created to place remaining allocations");
    assertThat(eval.get("JobID").asText()).isEqualTo("src-service-0");
    Evaluation parsed = JSON.treeToValue(eval, Evaluation.class);
    assertThat(parsed.blocked()).isTrue();
    Evaluation.AllocMetric metric = parsed.failedTgAllocs().get("app");
    assertThat(metric.nodesEvaluated()).isEqualTo(1);
    assertThat(metric.nodesExhausted()).isEqualTo(1);
    assertThat(metric.dimensionExhausted()).containsEntry("memory", 1);
    assertThat(metric.nodesAvailable()).containsEntry("dc1", 1);
    JsonNode drainEval = get(nomad + "/v1/evaluation/" + parsed.previousEval()).json();
    assertThat(drainEval.get("TriggeredBy").asText()).isEqualTo("node-drain");
    assertThat(drainEval.get("Status").asText()).isEqualTo("complete");
    assertThat(drainEval.get("BlockedEval").asText()).isEqualTo(parsed.id());
    assertThat(list("/v1/evaluations?filter=" + enc("Status == \"blocked\""))).hasSize(1);
    assertThat(get(nomad + "/v1/evaluations?status=blocked&filter=x").status()).isEqualTo(400);
    assertThat(get(nomad + "/v1/allocation/" + original).json().get("NextAllocation").asText())
        .isEmpty();
    assertThat(lab.eventsFor("src"))
        .filteredOn(e -> e.type() == SimEvent.Type.EVAL_BLOCKED)
        .singleElement()
        .satisfies(e -> assertThat(e.detail()).contains("src-service-0", "memory"));
    assertThat(lab.node("src").draining()).as("the drain itself completes").isFalse();

    lab.operatorSetEligibility("spare", true);
    at(SimDrainTest.TIMING.drainPerAlloc().plusMillis(5));

    assertThat(list("/v1/evaluations?status=blocked")).isEmpty();
    assertThat(get(nomad + "/v1/evaluation/" + parsed.id()).json().get("Status").asText())
        .isEqualTo("complete");
    assertThat(serviceAllocsOn("spare"))
        .singleElement()
        .satisfies(a -> assertThat(a.get("PreviousAllocation").asText()).isEqualTo(original));
  }

  static String enc(String text) {
    return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
  }
}
