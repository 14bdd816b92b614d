package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.SimHttp.get;
import static dev.laborchestrator.sim.SimHttp.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.sim.SimConsulAcl.Permission;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lab's Consul ACLs as Consul applies them: health answers filtered per check and flagged with
 * X-Consul-Results-Filtered-By-ACLs (not for anonymous callers), permissions checked by {@code
 * /v1/internal/acl/authorize}, and changeable while the lab runs.
 */
class SimConsulAclTest {
  private static final String TOKEN = "consul-acl-test-token";
  private static final String FILTERED = "X-Consul-Results-Filtered-By-ACLs";

  SimLab lab;
  String consul;

  @BeforeEach
  void start() {
    lab =
        SimLab.builder()
            .timing(SimDrainTest.TIMING)
            .consulToken(TOKEN)
            .consulPermissions(Permission.NODE_READ, Permission.OPERATOR_READ)
            .node(SimNode.named("web-1").checks("http: web"))
            .build()
            .start();
    consul = lab.consulAddress();
  }

  @AfterEach
  void stop() {
    lab.close();
  }

  @Test
  void withoutServiceReadTheServiceCheckIsLeftOutAndTheAnswerSaysSo() {
    SimHttp.Answer filtered = get(consul + "/v1/health/node/web-1", "X-Consul-Token", TOKEN);
    SimHttp.Answer anonymous = get(consul + "/v1/health/node/web-1");
    lab.consulAcl().grant(Permission.SERVICE_READ);
    SimHttp.Answer full = get(consul + "/v1/health/node/web-1", "X-Consul-Token", TOKEN);

    assertThat(filtered.status()).isEqualTo(200);
    assertThat(filtered.json()).hasSize(1);
    assertThat(filtered.json().get(0).get("CheckID").asText()).isEqualTo("serfHealth");
    assertThat(filtered.headers().firstValue(FILTERED)).contains("true");
    assertThat(anonymous.json()).isEmpty();
    assertThat(anonymous.headers().firstValue(FILTERED)).as("masked for anonymous").isEmpty();
    assertThat(full.json()).hasSize(2);
    assertThat(full.headers().firstValue(FILTERED)).isEmpty();
  }

  @Test
  void authorizeTellsWhatTheTokenMayDoOnTheServersAndOnEachAgent() {
    String body =
        "[{\"Resource\":\"node\",\"Access\":\"read\"},{\"Resource\":\"service\",\"Access\":\"read\"},"
            + "{\"Resource\":\"node\",\"Segment\":\"web-1\",\"Access\":\"write\"}]";

    SimHttp.Answer servers =
        post(consul + "/v1/internal/acl/authorize", body, "X-Consul-Token", TOKEN);
    lab.consulAcl().grant(Permission.NODE_WRITE);
    SimHttp.Answer agent =
        post(
            lab.consulAgentAddress("web-1") + "/v1/internal/acl/authorize",
            body,
            "X-Consul-Token",
            TOKEN);
    lab.faults("web-1").agentUnreachable(true);

    assertThat(servers.status()).isEqualTo(200);
    assertThat(servers.json().findValuesAsText("Allow")).containsExactly("true", "false", "false");
    assertThat(servers.json().get(2).get("Segment").asText()).isEqualTo("web-1");
    assertThat(agent.json().findValuesAsText("Allow")).containsExactly("true", "false", "true");
    assertThat(lab.mutatingRequests()).as("asking changes nothing").isEmpty();
    assertThatThrownBy(
            () ->
                post(
                    lab.consulAgentAddress("web-1") + "/v1/internal/acl/authorize",
                    body,
                    "X-Consul-Token",
                    TOKEN))
        .as("an unreachable agent answers nothing")
        .isInstanceOf(UncheckedIOException.class);
  }
}
