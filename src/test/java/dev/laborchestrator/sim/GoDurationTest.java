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

  @ParameterizedTest
  @CsvSource({
    "0, 0s",
    "7, 7ns",
    "1500, 1.5µs",
    "10000000, 10ms",
    "1234567, 1.234567ms",
    "10000000000, 10s",
    "15000000000, 15s",
    "1500000000, 1.5s",
    "60000000000, 1m0s",
    "90000000000, 1m30s",
    "86400000000000, 24h0m0s",
    "-2000000000, -2s"
  })
  void formatsAsGoDurationStringDoes(long nanos, String text) {
    assertThat(GoDuration.format(nanos)).isEqualTo(text);
  }
}
