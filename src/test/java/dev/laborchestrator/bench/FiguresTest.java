package dev.laborchestrator.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.sim.SimEvent;
import dev.laborchestrator.sim.SimEvent.Type;
import dev.laborchestrator.sim.SimRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The benchmark's figures, computed from a hand-made record whose answers are known. */
class FiguresTest {
  private static final long STABLE_FOR = 20;

  private final List<SimEvent> events = new ArrayList<>();

  private void event(
      long at, String node, Type type, String detail, boolean eligible, boolean checks) {
    events.add(new SimEvent(at, node, type, detail, true, eligible, false, checks, 0, 0));
  }

  /**
   * One host's cycle. {@code checksAt} may come before {@code readyAt}: the wait for health then
   * ends at ready.
   */
  private void cycle(
      String host,
      long drainAt,
      long completeAt,
      long triggerAt,
      long readyAt,
      long checksAt,
      long eligibleAt) {
    event(drainAt, host, Type.DRAIN_STARTED, "", false, true);
    event(drainAt, host, Type.ELIGIBILITY_CHANGED, "ineligible by drain api", false, true);
    event(completeAt, host, Type.DRAIN_COMPLETE, "", false, true);
    event(triggerAt, host, Type.REBOOT_STARTED, "revision rev-2", false, true);
    event(triggerAt + 10, host, Type.STATUS_CHANGED, "down", false, false);
    event(triggerAt + 10, host, Type.CHECKS_CHANGED, "deregistered", false, false);
    event(triggerAt + 20, host, Type.CHECKS_CHANGED, "registered, 1 critical", false, false);
    event(checksAt, host, Type.CHECKS_CHANGED, "passing", false, true);
    event(readyAt, host, Type.STATUS_CHANGED, "ready", false, true);
    event(eligibleAt, host, Type.ELIGIBILITY_CHANGED, "eligible by api", true, true);
  }

  private Figures figures(List<SimRequest> requests, long countFrom) {
    // Before the rollout: registration with passing checks, which must not count as a return.
    event(0, "a", Type.CHECKS_CHANGED, "passing", true, true);
    event(0, "spare", Type.DRAIN_STARTED, "", false, true);
    cycle("a", 1000, 1100, 1105, 1405, 1455, 1480); // physical 100+300+50+20 = 470
    cycle("b", 1000, 1200, 1230, 1530, 1500, 1560); // physical 200+300+0+20 = 520
    cycle("c", 1600, 1700, 1701, 1801, 1821, 1843); // physical 100+100+20+20 = 240
    events.sort(java.util.Comparator.comparingLong(SimEvent::atMillis));
    Map<String, Integer> waves = new LinkedHashMap<>();
    waves.put("a", 1);
    waves.put("b", 1);
    waves.put("c", 2);
    return Figures.of(events, requests, waves, 2, STABLE_FOR, countFrom);
  }

  @Test
  void makespanRunsFromTheFirstDrainToTheLastEligibility() {
    assertThat(figures(List.of(), 0).makespanMillis()).isEqualTo(1843 - 1000);
  }

  @Test
  void theLowerBoundOfAWaveIsItsLongestHostOrItsSumOverMaxParallelAndWavesAdd() {
    Figures f = figures(List.of(), 0);
    // Wave 1: max(520, (470 + 520) / 2 = 495) = 520; wave 2: max(240, 120) = 240.
    assertThat(f.lowerBoundMillis()).isEqualTo(520 + 240);
    assertThat(f.ratio()).isEqualTo(843.0 / 760);
    assertThat(Figures.lowerBound(Map.of(1, List.of(100L, 100L, 100L, 100L)), 2))
        .as("four equal hosts, two at a time: the sum over maxParallel")
        .isEqualTo(200);
  }

  @Test
  void reactionsRunFromTheLabsEventToTheControllersRequest() {
    Figures f = figures(List.of(), 0);
    assertThat(f.drainToTrigger()).containsExactlyInAnyOrder(5L, 30L, 1L);
    // From healthy (ready and checks passing, whichever is later) plus stableFor.
    assertThat(f.stableToEligible()).containsExactlyInAnyOrder(5L, 10L, 2L);
    assertThat(Figures.percentile(f.drainToTrigger(), 50)).isEqualTo(5);
    assertThat(Figures.percentile(f.drainToTrigger(), 99)).isEqualTo(30);
  }

