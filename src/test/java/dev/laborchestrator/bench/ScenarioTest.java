package dev.laborchestrator.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScenarioTest {

  private static Scenario scenario(int hosts, int parallel, int waves, long min, long max) {
    return new Scenario(
        hosts,
        parallel,
        waves,
        Duration.ofSeconds(min),
        Duration.ofSeconds(max),
        Duration.ofMinutes(1),
        7);
  }

  @Test
  void hostsAreSplitEvenlyOverWavesInOrder() {
    Map<String, Integer> waves = scenario(10, 2, 4, 60, 60).waveOf();
    assertThat(waves.values()).containsExactly(1, 1, 1, 2, 2, 3, 3, 3, 4, 4);
    assertThat(waves.keySet()).startsWith("h0001", "h0002");
  }

  @Test
  void rebootsAreDrawnWithinTheSpreadAndRepeatWithTheSeed() {
    Scenario s = scenario(200, 4, 1, 20, 320);
    assertThat(s.reboots().values())
        .allSatisfy(d -> assertThat(d).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(320)));
    assertThat(Collections.max(s.reboots().values())).isGreaterThan(Duration.ofSeconds(300));
    assertThat(Collections.min(s.reboots().values())).isLessThan(Duration.ofSeconds(40));
    assertThat(s.reboots()).isEqualTo(scenario(200, 4, 1, 20, 320).reboots());
  }

  @Test
  void theScaleMakesTheLowerBoundLastTheDuration() {
    // 10 hosts of 20 + 60 + 15 + 10 = 105 s, one at a time: 1,050 s of lab time in a minute.
    Scenario s = scenario(10, 1, 1, 60, 60);
    assertThat(s.labLowerBound()).isEqualTo(Duration.ofSeconds(1050));
    assertThat(s.scale()).isEqualTo(60.0 / 1050);
    assertThat(s.scaled(Duration.ofSeconds(1050))).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void badInputIsRefusedByName() {
    assertThatThrownBy(() -> scenario(0, 1, 1, 60, 60)).hasMessageContaining("--hosts");
    assertThatThrownBy(() -> scenario(3, 0, 1, 60, 60)).hasMessageContaining("--parallel");
    assertThatThrownBy(() -> scenario(3, 1, 4, 60, 60)).hasMessageContaining("--waves");
    assertThatThrownBy(() -> scenario(3, 1, 1, 60, 30)).hasMessageContaining("--spread");
  }

  private static Scenario withBuilds(int hosts, long buildSeconds, double share) {
    return new Scenario(
        hosts,
        1,
        1,
        Duration.ofSeconds(60),
        Duration.ofSeconds(60),
        Duration.ofMinutes(1),
        7,
        new Scenario.Builds(Duration.ofSeconds(buildSeconds), share));
  }

  @Test
  void theShareOfHostsWithoutKernelChangeIsRoundedAndRepeatsWithTheSeed() {
    assertThat(withBuilds(10, 30, 0.5).withoutKernelChange()).hasSize(5);
    assertThat(withBuilds(10, 30, 0.26).withoutKernelChange()).hasSize(3);
    assertThat(withBuilds(10, 30, 0).withoutKernelChange()).isEmpty();
    assertThat(withBuilds(10, 30, 1).withoutKernelChange()).hasSize(10);
    assertThat(withBuilds(10, 30, 0.5).withoutKernelChange())
        .isEqualTo(withBuilds(10, 30, 0.5).withoutKernelChange());
    assertThat(scenario(10, 1, 1, 60, 60).withoutKernelChange()).isEmpty();
  }

  @Test
  void withBuildsTheScaleIsThatOfTheBaselineDrainedForItsBuild() {
    // 10 hosts of 20 + 30 + 60 + 15 + 10 = 135 s, one at a time.
    assertThat(withBuilds(10, 30, 0.5).labLowerBound()).isEqualTo(Duration.ofSeconds(1350));
  }

  @Test
  void theShareIsAFractionOrAPercentageAndAnythingElseIsRefusedByName() {
    assertThat(Scenario.Builds.share("0.5")).isEqualTo(0.5);
    assertThat(Scenario.Builds.share(" 25% ")).isEqualTo(0.25);
    assertThat(Scenario.Builds.share("1")).isEqualTo(1.0);
    for (String bad : new String[] {"half", "1.5", "-0.1", "150%", "", "NaN", "%"}) {
      assertThatThrownBy(() -> Scenario.Builds.share(bad))
          .as(bad)
          .hasMessageContaining("--no-kernel-change");
    }
    assertThatThrownBy(() -> new Scenario.Builds(Duration.ofSeconds(-1), 0.5))
        .hasMessageContaining("--build-time");
  }
}
