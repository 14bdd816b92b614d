package dev.laborchestrator.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.consul.ConsulHttpClient;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.nomad.NomadHttpClient;
import dev.laborchestrator.port.Allocation;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.rollout.BlockedEvaluations;
import dev.laborchestrator.rollout.Capacity;
import dev.laborchestrator.rollout.LastInstance;
import dev.laborchestrator.rollout.Replacements;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The capacity, blocked-evaluation, replacement and last-instance checks through the real HTTP
 * adapters against the simulated lab: each request shape ({@code /v1/nodes?resources=true}, {@code
 * /v1/allocations?resources=true&task_states=false&namespace=*}, {@code
 * /v1/evaluations?status=blocked&namespace=*}, {@code /v1/allocation/:id}, {@code
 * /v1/health/service/:name?passing}) answered as Nomad and Consul answer it.
 */
class SimChecksContractTest {
  static final Duration MIN_HEALTHY = Duration.ofSeconds(10);
  static final Duration MIGRATED = SimDrainTest.TIMING.drainPerAlloc();

  final SimCapacityTest clock = new SimCapacityTest();

  @AfterEach
  void stop() {
    clock.stop();
  }

  NomadHttpClient nomad() {
    return new NomadHttpClient(
        new ApiSettings(clock.nomad, null, null, null), HttpOptions.defaults());
  }

  ConsulHttpClient consul(String token) {
    return new ConsulHttpClient(
        new ApiSettings(clock.lab.consulAddress(), token, null, null), HttpOptions.defaults());
  }

  @Test
  void aDrainWithoutRoomIsRefusedItsBlockedEvaluationCountedAndItsReplacementFollowed() {
    clock.start(
        b ->
            b.node(
                    SimNode.named("src")
                        .serviceAllocs(1)
                        .allocSize(1000, 2000)
                        .healthyAfter(MIN_HEALTHY)
                        .replacementHealth(SimNode.ReplacementHealth.HEALTHY))
                .node(SimNode.named("small").memory(1500))
                .node(SimNode.named("spare").eligible(false)));
    NomadHttpClient nomad = nomad();
    String src = clock.id("src");

    assertThat(nomad.listAllocations())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.service()).isTrue();
              assertThat(a.nodeId()).isEqualTo(src);
              assertThat(a.resources().memoryMB()).isEqualTo(2000);
            });
    assertThat(Capacity.refusal(nomad, src, Set.of()))
        .get()
        .asString()
        .startsWith(
            "its 1 allocation (1000 MHz, 2000 MB) do not fit on the 1 other ready node of pool"
                + " default in dc1");
    assertThat(BlockedEvaluations.count(nomad)).isZero();

    clock.drain("src");
    clock.at(MIGRATED);

    assertThat(BlockedEvaluations.count(nomad)).isEqualTo(1);
    assertThat(Replacements.status(nomad, src).pending())
        .singleElement()
        .satisfies(r -> assertThat(r.reason()).isEqualTo("no replacement placed yet"));

    clock.lab.operatorSetEligibility("spare", true);
    Duration placed = MIGRATED.plusMillis(5);
    Duration running = placed.plus(SimDrainTest.TIMING.allocStart());
    clock.at(placed);
    clock.at(running);

    assertThat(BlockedEvaluations.count(nomad)).isZero();
    Replacements.Status waiting = Replacements.status(nomad, src);
    assertThat(waiting.done()).isFalse();
    assertThat(waiting.pending()).singleElement().extracting(r -> r.replacementId()).isNotNull();

    clock.at(running.plus(MIN_HEALTHY));

    Replacements.Status healthy = Replacements.status(nomad, src);
    assertThat(healthy.done()).as(healthy.describe()).isTrue();
    assertThat(healthy.describe()).isEqualTo("1 of 1 replacements running and healthy");
  }

  @Test
  void anUnhealthyReplacementIsNamedByItsJob() {
    clock.start(
        b ->
            b.node(
                    SimNode.named("src")
                        .serviceAllocs(1)
                        .healthyAfter(MIN_HEALTHY)
                        .replacementHealth(SimNode.ReplacementHealth.UNHEALTHY))
                .node(SimNode.named("dst")));
    NomadHttpClient nomad = nomad();
    assertThat(Capacity.refusal(nomad, clock.id("src"), Set.of())).isEmpty();

    clock.drain("src");
    clock.at(MIGRATED);
    Duration running = MIGRATED.plus(SimDrainTest.TIMING.allocStart());
    clock.at(running);
    clock.at(running.plus(MIN_HEALTHY));

    Replacements.Status status = Replacements.status(nomad, clock.id("src"));
    assertThat(status.failed()).as(status.describe()).isTrue();
    assertThat(status.unhealthyJobs()).containsExactly("src-service-0");
    Allocation original = nomad.nodeAllocations(clock.id("src"), BlockingQuery.NONE).value().get(0);
    assertThat(original.migrating()).isTrue();
  }

  @Test
  void aServiceWithAPassingInstanceElsewhereLetsItsHostGoAndTheLastInstanceDoesNot() {
    clock.start(
        b ->
            b.node(SimNode.named("web-1").services("api", "db"))
                .node(SimNode.named("web-2").services("api"))
                .node(SimNode.named("web-3")));
    ConsulHttpClient consul = consul(null);
    List<HealthCheck> checks = consul.nodeChecks("web-1", BlockingQuery.NONE).value();

    assertThat(consul.serviceInstances("api", true))
        .extracting(i -> i.nodeName())
        .containsExactlyInAnyOrder("web-1", "web-2");
    assertThat(LastInstance.refusal(consul, "web-1", checks, Set.of()))
        .hasValue(
            "the Consul service db has no passing instance on a node other than web-1"
                + " (allowLastInstance lets a service go down with its last instance)");
    assertThat(LastInstance.refusal(consul, "web-1", checks, Set.of("db"))).isEmpty();
  }

  @Test
  void anAnswerConsulFilteredByAclsIsRefused() {
    clock.start(
        b ->
            b.consulToken("consul-secret")
                .consulPermissions(SimConsulAcl.Permission.NODE_READ)
                .node(SimNode.named("web-1").services("api"))
                .node(SimNode.named("web-2").services("api")));

    ApiException e =
        catchThrowableOfType(
            () -> consul("consul-secret").serviceInstances("api", true), ApiException.class);

    assertThat(e.status()).isEqualTo(403);
    assertThat(e.getMessage()).contains("X-Consul-Results-Filtered-By-ACLs");
  }
}
