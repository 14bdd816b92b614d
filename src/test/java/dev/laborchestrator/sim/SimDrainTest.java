package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.SimHttp.await;
import static dev.laborchestrator.sim.SimHttp.get;
import static dev.laborchestrator.sim.SimHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimDrainTest {

  static final SimTiming TIMING =
      new SimTiming(
          Duration.ofMillis(30),
          Duration.ofMillis(20),
          Duration.ofMillis(30),
          Duration.ofMillis(60),
          Duration.ofMillis(40),
          Duration.ofMillis(60),
          Duration.ofMillis(150));
  static final Duration WITHIN = Duration.ofSeconds(5);

  SimLab lab;
  String nomad;
  String web1;

  @BeforeEach
  void start() {
    lab =
        SimLab.builder()
            .timing(TIMING)
            .node(SimNode.named("web-1").serviceAllocs(2).batchAllocs(1).systemAllocs(1))
            .node(SimNode.named("web-2").systemAllocs(1))
            .node(SimNode.named("web-3").eligible(false))
            .build()
            .start();
    nomad = lab.nomadAddress();
    web1 = lab.node("web-1").id();
  }

  @AfterEach
  void stop() {
    lab.close();
  }

  JsonNode node(String id) {
    return get(nomad + "/v1/node/" + id).json();
  }

  List<JsonNode> allocs(String id) {
    List<JsonNode> list = new ArrayList<>();
    get(nomad + "/v1/node/" + id + "/allocations").json().forEach(list::add);
    return list;
  }

  SimHttp.Answer drain(String id, String body) {
    return post(nomad + "/v1/node/" + id + "/drain", body);
  }

  @Test
  void drainMigratesCoveredAllocsThenClearsTheStrategyWithLastDrainComplete() {
    SimHttp.Answer answer =
        drain(
            web1,
            "{\"DrainSpec\":{\"Deadline\":0,\"IgnoreSystemJobs\":true},"
                + "\"MarkEligible\":false,\"Meta\":{\"message\":\"nixos rollout\"}}");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().get("EvalIDs").isNull()).isTrue();
    assertThat(answer.json().get("NodeModifyIndex").asLong()).isEqualTo(answer.nomadIndex());
    JsonNode draining = node(web1);
    assertThat(draining.get("SchedulingEligibility").asText()).isEqualTo("ineligible");
    assertThat(draining.get("DrainStrategy").get("Deadline").asLong()).isZero();
    assertThat(draining.get("DrainStrategy").get("IgnoreSystemJobs").asBoolean()).isTrue();
    assertThat(draining.get("DrainStrategy").get("ForceDeadline").asText())
        .isEqualTo("0001-01-01T00:00:00Z");
    assertThat(draining.get("LastDrain").get("Status").asText()).isEqualTo("draining");
    assertThat(draining.get("LastDrain").get("Meta").get("message").asText())
        .isEqualTo("nixos rollout");

    await("drain complete", WITHIN, () -> node(web1).get("DrainStrategy").isNull());

    JsonNode done = node(web1);
    assertThat(done.get("LastDrain").get("Status").asText()).isEqualTo("complete");
    assertThat(done.get("LastDrain").get("Meta").get("message").asText())
        .isEqualTo("nixos rollout");
    assertThat(done.get("SchedulingEligibility").asText()).isEqualTo("ineligible");
    assertThat(done.get("Events").findValuesAsText("Message"))
        .contains("Node drain strategy set", "Node drain complete");
    for (JsonNode alloc : allocs(web1)) {
      String type = alloc.get("Job").get("Type").asText();
      String status = alloc.get("ClientStatus").asText();
      switch (type) {
        case "service" -> {
          assertThat(status).isEqualTo("complete");
          assertThat(alloc.get("DesiredStatus").asText()).isEqualTo("stop");
          assertThat(alloc.get("DesiredTransition").get("Migrate").asBoolean()).isTrue();
          assertThat(alloc.get("NextAllocation").asText()).isNotEmpty();
        }
        case "batch" -> assertThat(status).isEqualTo("complete");
        default -> assertThat(status).isEqualTo("running");
      }
    }
    String web2 = lab.node("web-2").id();
    await(
        "replacements running",
        WITHIN,
        () ->
            lab.node("web-2").activeAllocs().get("service") == 2
                && allocs(web2).stream()
                    .filter(a -> a.get("Job").get("Type").asText().equals("service"))
                    .allMatch(a -> a.get("ClientStatus").asText().equals("running")));
    assertThat(lab.node("web-3").activeAllocs().get("service"))
        .as("ineligible web-3 takes no replacement")
        .isZero();
    assertThat(lab.eventsFor("web-1"))
        .filteredOn(e -> e.type() == SimEvent.Type.ALLOC_MIGRATED)
        .hasSize(2);
    SimEvent complete = eventOf("web-1", SimEvent.Type.DRAIN_COMPLETE);
    assertThat(complete.activeNonSystemAllocs()).isZero();
    assertThat(complete.activeSystemAllocs()).isEqualTo(1);
  }

  @Test
  void systemAllocsOutliveTheDrainStrategyWhenNotIgnored() {
    drain(web1, "{\"DrainSpec\":{\"Deadline\":0,\"IgnoreSystemJobs\":false}}");

    await(
        "system alloc stopped", WITHIN, () -> lab.node("web-1").activeAllocs().get("system") == 0);

    SimEvent complete = eventOf("web-1", SimEvent.Type.DRAIN_COMPLETE);
    assertThat(complete.draining()).isFalse();
    assertThat(complete.activeSystemAllocs())
        .as("still running when the strategy clears")
        .isEqualTo(1);
    SimEvent stopped = eventOf("web-1", SimEvent.Type.ALLOC_STOPPED);
    assertThat(stopped.atMillis() - complete.atMillis())
        .isGreaterThanOrEqualTo(TIMING.systemAllocStopLag().toMillis() - 10);
    assertThat(allocs(web1))
        .filteredOn(a -> a.get("Job").get("Type").asText().equals("system"))
        .allSatisfy(a -> assertThat(a.get("ClientStatus").asText()).isEqualTo("complete"));
  }

  @Test
  void aPassedDeadlineStopsTheRemainingAllocsAtOnce() {
    lab.faults("web-1").slowDrain(Duration.ofMinutes(5));

    drain(web1, "{\"DrainSpec\":{\"Deadline\":100000000,\"IgnoreSystemJobs\":true}}");

    assertThat(node(web1).get("DrainStrategy").get("ForceDeadline").asText())
        .isNotEqualTo("0001-01-01T00:00:00Z");
    await("drain complete", WITHIN, () -> !lab.node("web-1").draining());
    assertThat(lab.eventsFor("web-1"))
        .filteredOn(e -> e.type() == SimEvent.Type.ALLOC_MIGRATED)
        .extracting(SimEvent::detail)
        .allMatch(d -> d.endsWith("(deadline)"))
        .hasSize(2);
    assertThat(lab.node("web-1").activeAllocs()).containsEntry("system", 1);
  }

  @Test
  void aNegativeDeadlineForcesTheDrain() {
    lab.faults("web-1").slowDrain(Duration.ofMinutes(5));

    drain(web1, "{\"DrainSpec\":{\"Deadline\":-1,\"IgnoreSystemJobs\":false}}");

    await("drain complete", WITHIN, () -> !lab.node("web-1").draining());
    assertThat(lab.node("web-1").activeAllocs())
        .containsEntry("service", 0)
        .containsEntry("batch", 0)
        .containsEntry("system", 0);
  }

  @Test
  void aNullDrainSpecCancelsTheDrainAndMarkEligibleRestoresScheduling() {
    lab.faults("web-1").slowDrain(Duration.ofMinutes(5));
    drain(web1, "{\"DrainSpec\":{\"Deadline\":0,\"IgnoreSystemJobs\":true}}");

    SimHttp.Answer cancel = drain(web1, "{\"DrainSpec\":null,\"MarkEligible\":true}");

    assertThat(cancel.status()).isEqualTo(200);
    assertThat(cancel.json().get("EvalIDs")).hasSize(1);
    JsonNode node = node(web1);
    assertThat(node.get("DrainStrategy").isNull()).isTrue();
    assertThat(node.get("LastDrain").get("Status").asText()).isEqualTo("canceled");
    assertThat(node.get("SchedulingEligibility").asText()).isEqualTo("eligible");
    assertThat(lab.eventsFor("web-1"))
        .extracting(SimEvent::type)
        .contains(SimEvent.Type.DRAIN_CANCELED, SimEvent.Type.ELIGIBILITY_CHANGED);
  }

  @Test
  void eligibilityIsRefusedWithNomadsErrorWhileDraining() {
    lab.faults("web-1").slowDrain(Duration.ofMinutes(5));
    drain(web1, "{\"DrainSpec\":{\"Deadline\":0,\"IgnoreSystemJobs\":true}}");

    SimHttp.Answer refused =
        post(nomad + "/v1/node/" + web1 + "/eligibility", "{\"Eligibility\":\"eligible\"}");

    assertThat(refused.status()).isEqualTo(500);
    assertThat(refused.body())
        .isEqualTo("can not set node's scheduling eligibility to eligible while it is draining");
    assertThat(lab.node("web-1").eligible()).isFalse();
  }

  @Test
  void eligibilityAfterTheDrainSucceedsAndCreatesAnEvaluation() {
    drain(web1, "{\"DrainSpec\":{\"Deadline\":0,\"IgnoreSystemJobs\":true}}");
    await("drain complete", WITHIN, () -> !lab.node("web-1").draining());

    SimHttp.Answer ok =
        post(nomad + "/v1/node/" + web1 + "/eligibility", "{\"Eligibility\":\"eligible\"}");

    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.json().get("EvalIDs")).hasSize(1);
    assertThat(ok.json().get("NodeModifyIndex").asLong()).isEqualTo(ok.nomadIndex()).isPositive();
    assertThat(node(web1).get("SchedulingEligibility").asText()).isEqualTo("eligible");
    assertThat(eventOf("web-1", SimEvent.Type.ELIGIBILITY_CHANGED).detail())
        .isEqualTo("ineligible by drain api");
    assertThat(lab.eventsFor("web-1").get(lab.eventsFor("web-1").size() - 1).detail())
        .isEqualTo("eligible by api");
  }

  @Test
  void anUnchangedEligibilityIsANoOpWithIndexZero() {
    SimHttp.Answer same =
        post(nomad + "/v1/node/" + web1 + "/eligibility", "{\"Eligibility\":\"eligible\"}");

    assertThat(same.status()).isEqualTo(200);
    assertThat(same.nomadIndex()).isZero();
    assertThat(same.json().get("NodeModifyIndex").asLong()).isZero();
  }

  @Test
  void anInvalidEligibilityIsAnUncodedRpcError() {
    SimHttp.Answer bad =
        post(nomad + "/v1/node/" + web1 + "/eligibility", "{\"Eligibility\":\"maybe\"}");

    assertThat(bad.status()).isEqualTo(500);
    assertThat(bad.body()).isEqualTo("invalid scheduling eligibility \"maybe\"");
  }

  @Test
  void theOldEnableQueryFormIsRefusedWith400() {
    SimHttp.Answer old = post(nomad + "/v1/node/" + web1 + "/drain?enable=true", null);

    assertThat(old.status()).isEqualTo(400);
    assertThat(old.body()).isEqualTo("Request body is empty");
    assertThat(lab.node("web-1").draining()).isFalse();
  }

  @Test
  void malformedOrMistypedBodiesAre400() {
    assertThat(drain(web1, "{\"DrainSpec\":").status()).isEqualTo(400);
    assertThat(drain(web1, "{\"DrainSpec\":{\"Deadline\":\"1h\"}}").status()).isEqualTo(400);
    assertThat(drain(web1, "[]").status()).isEqualTo(400);
    assertThat(post(nomad + "/v1/node/" + web1 + "/eligibility", "nope").status()).isEqualTo(400);
    assertThat(lab.node("web-1").draining()).isFalse();
  }

  @Test
  void goFieldNamesMatchCaseInsensitively() {
    lab.faults("web-1").slowDrain(Duration.ofMinutes(5));

    drain(web1, "{\"drainspec\":{\"deadline\":0,\"ignoresystemjobs\":true}}");

    assertThat(lab.node("web-1").draining()).isTrue();
  }

  @Test
  void anUnknownNodeIs404ToReadAndAnRpcErrorToWrite() {
    String unknown = "00000000-0000-0000-0000-000000000000";

    assertThat(get(nomad + "/v1/node/" + unknown).status()).isEqualTo(404);
    assertThat(get(nomad + "/v1/node/" + unknown).body()).isEqualTo("node not found");
    assertThat(drain(unknown, "{\"DrainSpec\":null}").status()).isEqualTo(500);
    SimHttp.Answer allocs = get(nomad + "/v1/node/" + unknown + "/allocations");
    assertThat(allocs.status()).isEqualTo(200);
    assertThat(allocs.json()).isEmpty();
    assertThat(get(nomad + "/v1/jobs").status()).isEqualTo(404);
    assertThat(post(nomad + "/v1/nodes", "{}").status()).isEqualTo(405);
  }

  @Test
  void replacementsWaitWhileNoNodeCanTakeThem() {
    lab.operatorSetEligibility("web-2", false);

    drain(web1, "{\"DrainSpec\":{\"Deadline\":0,\"IgnoreSystemJobs\":true}}");
    await("drain complete", WITHIN, () -> !lab.node("web-1").draining());

    assertThat(lab.eventsFor("web-1"))
        .filteredOn(e -> e.type() == SimEvent.Type.ALLOC_MIGRATED)
        .allMatch(e -> e.detail().contains("blocked"));
    lab.operatorSetEligibility("web-2", true);
    await(
        "blocked replacements placed",
        WITHIN,
        () -> lab.node("web-2").activeAllocs().get("service") == 2);
  }

  @Test
  void theNodeListHasStubsWithoutMeta() {
    drain(web1, "{\"DrainSpec\":{\"Deadline\":0,\"IgnoreSystemJobs\":true}}");

    JsonNode stubs = get(nomad + "/v1/nodes").json();

    assertThat(stubs).hasSize(3);
    JsonNode first = stubs.get(0);
    assertThat(first.has("Meta")).isFalse();
    assertThat(first.has("Attributes")).isFalse();
    assertThat(first.get("Name").asText()).isEqualTo("web-1");
    assertThat(first.get("Drain").asBoolean()).isTrue();
    assertThat(first.get("Address").asText()).isEqualTo("127.0.0.11");
    assertThat(
            get(nomad + "/v1/nodes?os=true")
                .json()
                .get(0)
                .get("Attributes")
                .get("os.name")
                .asText())
        .isEqualTo("nixos");
    assertThat(get(nomad + "/v1/nodes?prefix=" + web1.substring(0, 8)).json()).hasSize(1);
  }

  @Test
  void theFullNodeHasTheDocumentedTopLevelFields() {
    JsonNode node = node(web1);

    // Top-level fields of nodes.mdx "Read Node" (Nomad v1.10 sample), less the pre-0.10
    // Resources/Reserved it still shows.
    assertThat(node.fieldNames())
        .toIterable()
        .contains(
            "Attributes",
            "ComputedClass",
            "CreateIndex",
            "Datacenter",
            "Drain",
            "DrainStrategy",
            "Drivers",
            "Events",
            "HTTPAddr",
            "HostVolumes",
            "HostNetworks",
            "ID",
            "LastDrain",
            "Links",
            "Meta",
            "ModifyIndex",
            "Name",
            "NodeClass",
            "NodePool",
            "NodeResources",
            "ReservedResources",
            "SchedulingEligibility",
            "SecretID",
            "Status",
            "StatusDescription",
            "StatusUpdatedAt",
            "TLSEnabled");
    assertThat(node.get("Attributes").get("unique.consul.name").asText()).isEqualTo("web-1");
    assertThat(node.get("Attributes").get("os.name").asText()).isEqualTo("nixos");
    assertThat(node.get("Meta").get("nixos.revision").asText()).isEqualTo("initial");
    assertThat(node.get("Meta").get("lab.boot-id").asText()).hasSize(36);
    assertThat(node.get("HTTPAddr").asText()).isEqualTo("127.0.0.11:4646");
    assertThat(node.get("LastDrain").isNull()).isTrue();
    JsonNode alloc = allocs(web1).get(0);
    assertThat(alloc.fieldNames())
        .toIterable()
        .contains(
            "ID",
            "Name",
            "NodeID",
            "JobID",
            "Job",
            "TaskGroup",
            "ClientStatus",
            "DesiredStatus",
            "DesiredTransition",
            "CreateIndex",
            "ModifyIndex");
    assertThat(alloc.get("Job").get("Type").asText()).isEqualTo("service");
    assertThat(Map.of("ClientStatus", alloc.get("ClientStatus").asText()))
        .containsEntry("ClientStatus", "running");
  }

  private SimEvent eventOf(String node, SimEvent.Type type) {
    return lab.eventsFor(node).stream()
        .filter(e -> e.type() == type)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " for " + node));
  }
}
