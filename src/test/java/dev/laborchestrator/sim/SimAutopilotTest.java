package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.SimHttp.await;
import static dev.laborchestrator.sim.SimHttp.get;
import static dev.laborchestrator.sim.SimHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Nomad's and Consul's {@code /v1/operator/autopilot/health} over the lab's server hosts. */
class SimAutopilotTest {

  static final String HEALTH = "/v1/operator/autopilot/health";
  static final Duration WITHIN = Duration.ofSeconds(5);

  SimLab lab;
  String nomad;
  String consul;

  @BeforeEach
  void start() {
    lab =
        SimLab.builder()
            .timing(SimDrainTest.TIMING)
            .node(SimNode.named("server-a").consulName("server-a.lab").server(true))
            .node(SimNode.named("server-b").server(true))
            .node(SimNode.named("server-c").server(true))
            .node(SimNode.named("client"))
            .build()
            .start();
    nomad = lab.nomadAddress();
    consul = lab.consulAddress();
  }

  @AfterEach
  void stop() {
    lab.close();
  }

  static List<String> names(JsonNode health, String field) {
    List<String> names = new ArrayList<>();
    health.get("Servers").forEach(s -> names.add(s.get(field).asText()));
    return names;
  }

  static String leaderName(JsonNode health) {
    for (JsonNode server : health.get("Servers")) {
      if (server.get("Leader").asBoolean()) {
        return server.get("Name").asText();
      }
    }
    return null;
  }

  @Test
  void bothApisListTheServerHostsWithTheDocumentedFields() {
    SimHttp.Answer nomadHealth = get(nomad + HEALTH);
    SimHttp.Answer consulHealth = get(consul + HEALTH);

    assertThat(nomadHealth.status()).isEqualTo(200);
    JsonNode n = nomadHealth.json();
    assertThat(n.get("Healthy").asBoolean()).isTrue();
    assertThat(n.get("FailureTolerance").asInt()).as("3 voters, quorum 2").isEqualTo(1);
    assertThat(names(n, "Name"))
        .containsExactly("server-a.global", "server-b.global", "server-c.global");
    JsonNode first = n.get("Servers").get(0);
    assertThat(first.get("Address").asText()).isEqualTo(lab.node("server-a").address() + ":4647");
    assertThat(first.get("ID").asText()).hasSize(36);
    assertThat(first.get("SerfStatus").asText()).isEqualTo("alive");
    assertThat(first.get("Version").asText()).isEqualTo("1.10.5");
    assertThat(first.get("LastContact").asText()).isEqualTo("0s");
    assertThat(first.get("Voter").asBoolean()).isTrue();
    assertThat(first.get("StableSince").asText())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    assertThat(n.get("Leader").asText()).isEqualTo(first.get("ID").asText());
    assertThat(n.get("Voters")).hasSize(3);

    JsonNode c = consulHealth.json();
    assertThat(consulHealth.status()).isEqualTo(200);
    assertThat(c.get("FailureTolerance").asInt()).isEqualTo(1);
    assertThat(names(c, "Name")).containsExactly("server-a.lab", "server-b", "server-c");
    assertThat(c.get("Servers").get(1).get("Address").asText())
        .isEqualTo(lab.node("server-b").address() + ":8300");
    assertThat(c.get("Servers").get(1).get("LastContact").asText()).endsWith("ms");
    assertThat(c.has("Leader")).as("Consul's reply has no Leader field").isFalse();
    assertThat(leaderName(c)).isEqualTo("server-a.lab");
  }

