package dev.laborchestrator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchLabTest {
  @TempDir Path dir;

  private boolean overlapInTheWrittenConfig(boolean overlap) {
    Scenario scenario =
        new Scenario(
            4,
            2,
            2,
            Duration.ofSeconds(60),
            Duration.ofSeconds(60),
            Duration.ofSeconds(2),
            1,
            null,
            overlap);
    try (BenchLab lab = BenchLab.start(scenario, dir.resolve(overlap ? "on" : "off"))) {
      return new ConfigLoader(Map.of()).load(lab.config()).limits().overlapWaves();
    }
  }

  @Test
  void theEngineRunsWithOverlappingWavesOnlyUnderOverlap() {
    assertThat(overlapInTheWrittenConfig(true)).isTrue();
    assertThat(overlapInTheWrittenConfig(false)).isFalse();
  }
}
