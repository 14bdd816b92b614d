package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.SimHttp.await;
import static dev.laborchestrator.sim.SimHttp.get;
import static dev.laborchestrator.sim.SimHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code /v1/client/metadata}: dynamic node metadata and the re-registration it causes. */
class SimNodeMetaTest {
  private static final Duration WITHIN = Duration.ofSeconds(5);

  SimLab lab;
  String nomad;
  String id;

  @BeforeEach
  void start() {
    lab =
        SimLab.builder()
            .timing(SimDrainTest.TIMING)
            .node(
                SimNode.named("web-1").publishesBootId(false).meta(java.util.Map.of("rack", "r1")))
            .build()
            .start();
    nomad = lab.nomadAddress();
    id = lab.node("web-1").id();
  }

  @AfterEach
  void stop() {
    lab.close();
  }

  private JsonNode node() {
    return get(nomad + "/v1/node/" + id).json();
  }

  private SimHttp.Answer apply(String body) {
    return post(nomad + "/v1/client/metadata?node_id=" + id, body);
  }

  @Test
  void setMetaReRegistersTheNodeMovingStatusUpdatedAtButNotItsStatusOrEvents() {
    JsonNode before = node();
    long second = before.get("StatusUpdatedAt").asLong();
    // StatusUpdatedAt has whole seconds: let a second pass since the node registered.
    await("the next second", WITHIN, () -> System.currentTimeMillis() / 1000 > second);

    SimHttp.Answer answer = apply("{\"Meta\":{\"lab.rollout.state\":\"DRAINING\"}}");

    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.json().get("Meta").get("lab.rollout.state").asText()).isEqualTo("DRAINING");
    assertThat(answer.json().get("Meta").get("rack").asText()).isEqualTo("r1");
    assertThat(answer.json().get("Dynamic").get("lab.rollout.state").asText())
        .isEqualTo("DRAINING");
    assertThat(answer.json().get("Static").has("lab.rollout.state")).isFalse();
    await("the meta registered", WITHIN, () -> node().get("Meta").has("lab.rollout.state"));
    JsonNode after = node();
    assertThat(after.get("Status").asText()).isEqualTo("ready");
    assertThat(after.get("StatusUpdatedAt").asLong()).isGreaterThan(second);
    assertThat(after.get("ModifyIndex").asLong()).isGreaterThan(before.get("ModifyIndex").asLong());
    assertThat(after.get("Events")).isEqualTo(before.get("Events"));
    assertThat(after.get("SchedulingEligibility").asText()).isEqualTo("eligible");
    assertThat(lab.eventsFor("web-1"))
        .anyMatch(
            e ->
                e.type() == SimEvent.Type.NODE_META_UPDATED
                    && e.detail().equals("{lab.rollout.state=DRAINING}"));
  }

  @Test
  void aNullValueUnsetsTheKeyAndOtherKeysStay() {
    apply("{\"Meta\":{\"lab.rollout.state\":\"DRAINING\",\"lab.rollout.id\":\"r-1\"}}");
    await("registered", WITHIN, () -> lab.nodeMeta("web-1").containsKey("lab.rollout.id"));

    SimHttp.Answer answer = apply("{\"Meta\":{\"lab.rollout.state\":null}}");

    assertThat(answer.status()).isEqualTo(200);
    await("unset", WITHIN, () -> !lab.nodeMeta("web-1").containsKey("lab.rollout.state"));
    assertThat(lab.nodeMeta("web-1")).containsEntry("lab.rollout.id", "r-1").containsKey("rack");
    JsonNode read = get(nomad + "/v1/client/metadata?node_id=" + id).json();
    assertThat(read.get("Dynamic").has("lab.rollout.state")).isFalse();
    assertThat(read.get("Dynamic").get("lab.rollout.id").asText()).isEqualTo("r-1");
  }

  @Test
  void keysThatAreNotDottedIdentifiersAndAnEmptyMetaAreRefusedAndChangeNothing() {
    long index = node().get("ModifyIndex").asLong();

    SimHttp.Answer badKey = apply("{\"Meta\":{\"lab.rollout state\":\"x\"}}");
    SimHttp.Answer empty = apply("{\"Meta\":{}}");
    SimHttp.Answer noNode = post(nomad + "/v1/client/metadata", "{\"Meta\":{\"a\":\"b\"}}");

    assertThat(badKey.status()).isEqualTo(400);
    assertThat(badKey.body())
        .contains("\"lab.rollout state\" is invalid; metadata keys must be valid dotted hcl");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.body()).contains("missing required Meta object");
    assertThat(noNode.status()).isEqualTo(400);
    assertThat(lab.events()).noneMatch(e -> e.type() == SimEvent.Type.NODE_META_UPDATED);
    assertThat(node().get("ModifyIndex").asLong()).isEqualTo(index);
  }

  @Test
  void aWriteToANodeThatIsDownIsRefusedAndNeverLands() {
    post(nomad + "/sim/v1/reboot/web-1", null);
    await("down", WITHIN, () -> "down".equals(lab.node("web-1").status()));

    SimHttp.Answer answer = apply("{\"Meta\":{\"lab.rollout.state\":\"REBOOTING\"}}");

    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.body()).contains("No path to node");
    await("back", WITHIN, () -> "ready".equals(lab.node("web-1").status()));
    assertThat(lab.nodeMeta("web-1")).doesNotContainKey("lab.rollout.state");
  }
}
