package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.SimHttp.get;
import static dev.laborchestrator.sim.SimHttp.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ACL tokens and injected faults. */
class SimAccessTest {

  static final String NOMAD_TOKEN = "s3cret";
  static final String CONSUL_TOKEN = "c0nsul";

  SimLab lab;
  String nomad;
  String consul;
  String web1;

  @BeforeEach
  void start() {
    lab =
        SimLab.builder()
            .timing(SimDrainTest.TIMING)
            .nomadToken(NOMAD_TOKEN)
            .consulToken(CONSUL_TOKEN)
            .seed(42)
            .node(SimNode.named("web-1").serviceAllocs(1).checks("http: web"))
            .node(SimNode.named("web-2"))
            .build()
            .start();
    nomad = lab.nomadAddress();
    consul = lab.consulAddress();
    web1 = lab.node("web-1").id();
  }

  @AfterEach
  void stop() {
    lab.close();
  }

  @Test
  void nomadRefusesMissingAndUnknownTokensWith403() {
    SimHttp.Answer anonymous = get(nomad + "/v1/nodes");
    SimHttp.Answer unknown = get(nomad + "/v1/nodes", "X-Nomad-Token", "guess");

    assertThat(anonymous.status()).isEqualTo(403);
    assertThat(anonymous.body()).isEqualTo("Permission denied");
    assertThat(unknown.status()).isEqualTo(403);
    assertThat(unknown.body()).isEqualTo("ACL token not found");
    assertThat(
            post(nomad + "/v1/node/" + web1 + "/eligibility", "{\"Eligibility\":\"ineligible\"}")
                .status())
        .isEqualTo(403);
    assertThat(lab.node("web-1").eligible()).isTrue();
  }

  @Test
  void nomadAcceptsTheTokenInEitherHeader() {
    assertThat(get(nomad + "/v1/nodes", "X-Nomad-Token", NOMAD_TOKEN).status()).isEqualTo(200);
    assertThat(get(nomad + "/v1/nodes", "Authorization", "Bearer " + NOMAD_TOKEN).status())
        .isEqualTo(200);
  }

  @Test
  void aDrainRecordsTheTokensAccessorNotItsSecret() {
    post(
        nomad + "/v1/node/" + web1 + "/drain",
        "{\"DrainSpec\":{\"Deadline\":0,\"IgnoreSystemJobs\":true}}",
        "X-Nomad-Token",
        NOMAD_TOKEN);

    String accessor =
        get(nomad + "/v1/node/" + web1, "X-Nomad-Token", NOMAD_TOKEN)
            .json()
            .get("LastDrain")
            .get("AccessorID")
            .asText();
    assertThat(accessor).hasSize(36).doesNotContain(NOMAD_TOKEN);
  }

  @Test
  void consulRefusesAnUnknownTokenAndFiltersAnonymousReads() {
    SimHttp.Answer unknown = get(consul + "/v1/health/node/web-1", "X-Consul-Token", "guess");
    SimHttp.Answer anonymous = get(consul + "/v1/health/node/web-1");
    SimHttp.Answer allowed = get(consul + "/v1/health/node/web-1", "X-Consul-Token", CONSUL_TOKEN);
    SimHttp.Answer bearer =
        get(consul + "/v1/health/node/web-1", "Authorization", "Bearer " + CONSUL_TOKEN);

    assertThat(unknown.status()).isEqualTo(403);
    assertThat(unknown.body()).isEqualTo("ACL not found");
    assertThat(anonymous.status()).isEqualTo(200);
    assertThat(anonymous.json()).as("anonymous may not read the checks").isEmpty();
    assertThat(allowed.json()).hasSize(2);
    assertThat(allowed.json().get(0).get("CheckID").asText()).isEqualTo("serfHealth");
    assertThat(allowed.json().get(0).get("Name").asText()).isEqualTo("Serf Health Status");
    assertThat(allowed.json().get(1).get("Name").asText()).isEqualTo("http: web");
    assertThat(allowed.json().get(1).get("ServiceName").asText()).isEqualTo("web");
    assertThat(allowed.json().get(1).get("Type").asText()).isEqualTo("http");
    assertThat(bearer.json()).hasSize(2);
    assertThat(get(consul + "/v1/health/node/nobody", "X-Consul-Token", CONSUL_TOKEN).json())
        .isEmpty();
    assertThat(get(consul + "/v1/agent/self", "X-Consul-Token", CONSUL_TOKEN).status())
        .isEqualTo(404);
  }

  @Test
  void theRecordNeverHoldsATokenValue() {
    get(nomad + "/v1/nodes", "X-Nomad-Token", NOMAD_TOKEN);
    get(nomad + "/v1/nodes", "Authorization", "Bearer " + NOMAD_TOKEN);
    get(consul + "/v1/health/node/web-1", "X-Consul-Token", CONSUL_TOKEN);
    get(consul + "/v1/health/node/web-1?token=" + CONSUL_TOKEN);

    assertThat(lab.requests()).hasSize(4);
    assertThat(lab.requests())
        .allSatisfy(r -> assertThat(r.toString()).doesNotContain(NOMAD_TOKEN, CONSUL_TOKEN));
    assertThat(lab.requests().get(3).query()).isEqualTo("token=redacted");
    assertThat(lab.requests().get(3).status()).isEqualTo(200);
  }

