package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.SimHttp.get;
import static dev.laborchestrator.sim.SimHttp.getAsync;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimBlockingQueryTest {

  SimLab lab;
  String nomad;
  String consul;
  String web1;

  @BeforeEach
  void start() {
    lab =
        SimLab.builder()
            .timing(SimDrainTest.TIMING)
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
  void aNodeQueryReturnsAsSoonAsTheNodeChanges() throws Exception {
    SimHttp.Answer first = get(nomad + "/v1/node/" + web1);
    long index = first.nomadIndex();
    assertThat(first.headers().firstValue("X-Nomad-KnownLeader")).hasValue("true");
    assertThat(first.headers().firstValue("X-Nomad-LastContact")).hasValue("0");

    long started = System.nanoTime();
    CompletableFuture<SimHttp.Answer> blocked =
        getAsync(nomad + "/v1/node/" + web1 + "?index=" + index + "&wait=5m");
    lab.operatorSetEligibility("web-1", false);
    SimHttp.Answer changed = blocked.get();

    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("long before the 5m wait ends")
        .isLessThan(Duration.ofMinutes(1));
    assertThat(changed.nomadIndex()).isGreaterThan(index);
    assertThat(changed.json().get("SchedulingEligibility").asText()).isEqualTo("ineligible");
    assertThat(changed.json().get("ModifyIndex").asLong()).isEqualTo(changed.nomadIndex());
  }

  @Test
  void aNodeQueryWithoutChangeReturnsAfterTheWaitWithTheSameIndex() {
    long index = get(nomad + "/v1/node/" + web1).nomadIndex();

    long started = System.nanoTime();
    SimHttp.Answer same = get(nomad + "/v1/node/" + web1 + "?index=" + index + "&wait=200ms");
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(took).as("held for the wait").isGreaterThanOrEqualTo(Duration.ofMillis(195));
    assertThat(same.status()).isEqualTo(200);
    assertThat(same.nomadIndex()).isEqualTo(index);
  }

  @Test
  void anotherNodesChangeDoesNotWakeANodeQuery() {
    long index = get(nomad + "/v1/node/" + web1).nomadIndex();
    lab.operatorSetEligibility("web-2", false);

    SimHttp.Answer same = get(nomad + "/v1/node/" + web1 + "?index=" + index + "&wait=100ms");

    assertThat(same.nomadIndex()).isEqualTo(index);
  }

  @Test
  void theNodeListAndAllocationsBlockOnTheirOwnIndexes() throws Exception {
    long nodesIndex = get(nomad + "/v1/nodes").nomadIndex();
    long allocsIndex = get(nomad + "/v1/node/" + web1 + "/allocations").nomadIndex();

    CompletableFuture<SimHttp.Answer> nodes =
        getAsync(nomad + "/v1/nodes?index=" + nodesIndex + "&wait=10s");
    CompletableFuture<SimHttp.Answer> allocs =
        getAsync(nomad + "/v1/node/" + web1 + "/allocations?index=" + allocsIndex + "&wait=10s");
    SimHttp.post(
        nomad + "/v1/node/" + web1 + "/drain",
        "{\"DrainSpec\":{\"Deadline\":0,\"IgnoreSystemJobs\":true}}");

    assertThat(nodes.get().nomadIndex()).isGreaterThan(nodesIndex);
    // The drain may be over by the time a late blocking request is served; LastDrain stays.
    assertThat(nodes.get().json().get(0).get("LastDrain").get("Status").asText())
        .isIn("draining", "complete");
    SimHttp.Answer migrated = allocs.get();
    assertThat(migrated.nomadIndex()).isGreaterThan(allocsIndex);
    assertThat(migrated.json().get(0).get("DesiredStatus").asText()).isEqualTo("stop");
  }

  @Test
  void theIndexOnlyGrowsAcrossChanges() {
    long before = get(nomad + "/v1/node/" + web1).nomadIndex();
    lab.operatorSetEligibility("web-1", false);
    long middle = get(nomad + "/v1/node/" + web1).nomadIndex();
    lab.operatorSetEligibility("web-1", true);
    long after = get(nomad + "/v1/node/" + web1).nomadIndex();

    assertThat(before).isPositive().isLessThan(middle);
    assertThat(middle).isLessThan(after);
  }

  @Test
  void consulHealthBlocksUntilTheChecksChange() throws Exception {
    SimHttp.Answer first = get(consul + "/v1/health/node/web-1");
    long index = first.index("X-Consul-Index");
    assertThat(first.headers().firstValue("X-Consul-KnownLeader")).hasValue("true");
    assertThat(first.headers().firstValue("X-Consul-LastContact")).isPresent();

    SimHttp.Answer idle = get(consul + "/v1/health/node/web-1?index=" + index + "&wait=100ms");
    assertThat(idle.index("X-Consul-Index")).isEqualTo(index);

    CompletableFuture<SimHttp.Answer> blocked =
        getAsync(consul + "/v1/health/node/web-1?index=" + index + "&wait=10s");
    lab.faults("web-1").neverReturns(true);
    SimHttp.post(nomad + "/sim/v1/reboot/web-1", null);
    SimHttp.Answer gone = blocked.get();

    assertThat(gone.index("X-Consul-Index")).isGreaterThan(index);
    assertThat(gone.json()).isEmpty();
  }

  @Test
  void aBadWaitOrIndexIs400() {
    assertThat(get(nomad + "/v1/node/" + web1 + "?index=1&wait=soon").status()).isEqualTo(400);
    assertThat(get(nomad + "/v1/node/" + web1 + "?index=-1").status()).isEqualTo(400);
    assertThat(get(consul + "/v1/health/node/web-1?index=1&wait=5").body())
        .isEqualTo("Invalid wait time");
  }
}