  @Test
  void aRebootingServerMakesBothUnhealthyWith429AndLeadershipMoves() {
    assertThat(lab.autopilot().leader()).contains("server-a");

    post(nomad + "/sim/v1/reboot/server-a", null);

    SimHttp.Answer nomadHealth = get(nomad + HEALTH);
    SimHttp.Answer consulHealth = get(consul + HEALTH);
    assertThat(nomadHealth.status()).isEqualTo(429);
    assertThat(consulHealth.status()).isEqualTo(429);
    assertThat(nomadHealth.json().get("Healthy").asBoolean()).isFalse();
    assertThat(nomadHealth.json().get("FailureTolerance").asInt()).isZero();
    assertThat(nomadHealth.json().get("Servers").get(0).get("Healthy").asBoolean()).isFalse();
    assertThat(leaderName(nomadHealth.json())).isEqualTo("server-b.global");
    assertThat(leaderName(consulHealth.json())).isEqualTo("server-b");
    assertThat(lab.autopilot().leader()).contains("server-b");

    await("server-a down", WITHIN, () -> lab.node("server-a").status().equals("down"));
    JsonNode down = get(consul + HEALTH).json().get("Servers").get(0);
    assertThat(down.get("SerfStatus").asText()).isEqualTo("failed");

    await("server-a back", WITHIN, () -> !lab.node("server-a").rebooting());
    SimHttp.Answer back = get(nomad + HEALTH);
    assertThat(back.status()).isEqualTo(200);
    assertThat(back.json().get("FailureTolerance").asInt()).isEqualTo(1);
    assertThat(leaderName(back.json()))
        .as("leadership stays where it went")
        .isEqualTo("server-b.global");
    assertThat(get(consul + HEALTH).status()).isEqualTo(200);
    assertThat(lab.eventsFor("autopilot"))
        .extracting(SimEvent::type)
        .containsExactly(SimEvent.Type.AUTOPILOT_UNHEALTHY, SimEvent.Type.AUTOPILOT_HEALTHY);
    assertThat(lab.eventsFor("autopilot").get(0).detail()).contains("server-a");
    assertThat(lab.eventsFor("autopilot")).noneMatch(SimEvent::aboutNode);
  }

  @Test
  void forcedUnhealthyBothAnswer429WhateverTheServers() {
    lab.autopilot().forceUnhealthy(true);

    assertThat(get(nomad + HEALTH).status()).isEqualTo(429);
    SimHttp.Answer consulHealth = get(consul + HEALTH);
    assertThat(consulHealth.status()).isEqualTo(429);
    assertThat(consulHealth.json().get("FailureTolerance").asInt()).isZero();
    assertThat(lab.autopilot().healthy()).isFalse();

    lab.autopilot().forceUnhealthy(false);

    assertThat(get(nomad + HEALTH).status()).isEqualTo(200);
    assertThat(lab.eventsFor("autopilot"))
        .extracting(e -> e.type() + ":" + e.detail())
        .containsExactly(
            "AUTOPILOT_UNHEALTHY:forced unhealthy",
            "AUTOPILOT_HEALTHY:" + "all servers healthy; failure tolerance 1; leader server-a");
  }

  @Test
  void withoutServerHostsTheServersAreOutsideTheLabAndReportedHealthyWithNoTolerance() {
    try (SimLab plain =
        SimLab.builder().timing(SimDrainTest.TIMING).node(SimNode.named("web-1")).build().start()) {
      SimHttp.Answer health = get(plain.nomadAddress() + HEALTH);

      assertThat(health.status()).isEqualTo(200);
      assertThat(health.json().get("Healthy").asBoolean()).isTrue();
      assertThat(health.json().get("FailureTolerance").asInt()).isZero();
      assertThat(health.json().get("Servers")).isEmpty();
      assertThat(plain.autopilot().leader()).isEmpty();
    }
  }

  @Test
  void losingTheQuorumLeavesNoLeader() {
    lab.faults("server-a").neverReturns(true);
    lab.faults("server-b").neverReturns(true);
    post(nomad + "/sim/v1/reboot/server-a", null);
    post(nomad + "/sim/v1/reboot/server-b", null);

    JsonNode health = get(nomad + HEALTH).json();

    assertThat(health.get("Healthy").asBoolean()).isFalse();
    assertThat(health.get("Leader").asText()).isEmpty();
    assertThat(leaderName(health)).isNull();
    assertThat(lab.autopilot().leader()).isEmpty();
  }

  @Test
  void consulNeedsATokenForOperatorReadWhenAclsAreOn() {
    try (SimLab secured =
        SimLab.builder()
            .timing(SimDrainTest.TIMING)
            .consulToken("c0nsul")
            .nomadToken("n0mad")
            .node(SimNode.named("web-1").server(true))
            .build()
            .start()) {
      SimHttp.Answer anonymous = get(secured.consulAddress() + HEALTH);

      assertThat(anonymous.status()).isEqualTo(403);
      assertThat(anonymous.body())
          .startsWith("Permission denied: anonymous token lacks permission 'operator:read'");
      assertThat(get(secured.consulAddress() + HEALTH, "X-Consul-Token", "c0nsul").status())
          .isEqualTo(200);
      assertThat(get(secured.nomadAddress() + HEALTH).status()).isEqualTo(403);
      SimHttp.Answer single = get(secured.nomadAddress() + HEALTH, "X-Nomad-Token", "n0mad");
      assertThat(single.json().get("FailureTolerance").asInt()).as("1 voter").isZero();
      assertThat(post(secured.consulAddress() + HEALTH, "").status()).isEqualTo(405);
    }
  }
}
