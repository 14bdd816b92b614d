package dev.laborchestrator.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.config.Orchestration;
import dev.laborchestrator.config.OrchestratorConfig.IneligibleHosts;
import dev.laborchestrator.plan.Plan.PlannedHost;
import dev.laborchestrator.port.NodeStub;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlannerTest {
  private static final Planner.Options ONE = new Planner.Options(1, IneligibleHosts.SKIP);

  private static HostSpec host(String name, int order, String... deps) {
    return critical(name, order, "medium", deps);
  }

  private static HostSpec critical(String name, int order, String criticality, String... deps) {
    return new HostSpec(
        name,
        "r",
        List.of(),
        order,
        List.of(deps),
        List.of(),
        new Orchestration("rolling", 0, criticality),
        List.of());
  }

  private static NodeStub node(String name, String status, String eligibility) {
    return new NodeStub(
        "id-" + name + "-" + status, name, "10.0.0.1", "dc1", status, eligibility, false);
  }

  private static List<List<String>> waves(Plan plan) {
    return plan.waves().stream()
        .map(w -> w.hosts().stream().map(PlannedHost::hostname).toList())
        .toList();
  }

  @Test
  void ordersWavesByRebootOrderAndHostsByDependencyThenName() {
    Plan plan =
        Planner.plan(
            List.of(
                host("web-2", 3, "api"),
                host("web-1", 3, "api"),
                host("db", 2),
                host("api", 2, "db"),
                host("auth", 2),
                host("nas", 1)),
            ONE);

    assertThat(waves(plan))
        .containsExactly(List.of("nas"), List.of("auth", "db", "api"), List.of("web-1", "web-2"));
    assertThat(plan.waves()).extracting(Plan.Wave::rebootOrder).containsExactly(1, 2, 3);
  }

  @Test
  void isDeterministicWhateverTheInventoryOrder() {
    List<HostSpec> hosts = List.of(host("c", 1), host("a", 1), host("b", 1, "c"));
    List<HostSpec> reversed = List.of(hosts.get(2), hosts.get(1), hosts.get(0));
    assertThat(waves(Planner.plan(hosts, ONE)))
        .isEqualTo(waves(Planner.plan(reversed, ONE)))
        .containsExactly(List.of("a", "c", "b"));
  }

  @Test
  void namesTheHostsOfACycle() {
    assertThatThrownBy(
            () ->
                Planner.plan(List.of(host("a", 1, "b"), host("b", 1, "c"), host("c", 1, "a")), ONE))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("dependency cycle: a -> b -> c -> a");
  }

  @Test
  void refusesADependencyThatRebootsLater() {
    assertThatThrownBy(() -> Planner.plan(List.of(host("web", 1, "db"), host("db", 2)), ONE))
        .hasMessageContaining(
            "web (rebootOrder 1) depends on db (rebootOrder 2), which reboots later");
  }

  @Test
  void matchesHostsToNodesByNameAndRefusesAHostWithoutOne() {
    List<NodeStub> nodes =
        List.of(
            node("a", "ready", "eligible"),
            node("b", "down", "eligible"),
            node("b", "ready", "eligible"));
    Plan plan = Planner.plan(List.of(host("a", 1), host("b", 1)), nodes, ONE);
    assertThat(plan.hosts().get(1).requireNode().id()).isEqualTo("id-b-ready");

    assertThatThrownBy(() -> Planner.plan(List.of(host("a", 1), host("ghost", 1)), nodes, ONE))
        .hasMessageContaining("host ghost has no Nomad node named ghost");
  }

  @Test
  void refusesAnAmbiguousMatch() {
    List<NodeStub> nodes =
        List.of(node("a", "ready", "eligible"), node("a", "initializing", "eligible"));
    assertThatThrownBy(() -> Planner.plan(List.of(host("a", 1)), nodes, ONE))
        .hasMessageContaining("host a matches 2 Nomad nodes");
  }

  @Test
  void skipsOrKeepsOperatorIneligibleNodesAsConfigured() {
    List<NodeStub> nodes = List.of(node("a", "ready", "ineligible"));
    PlannedHost skipped = Planner.plan(List.of(host("a", 1)), nodes, ONE).hosts().get(0);
    assertThat(skipped.skipped()).isTrue();
    assertThat(skipped.skipReason()).contains("ineligible by an operator");

    PlannedHost kept =
        Planner.plan(List.of(host("a", 1)), nodes, new Planner.Options(1, IneligibleHosts.UPDATE))
            .hosts()
            .get(0);
    assertThat(kept.skipped()).isFalse();
    assertThat(kept.requireNode().eligibleBefore()).isFalse();
    assertThat(kept.reason()).contains("stays ineligible afterwards");
  }

  @Test
  void explainsEachPlacement() {
    Plan plan =
        Planner.plan(
            List.of(
                critical("db", 1, "critical"),
                host("api", 2, "db"),
                host("cache", 2),
                host("app", 2, "cache")),
            new Planner.Options(2, IneligibleHosts.SKIP));
    List<String> lines = plan.describe();
    assertThat(lines.get(0)).contains("4 hosts in 2 waves, at most 2 out of service");
    assertThat(String.join("\n", lines))
        .contains("critical: runs alone")
        .contains("depends on db (earlier wave)")
        .contains("starts after cache (dependencies)");
  }

  @Test
  void putsTheControllersOwnNodeLastOfAllAndAlone() {
    List<NodeStub> nodes =
        List.of(
            node("a", "ready", "eligible"),
            node("b", "ready", "eligible"),
            node("c", "ready", "eligible"));
    Plan plan =
        Planner.plan(
            List.of(host("a", 1), host("b", 1), host("c", 2)),
            nodes,
            new Planner.Options(
                2, IneligibleHosts.SKIP, "id-a-ready", java.util.Set.of(), java.util.Set.of()));

    assertThat(waves(plan)).containsExactly(List.of("b"), List.of("c"), List.of("a"));
    PlannedHost own = plan.hosts().get(2);
    assertThat(own.role()).isEqualTo(Plan.Role.OWN_NODE);
    assertThat(own.critical()).isTrue();
    assertThat(own.reason()).contains("the controller's own node: last of all, alone");
  }

  @Test
  void saysWhoTakesOverTheControllersOwnNodeOrThatNoOneCanAndWarnsOfMissingBootIds() {
    List<NodeStub> nodes = List.of(node("a", "ready", "eligible"), node("b", "ready", "eligible"));
    List<HostSpec> hosts = List.of(host("a", 1), host("b", 1));
    Plan handedOver =
        Planner.plan(
            hosts,
            nodes,
            new Planner.Options(
                1,
                IneligibleHosts.SKIP,
                "id-a-ready",
                java.util.Set.of(),
                java.util.Set.of(),
                java.util.Set.of("b"),
                List.of("b")));
    Plan stuck =
        Planner.plan(
            hosts,
            nodes,
            new Planner.Options(
                1,
                IneligibleHosts.SKIP,
                "id-a-ready",
                java.util.Set.of(),
                java.util.Set.of(),
                java.util.Set.of(),
                List.of()));

    assertThat(handedOver.ownHost().orElseThrow().reason())
        .contains("handed over first")
        .contains("b can run it");
    assertThat(handedOver.describe())
        .contains(
            "Warning: b publishes no lab.boot-id: its reboot counts only once Nomad shows"
                + " the node leaving ready or registering again after being down; publish the boot id"
                + " (lab.machine) for a certain proof")
        .noneMatch(line -> line.contains("no other node can run the controller"));
    assertThat(stuck.ownHost().orElseThrow().reason())
        .contains("NOT rolled by this run: no other node can run the controller");
    assertThat(stuck.describe())
        .anyMatch(line -> line.startsWith("Warning: no other node can run the controller"))
        .noneMatch(line -> line.contains("lab.boot-id"));
  }

  @Test
  void refusesADependencyOnTheControllersOwnNode() {
    List<NodeStub> nodes = List.of(node("a", "ready", "eligible"), node("b", "ready", "eligible"));
    assertThatThrownBy(
            () ->
                Planner.plan(
                    List.of(host("a", 1), host("b", 2, "a")),
                    nodes,
                    new Planner.Options(
                        1,
                        IneligibleHosts.SKIP,
                        "id-a-ready",
                        java.util.Set.of(),
                        java.util.Set.of())))
        .hasMessageContaining("b depends on a, the node this controller runs on");
  }

  @Test
  void putsServerHostsAfterPlainOnesAndTheLeaderLast() {
    Plan plan =
        Planner.plan(
            List.of(host("s1", 1), host("s2", 1), host("s3", 1), host("web", 1), host("app", 1)),
            new Planner.Options(
                1,
                IneligibleHosts.SKIP,
                null,
                java.util.Set.of("s1", "s2", "s3"),
                java.util.Set.of("s1")));

    assertThat(waves(plan)).containsExactly(List.of("app", "web", "s2", "s3", "s1"));
    assertThat(plan.hosts())
        .filteredOn(PlannedHost::server)
        .extracting(PlannedHost::hostname)
        .containsExactly("s2", "s3", "s1");
  }

  @Test
  void aServerOrderNeverBreaksADependency() {
    Plan plan =
        Planner.plan(
            List.of(host("s1", 1), host("web", 1, "s1")),
            new Planner.Options(
                1, IneligibleHosts.SKIP, null, java.util.Set.of("s1"), java.util.Set.of()));
    assertThat(waves(plan)).containsExactly(List.of("s1", "web"));
  }

  @Test
  void aShareOfMaxParallelCountsTheRolledHostsAndThePlanSaysWhichLimitBinds() {
    List<HostSpec> hosts = new java.util.ArrayList<>();
    List<NodeStub> nodes = new java.util.ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      hosts.add(host("h" + i, 1));
      nodes.add(node("h" + i, "ready", "eligible"));
    }
    Plan plan =
        Planner.plan(
            hosts,
            nodes,
            new Planner.Options(
                1,
                IneligibleHosts.SKIP,
                null,
                Set.of(),
                Set.of(),
                Set.of(),
                List.of(),
                new Plan.Limits(2, 0),
                25));
    assertThat(plan.maxParallel()).as("25% of 20 hosts").isEqualTo(5);
    assertThat(plan.describe())
        .contains("  datacenter dc1: 20 hosts, at most 2 out at once (limits.perDatacenter)");
  }

  @Test
  void insideAWaveTheCheaperHostsGoFirstAndDependenciesStillComeFirst() {
    Plan plan =
        Planner.plan(
            List.of(
                critical("a-critical", 1, "critical"),
                critical("b-high", 1, "high"),
                critical("c-low", 1, "low", "b-high"),
                critical("d-medium", 1, "medium"),
                critical("e-low", 1, "low")),
            new Planner.Options(2, IneligibleHosts.SKIP));
    assertThat(waves(plan))
        .containsExactly(List.of("e-low", "d-medium", "b-high", "c-low", "a-critical"));
  }

  @Test
  void equalHostsOfAWaveGoLongestFirstByThePreviousRolloutsTimes() {
    Planner.Options withTimes =
        new Planner.Options(
            2,
            IneligibleHosts.SKIP,
            null,
            java.util.Set.of(),
            java.util.Set.of(),
            java.util.Set.of(),
            List.of(),
            Plan.Limits.NONE,
            null,
            java.util.Map.of(
                "a", java.time.Duration.ofMinutes(2),
                "b", java.time.Duration.ofMinutes(9),
                "c", java.time.Duration.ofMinutes(5),
                "z-low", java.time.Duration.ofMinutes(1)));
    Plan plan =
        Planner.plan(
            List.of(
                host("a", 1),
                host("b", 1),
                host("c", 1),
                host("d", 1),
                critical("z-low", 1, "low"),
                host("e", 2)),
            withTimes);
    // criticality still first; then the longest last time; a host without one last
    assertThat(waves(plan)).containsExactly(List.of("z-low", "b", "c", "a", "d"), List.of("e"));
    assertThat(plan.waves().get(0).hosts().get(1).reason())
        .contains("out of service 9m in the last rollout");
    assertThat(waves(Planner.plan(List.of(host("b", 1), host("a", 1)), ONE)))
        .containsExactly(List.of("a", "b"));
  }
}
