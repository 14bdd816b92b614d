package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.SimHttp.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.laborchestrator.sim.SimConsulAcl.Permission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/health/state/any}: every check of every node, blocking on the checks table index
 * (agent/consul/state/catalog.go ChecksInState), filtered by ACLs as {@code /v1/health/node}.
 */
class SimHealthStateTest {
  private static final String TOKEN = "consul-health-state-token";
  private static final String FILTERED = "X-Consul-Results-Filtered-By-ACLs";

  final AtomicLong now = new AtomicLong(Instant.parse("2026-11-22T03:00:00Z").toEpochMilli());
  SimLab lab;

  SimLab lab(SimLab.Builder builder) {
    lab =
        builder
            .timing(SimDrainTest.TIMING)
            .clock(now::get)
            .node(SimNode.named("web-1").serviceAllocs(1).checks("http: web"))
            .node(SimNode.named("web-2").checks("http: web"))
            .build()
            .start();
    return lab;
  }

  @AfterEach
  void stop() {
    if (lab != null) {
      lab.close();
    }
  }

  void advance(Duration step) {
    now.addAndGet(step.toMillis());
    lab.tickNow();
  }

  static List<String> checks(JsonNode body) {
    List<String> checks = new ArrayList<>();
    body.forEach(c -> checks.add(c.get("Node").asText() + "/" + c.get("CheckID").asText()));
    return checks;
  }

  @Test
  void listsEveryCheckOfEveryNodeAndBlocksUntilACheckChangesNotOnNomadOrAutopilotUpdates()
      throws Exception {
    lab(SimLab.builder());
    String consul = lab.consulAddress();
    SimHttp.Answer all = get(consul + "/v1/health/state/any");
    long index = all.index("X-Consul-Index");
    assertThat(checks(all.json()))
        .containsExactlyInAnyOrder(
            "web-1/serfHealth", "web-1/service:web", "web-2/serfHealth", "web-2/service:web");

    CompletableFuture<SimHttp.Answer> blocked =
        SimHttp.getAsync(consul + "/v1/health/state/any?index=" + index + "&wait=10s");
    // Nomad writes and autopilot do not touch Consul's checks table.
    String web1 = lab.node("web-1").id();
    SimHttp.post(
        lab.nomadAddress() + "/v1/node/" + web1 + "/drain",
        "{\"DrainSpec\":{\"Deadline\":0,\"IgnoreSystemJobs\":false}}");
    lab.operatorSetEligibility("web-2", false);
    lab.autopilot().forceUnhealthy(true);
    lab.autopilot().forceUnhealthy(false);
    assertThat(get(consul + "/v1/health/state/any").index("X-Consul-Index")).isEqualTo(index);
    assertThat(blocked).isNotDone();

    // web-2 reboots: its agent leaves, so its checks are deregistered.
    SimHttp.post(lab.nomadAddress() + "/sim/v1/reboot/web-2", "");
    advance(Duration.ofMillis(100));

    SimHttp.Answer changed = blocked.get(10, TimeUnit.SECONDS);
    assertThat(changed.index("X-Consul-Index")).isGreaterThan(index);
    assertThat(checks(changed.json())).containsExactly("web-1/serfHealth", "web-1/service:web");
  }

  @Test
  void aCheckThatChangesIsShownAsItIsNowAcrossAReboot() throws Exception {
    lab(SimLab.builder());
    String consul = lab.consulAddress();
    JsonNode before = get(consul + "/v1/health/state/any").json();

    SimHttp.post(lab.nomadAddress() + "/sim/v1/reboot/web-2", "");
    for (int i = 0; i < 100 && get(consul + "/v1/health/state/any").json().size() == 4; i++) {
      advance(Duration.ofMillis(20));
    }
    for (int i = 0; i < 200 && get(consul + "/v1/health/state/any").json().size() < 4; i++) {
      advance(Duration.ofMillis(20));
    }
    JsonNode critical = web2Service(get(consul + "/v1/health/state/any").json());
    for (int i = 0;
        i < 200
            && "critical"
                .equals(
                    web2Service(get(consul + "/v1/health/state/any").json())
                        .get("Status")
                        .asText());
        i++) {
      advance(Duration.ofMillis(20));
    }
    JsonNode passing = web2Service(get(consul + "/v1/health/state/any").json());

    assertThat(web2Service(before).get("Status").asText()).isEqualTo("passing");
    assertThat(critical.get("Status").asText()).isEqualTo("critical");
    assertThat(critical.get("Output").asText()).isEqualTo("sim: check failing");
    assertThat(passing.get("Status").asText()).isEqualTo("passing");
    assertThat(passing.get("Output").asText()).isEqualTo("sim: check passing");
    assertThat(passing.get("ModifyIndex").asLong())
        .isGreaterThan(critical.get("ModifyIndex").asLong());
    assertThat(critical.get("CreateIndex").asLong())
        .isGreaterThan(web2Service(before).get("CreateIndex").asLong());
  }

  private static JsonNode web2Service(JsonNode all) {
    for (JsonNode check : all) {
      if (check.get("Node").asText().equals("web-2")
          && check.get("CheckID").asText().equals("service:web")) {
        return check;
      }
    }
    throw new AssertionError("no service:web check on web-2 in " + all);
  }

  @Test
  void theDocumentsJoinedAreTheArrayRenderedAtOnce() throws Exception {
    com.fasterxml.jackson.databind.node.ArrayNode array =
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
    List<byte[]> documents = new ArrayList<>();
    for (String name : List.of("a", "b\u00e9\"", "c")) {
      com.fasterxml.jackson.databind.node.ObjectNode o = array.addObject();
      o.put("Node", name);
      o.putArray("ServiceTags");
      o.putObject("Definition");
      o.put("ModifyIndex", 7);
      documents.add(ApiServer.JSON.writeValueAsBytes(o));
    }

    assertThat(joined(documents)).isEqualTo(ApiServer.JSON.writeValueAsBytes(array));
    assertThat(joined(List.of())).isEqualTo("[]".getBytes());
  }

  private static byte[] joined(List<byte[]> documents) throws java.io.IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    ConsulApi.writeArray(out, documents);
    return out.toByteArray();
  }

  @Test
  void withoutServiceReadServiceChecksAreLeftOutAndTheAnswerSaysSo() {
    lab(SimLab.builder().consulToken(TOKEN).consulPermissions(Permission.NODE_READ));

    SimHttp.Answer filtered =
        get(lab.consulAddress() + "/v1/health/state/any", "X-Consul-Token", TOKEN);
    lab.consulAcl().grant(Permission.SERVICE_READ);
    SimHttp.Answer full =
        get(lab.consulAddress() + "/v1/health/state/any", "X-Consul-Token", TOKEN);

    assertThat(checks(filtered.json())).containsExactly("web-1/serfHealth", "web-2/serfHealth");
    assertThat(filtered.headers().firstValue(FILTERED)).contains("true");
    assertThat(full.json()).hasSize(4);
    assertThat(full.headers().firstValue(FILTERED)).isEmpty();
    assertThat(get(lab.consulAddress() + "/v1/health/state/").status()).isEqualTo(400);
  }
}