  @Test
  void percentilesAreNearestRank() {
    List<Long> hundred = LongStream.rangeClosed(1, 100).boxed().toList();
    assertThat(Figures.percentile(hundred, 50)).isEqualTo(50);
    assertThat(Figures.percentile(hundred, 99)).isEqualTo(99);
    assertThat(Figures.percentile(List.of(7L), 99)).isEqualTo(7);
    assertThat(Figures.percentile(List.of(), 50)).isZero();
  }

  @Test
  void requestsCountFromTheStartWithoutTheLockAcquisition() {
    List<SimRequest> requests =
        List.of(
            new SimRequest("GET", "/v1/nodes", "", 200, 900),
            new SimRequest("PUT", "/v1/var/lock", "lock-acquire", 200, 1000),
            new SimRequest("GET", "/v1/node/x", "", 200, 1000),
            new SimRequest("POST", "/v1/node/x/drain", "", 200, 1500),
            new SimRequest("GET", "/v1/health/node/x", "", 200, 1900));
    Figures f = figures(requests, 1000);
    assertThat(f.requests()).isEqualTo(3);
    assertThat(f.requestsPerHost()).isEqualTo(1.0);
  }

  @Test
  void aHostWithoutAFullCycleIsNamed() {
    event(1000, "a", Type.DRAIN_STARTED, "", false, true);
    assertThatThrownBy(() -> Figures.of(events, List.of(), Map.of("a", 1), 1, STABLE_FOR, 0))
        .hasMessageContaining("a full cycle")
        .hasMessageContaining("a");
  }

  @Test
  void outOfServiceRunsFromEachHostsDrainRequestToItsEligibility() {
    Figures f = figures(List.of(), 0);
    assertThat(f.outOfService()).containsExactly(1480L - 1000, 1560L - 1000, 1843L - 1600);
    assertThat(f.meanOutOfService()).isEqualTo((480 + 560 + 243) / 3.0);
    assertThat(f.switched()).isZero();
  }

  @Test
  void aSwitchedHostStaysReadyAndItsSwitchIsItsActivation() {
    event(900, "s", Type.BUILD_STARTED, "revision rev-2", true, true);
    event(
        950, "s", Type.BUILD_FINISHED, "revision rev-2, no reboot needed /nix/store/x", true, true);
    event(1000, "s", Type.DRAIN_STARTED, "", false, true);
    event(1100, "s", Type.DRAIN_COMPLETE, "", false, true);
    event(1104, "s", Type.SWITCHED, "revision rev-2", false, true);
    event(1104, "s", Type.CHECKS_CHANGED, "1 critical", false, false);
    event(1150, "s", Type.CHECKS_CHANGED, "passing", false, true);
    event(1173, "s", Type.ELIGIBILITY_CHANGED, "eligible by api", true, true);

    Figures f = Figures.of(events, List.of(), Map.of("s", 1), 1, STABLE_FOR, 0);

    assertThat(f.switched()).isEqualTo(1);
    assertThat(f.drainToTrigger()).containsExactly(4L);
    assertThat(f.stableToEligible()).containsExactly(1173L - 1150 - STABLE_FOR);
    assertThat(f.outOfService()).containsExactly(173L);
    // Drain 100, no reboot, checks 46 after the switch, stableFor: the build ahead is not counted.
    assertThat(f.lowerBoundMillis()).isEqualTo(100 + 46 + STABLE_FOR);
  }

  @Test
  void aBuildTheHostWasDrainedForIsPhysicalTimeNotReaction() {
    event(1000, "d", Type.DRAIN_STARTED, "", false, true);
    event(1100, "d", Type.DRAIN_COMPLETE, "", false, true);
    event(1103, "d", Type.BUILD_STARTED, "revision rev-2", false, true);
    event(
        1403, "d", Type.BUILD_FINISHED, "revision rev-2, reboot needed /nix/store/x", false, true);
    event(1410, "d", Type.REBOOT_STARTED, "revision rev-2", false, true);
    event(1420, "d", Type.STATUS_CHANGED, "down", false, false);
    event(1600, "d", Type.STATUS_CHANGED, "ready", false, false);
    event(1650, "d", Type.CHECKS_CHANGED, "passing", false, true);
    event(1685, "d", Type.ELIGIBILITY_CHANGED, "eligible by api", true, true);

    Figures f = Figures.of(events, List.of(), Map.of("d", 1), 1, STABLE_FOR, 0);

    assertThat(f.drainToTrigger())
        .as("3 ms to start the build, 7 from built to boot")
        .containsExactly(10L);
    assertThat(f.lowerBoundMillis()).isEqualTo(100 + 300 + 190 + 50 + STABLE_FOR);
    assertThat(f.outOfService()).containsExactly(685L);
    assertThat(f.switched()).isZero();
  }
}
