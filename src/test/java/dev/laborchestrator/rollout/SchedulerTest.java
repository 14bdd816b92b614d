package dev.laborchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.Orchestration;
import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.plan.Plan.PlannedHost;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SchedulerTest {
  private static PlannedHost host(String name, String criticality, String... deps) {
    return planned(name, 1, criticality, deps);
  }

  private static PlannedHost inWave(String name, int rebootOrder, String... deps) {
    return planned(name, rebootOrder, "low", deps);
  }

  private static PlannedHost planned(
      String name, int rebootOrder, String criticality, String... deps) {
    HostSpec spec =
        new HostSpec(
            name,
            "r",
            List.of(),
            rebootOrder,
            List.of(deps),
            List.of(),
            new Orchestration("rolling", 0, criticality),
            List.of());
    return new PlannedHost(spec, Optional.empty(), null, "");
  }

  private static List<String> names(List<PlannedHost> hosts) {
    return hosts.stream().map(PlannedHost::hostname).toList();
  }

  @Test
  void startsNoMoreThanMaxParallel() {
    List<PlannedHost> pending = List.of(host("a", "low"), host("b", "low"), host("c", "low"));
    assertThat(names(Scheduler.startable(pending, List.of(), Set.of(), 2)))
        .containsExactly("a", "b");
    assertThat(names(Scheduler.startable(pending, List.of(host("x", "low")), Set.of(), 2)))
        .containsExactly("a");
  }

  @Test
  void aCriticalHostRunsAloneAndIsNotOvertaken() {
    List<PlannedHost> pending = List.of(host("a", "critical"), host("b", "low"));
    assertThat(names(Scheduler.startable(pending, List.of(host("x", "low")), Set.of(), 3)))
        .isEmpty();
    assertThat(names(Scheduler.startable(pending, List.of(), Set.of(), 3))).containsExactly("a");
    assertThat(
            names(
                Scheduler.startable(
                    List.of(host("b", "low")), List.of(host("a", "critical")), Set.of(), 3)))
        .isEmpty();
  }

  @Test
  void aHostWaitsForItsDependenciesWhileIndependentOnesStart() {
    List<PlannedHost> pending = List.of(host("app", "low", "db"), host("cache", "low"));
    assertThat(names(Scheduler.startable(pending, List.of(host("db", "low")), Set.of(), 3)))
        .containsExactly("cache");
    assertThat(names(Scheduler.startable(pending, List.of(), Set.of("db"), 3)))
        .containsExactly("app", "cache");
  }

  @Test
  void neverStartsTwoServerHostsTogether() {
    HostSpec spec =
        new HostSpec(
            "s2",
            "r",
            List.of(),
            1,
            List.of(),
            List.of(),
            new Orchestration("rolling", 0, "low"),
            List.of());
    PlannedHost s2 =
        new PlannedHost(
            spec, Optional.empty(), null, "", dev.laborchestrator.plan.Plan.Role.SERVER);
    PlannedHost s1 =
        new PlannedHost(
            spec, Optional.empty(), null, "", dev.laborchestrator.plan.Plan.Role.SERVER);
    List<PlannedHost> pending = List.of(s2, host("web", "low"));
    assertThat(names(Scheduler.startable(pending, List.of(s1), Set.of(), 3)))
        .containsExactly("web");
    assertThat(names(Scheduler.startable(List.of(s1, s2), List.of(), Set.of(), 3))).hasSize(1);
  }

  @Test
  void startsAHostTheMomentASlotFrees() {
    PlannedHost a = host("a", "low");
    PlannedHost b = host("b", "low");
    PlannedHost c = host("c", "low");
    assertThat(Scheduler.startable(List.of(c), List.of(a, b), Set.of(), 2))
        .as("both slots taken")
        .isEmpty();
    assertThat(names(Scheduler.startable(List.of(c), List.of(b), Set.of("a"), 2)))
        .as("a finished: its slot is c's at once")
        .containsExactly("c");
  }

  @Test
  void aDependencyHoldsAHostBackWhileASlotIsFree() {
    PlannedHost a = host("a", "low");
    PlannedHost b = host("b", "low", "a");
    assertThat(Scheduler.startable(List.of(b), List.of(a), Set.of(), 2))
        .as("one of two slots is free, but b depends on a, which still runs")
        .isEmpty();
    assertThat(names(Scheduler.startable(List.of(b), List.of(), Set.of("a"), 2)))
        .containsExactly("b");
  }

  private static PlannedHost placed(String name, String datacenter, String... groups) {
    HostSpec spec =
        new HostSpec(
            name,
            "r",
            List.of(groups),
            1,
            List.of(),
            List.of(),
            new Orchestration("rolling", 0, "low"),
            List.of());
    return new PlannedHost(
        spec,
        Optional.of(new Plan.NodeRef("id-" + name, name, "10.0.0.1", true, datacenter)),
        null,
        "");
  }

  @Test
  void noDatacenterAndNoGroupHasMoreHostsOutThanItsLimit() {
    Plan.Limits limits = new Plan.Limits(1, 2);
    List<PlannedHost> pending =
        List.of(
            placed("a2", "dc-a", "web"),
            placed("b1", "dc-b", "web"),
            placed("b2", "dc-b", "db"),
            placed("c1", "dc-c", "web"));
    // a1 (dc-a, web) runs: dc-a is full; b1 takes the second web slot; b2 is in dc-b, now full;
    // c1 would be a third web host.
    assertThat(
            names(
                Scheduler.startable(
                    pending, List.of(placed("a1", "dc-a", "web")), Set.of(), 10, limits)))
        .containsExactly("b1");
    assertThat(names(Scheduler.startable(pending, List.of(), Set.of(), 10, Plan.Limits.NONE)))
        .as("without limits only maxParallel counts")
        .containsExactly("a2", "b1", "b2", "c1");
  }

  @Test
  void withOverlappingWavesALaterWaveTakesFreeSlotsOnceTheEarlierOneHasAllStarted() {
    PlannedHost a1 = inWave("a1", 1);
    PlannedHost a2 = inWave("a2", 1);
    PlannedHost b1 = inWave("b1", 2);
    PlannedHost b2 = inWave("b2", 2, "a1");
    // a2 still waits for a slot: no host of wave 2 overtakes it
    assertThat(names(Scheduler.startable(List.of(a2, b1, b2), List.of(a1), Set.of(), 1))).isEmpty();
    assertThat(names(Scheduler.startable(List.of(a2, b1, b2), List.of(a1), Set.of(), 3)))
        .containsExactly("a2", "b1");
    // a host of wave 1 held back by its dependency holds wave 2 back too, free slots or not
    PlannedHost a3 = inWave("a3", 1, "a1");
    assertThat(names(Scheduler.startable(List.of(a3, b1), List.of(a1), Set.of(), 3))).isEmpty();
    // every host of wave 1 has started: wave 2 fills the free slots, b2 only once a1 is done
    assertThat(names(Scheduler.startable(List.of(b1, b2), List.of(a1, a2), Set.of(), 4)))
        .containsExactly("b1");
    assertThat(names(Scheduler.startable(List.of(b1, b2), List.of(a2), Set.of("a1"), 4)))
        .containsExactly("b1", "b2");
  }

  @Test
  void aHostStillBuildingStaysPendingAndHoldsBackOnlyLaterWaves() {
    PlannedHost a1 = inWave("a1", 1);
    PlannedHost a2 = inWave("a2", 1);
    PlannedHost b1 = inWave("b1", 2);
    assertThat(names(Scheduler.built(List.of(a1, a2, b1), h -> h == a1)))
        .as("a2 of the same wave overtakes a1's build; b1 of the next wave does not")
        .containsExactly("a2");
    assertThat(names(Scheduler.built(List.of(a1, a2, b1), h -> h == b1)))
        .containsExactly("a1", "a2");
    assertThat(names(Scheduler.built(List.of(a1, a2, b1), h -> false)))
        .containsExactly("a1", "a2", "b1");
  }
}