  @Test
  void theControlEndpointNeedsNoTokenAndIgnoresFaults() {
    lab.globalFaults().errorRate(1.0);

    assertThat(post(nomad + "/sim/v1/reboot/web-2", null).status()).isEqualTo(202);
    assertThat(lab.requests()).isEmpty();
  }

  @Test
  void anErrorRateAnswersSome5xxAndDropsSomeAndLetsTheRestThrough() {
    lab.globalFaults().errorRate(0.5);
    List<Integer> seen = new ArrayList<>();

    for (int i = 0; i < 60; i++) {
      try {
        seen.add(get(nomad + "/v1/nodes", "X-Nomad-Token", NOMAD_TOKEN).status());
      } catch (UncheckedIOException dropped) {
        seen.add(0);
      }
    }

    assertThat(seen).contains(0, 200, 500, 503);
    assertThat(lab.requests()).extracting(SimRequest::status).containsAll(seen);
    assertThat(seen.stream().filter(s -> s == 200).count()).isBetween(15L, 45L);
  }

  @Test
  void aNodesErrorRateOnlyHitsRequestsThatNameIt() {
    lab.faults("web-1").errorRate(1.0);

    for (int i = 0; i < 10; i++) {
      assertThat(get(nomad + "/v1/nodes", "X-Nomad-Token", NOMAD_TOKEN).status()).isEqualTo(200);
      String web2 = lab.node("web-2").id();
      assertThat(get(nomad + "/v1/node/" + web2, "X-Nomad-Token", NOMAD_TOKEN).status())
          .isEqualTo(200);
    }
    assertThat(lab.requests())
        .filteredOn(r -> r.path().contains(web1))
        .allSatisfy(r -> assertThat(r.status()).isNotEqualTo(200));
    for (int i = 0; i < 10; i++) {
      try {
        assertThat(get(consul + "/v1/health/node/web-1").status()).isIn(500, 503);
      } catch (UncheckedIOException dropped) {
        // a dropped connection is one of the faults
      }
    }
  }

  @Test
  void aDroppedAnswerCanHideAWriteThatTookEffect() {
    lab.faults("web-1").errorRate(1.0);
    boolean applied = false;

    for (int i = 0; i < 40 && !applied; i++) {
      try {
        int status =
            post(
                    nomad + "/v1/node/" + web1 + "/eligibility",
                    "{\"Eligibility\":\"ineligible\"}",
                    "X-Nomad-Token",
                    NOMAD_TOKEN)
                .status();
        assertThat(status).isIn(500, 503);
      } catch (UncheckedIOException dropped) {
        applied = !lab.node("web-1").eligible();
      }
    }

    assertThat(applied).as("some write was applied although its answer was lost").isTrue();
    assertThat(lab.mutatingRequests()).allSatisfy(r -> assertThat(r.status()).isNotEqualTo(200));
  }

  @Test
  void unreachableDropsEveryApiConnectionUntilItIsSwitchedOff() {
    lab.globalFaults().unreachable(true);

    for (String url :
        List.of(
            nomad + "/v1/nodes",
            consul + "/v1/health/node/web-1",
            lab.consulAgentAddress("web-1") + "/v1/agent/maintenance?enable=true")) {
      assertThatThrownBy(() -> get(url, "X-Nomad-Token", NOMAD_TOKEN))
          .as(url)
          .isInstanceOf(UncheckedIOException.class);
    }
    assertThat(post(nomad + "/sim/v1/reboot/web-2", null).status())
        .as("the control endpoint stays")
        .isEqualTo(202);
    assertThat(lab.requests()).extracting(SimRequest::status).containsOnly(0);

    lab.globalFaults().unreachable(false);

    assertThat(get(nomad + "/v1/nodes", "X-Nomad-Token", NOMAD_TOKEN).status()).isEqualTo(200);
  }

  @Test
  void aHostThatIsUnreachableTakesOnlyTheRequestsNamingItAway() {
    lab.faults("web-1").unreachable(true);

    assertThatThrownBy(() -> get(nomad + "/v1/node/" + web1, "X-Nomad-Token", NOMAD_TOKEN))
        .isInstanceOf(UncheckedIOException.class);
    assertThatThrownBy(() -> get(lab.consulAgentAddress("web-1") + "/v1/agent/self"))
        .isInstanceOf(UncheckedIOException.class);
    assertThat(get(nomad + "/v1/nodes", "X-Nomad-Token", NOMAD_TOKEN).status()).isEqualTo(200);
  }
}
