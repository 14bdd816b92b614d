package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.SimHttp.await;
import static dev.laborchestrator.sim.SimHttp.get;
import static dev.laborchestrator.sim.SimHttp.post;
import static dev.laborchestrator.sim.SimHttp.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Consul node maintenance, on each host's own agent. */
class SimMaintenanceTest {

  static final String TOKEN = "c0nsul";
  static final Duration WITHIN = Duration.ofSeconds(5);

  SimLab lab;
  String consul;
  String web1Agent;

  @BeforeEach
  void start() {
    lab =
        SimLab.builder()
            .timing(SimDrainTest.TIMING)
            .consulToken(TOKEN)
            .node(SimNode.named("web-1").consulName("web-1.lab").checks("http: web"))
            .node(SimNode.named("web-2"))
            .build()
            .start();
    consul = lab.consulAddress();
    web1Agent = lab.consulAgentAddress("web-1");
  }

  @AfterEach
  void stop() {
    lab.close();
  }

  SimHttp.Answer maintenance(String agent, String query) {
    return put(agent + "/v1/agent/maintenance?" + query, null, "X-Consul-Token", TOKEN);
  }

  JsonNode checks(String consulName) {
    return get(consul + "/v1/health/node/" + consulName, "X-Consul-Token", TOKEN).json();
  }

  static JsonNode check(JsonNode checks, String id) {
    for (JsonNode check : checks) {
      if (check.get("CheckID").asText().equals(id)) {
        return check;
      }
    }
    return null;
  }

  @Test
  void eachHostsAgentListensOnTheHostsOwnAddressAndTheConsulPort() {
    URI main = URI.create(consul);
    URI agent = URI.create(web1Agent);

    assertThat(agent.getHost()).isEqualTo(lab.node("web-1").address()).isNotEqualTo("127.0.0.1");
    assertThat(agent.getPort()).isEqualTo(main.getPort());
    assertThat(URI.create(lab.consulAgentAddress("web-2")).getHost())
        .isEqualTo(lab.node("web-2").address())
        .isNotEqualTo(agent.getHost());
    assertThat(get(web1Agent + "/v1/health/node/web-1.lab").status()).isEqualTo(404);
  }

  @Test
  void maintenanceAddsACriticalCheckToThatHostOnlyAndDisablingRemovesIt() {
    SimHttp.Answer enabled =
        maintenance(web1Agent, "enable=true&reason=lab-orchestrator%20rollout");

    assertThat(enabled.status()).isEqualTo(200);
    assertThat(enabled.body()).isEmpty();
    JsonNode maintenance = check(checks("web-1.lab"), "_node_maintenance");
    assertThat(maintenance).isNotNull();
    assertThat(maintenance.get("Name").asText()).isEqualTo("Node Maintenance Mode");
    assertThat(maintenance.get("Status").asText()).isEqualTo("critical");
    assertThat(maintenance.get("Notes").asText()).isEqualTo("lab-orchestrator rollout");
    assertThat(maintenance.get("ServiceID").asText()).isEmpty();
    assertThat(check(checks("web-2"), "_node_maintenance")).as("local to the agent").isNull();
    assertThat(lab.node("web-1").checksPassing()).isFalse();
    assertThat(maintenance(web1Agent, "enable=true&reason=again").status()).isEqualTo(200);
    assertThat(check(checks("web-1.lab"), "_node_maintenance").get("Notes").asText())
        .as("idempotent: the first reason stays")
        .isEqualTo("lab-orchestrator rollout");

    assertThat(maintenance(web1Agent, "enable=false").status()).isEqualTo(200);

    assertThat(check(checks("web-1.lab"), "_node_maintenance")).isNull();
    assertThat(lab.node("web-1").checksPassing()).isTrue();
    assertThat(lab.eventsFor("web-1"))
        .extracting(e -> e.type() + ":" + e.detail())
        .containsSubsequence("MAINTENANCE_ON:lab-orchestrator rollout", "MAINTENANCE_OFF:");
    assertThat(lab.requests()).extracting(SimRequest::path).contains("/v1/agent/maintenance");
  }

  @Test
  void maintenanceSurvivesAReboot() {
    maintenance(web1Agent, "enable=true");
    String defaultReason = check(checks("web-1.lab"), "_node_maintenance").get("Notes").asText();
    assertThat(defaultReason).startsWith("Maintenance mode is enabled for this node");

    post(lab.nomadAddress() + "/sim/v1/reboot/web-1", null);
    await("down", WITHIN, () -> lab.node("web-1").status().equals("down"));
    assertThatThrownBy(() -> maintenance(web1Agent, "enable=false"))
        .as("the agent is not running while the host is down")
        .isInstanceOf(UncheckedIOException.class);
    await(
        "back and its own checks passing",
        WITHIN,
        () ->
            !lab.node("web-1").rebooting()
                && "passing".equals(lab.node("web-1").checks().get("service:web")));

    JsonNode restored = check(checks("web-1.lab"), "_node_maintenance");
    assertThat(restored).isNotNull();
    assertThat(restored.get("Status").asText()).isEqualTo("critical");
    assertThat(restored.get("Notes").asText()).isEqualTo(defaultReason);
    assertThat(lab.node("web-1").checksPassing()).isFalse();

    maintenance(web1Agent, "enable=false");
    assertThat(lab.node("web-1").checksPassing()).isTrue();
  }

  @Test
  void theAgentChecksTheParametersAndTheToken() {
    String url = web1Agent + "/v1/agent/maintenance";

    assertThat(put(url + "?reason=x", null, "X-Consul-Token", TOKEN).body())
        .isEqualTo("Missing value for enable");
    assertThat(put(url + "?enable=maybe", null, "X-Consul-Token", TOKEN).body())
        .isEqualTo("Invalid value for enable: \"maybe\"");
    SimHttp.Answer anonymous = put(url + "?enable=true", null);
    assertThat(anonymous.status()).isEqualTo(403);
    assertThat(anonymous.body())
        .isEqualTo(
            "Permission denied: anonymous token lacks permission 'node:write' on \"web-1.lab\"."
                + " The anonymous token is used implicitly when a request does not specify a"
                + " token.");
    assertThat(put(url + "?enable=true", null, "X-Consul-Token", "guess").body())
        .isEqualTo("ACL not found");
    assertThat(get(url + "?enable=true", "X-Consul-Token", TOKEN).status()).isEqualTo(405);
    assertThat(lab.node("web-1").checks()).doesNotContainKey("_node_maintenance");
  }

  @Test
  void aBuilderAddressThatIsNotLocalFailsTheStartWithAClearMessage() {
    SimLab remote = SimLab.builder().node(SimNode.named("far").address("192.0.2.10")).build();

    assertThatThrownBy(remote::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Consul agent of far on 192.0.2.10:");
    assertThatThrownBy(remote::nomadAddress).isInstanceOf(IllegalStateException.class);
    remote.close();
    assertThatThrownBy(
            () ->
                SimLab.builder()
                    .node(SimNode.named("a").address("127.0.0.50"))
                    .node(SimNode.named("b").address("127.0.0.50"))
                    .build())
        .hasMessageContaining("both have address 127.0.0.50");
  }
}
