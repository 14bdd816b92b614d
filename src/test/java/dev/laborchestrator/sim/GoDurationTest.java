package dev.laborchestrator.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GoDurationTest {

  @ParameterizedTest
  @CsvSource({
    "0, 0",
    "5s, 5000000000",
    "300ms, 300000000",
    "1.5h, 5400000000000",
    "2h45m, 9900000000000",
    "10us, 10000",
    "10µs, 10000",
    "7ns, 7",
    "-1m, -60000000000",
    "+.5s, 500000000"
  })
  void parsesGoDurations(String text, long nanos) {
    assertThat(GoDuration.parseNanos(text)).isEqualTo(nanos);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "s", "1d", "1.2.3s", "-", "5 s"})
  void rejectsWhatGoRejects(String text) {
    assertThatThrownBy(() -> GoDuration.parseNanos(text))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
