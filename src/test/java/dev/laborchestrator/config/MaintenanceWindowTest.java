package dev.laborchestrator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** kured's window semantics, plus windows that cross midnight, with daylight saving in Berlin. */
class MaintenanceWindowTest {
  private static MaintenanceWindow window(String days, String start, String end) {
    return MaintenanceWindow.parse(List.of(days.split(",")), start, end, "Europe/Berlin");
  }

  private static boolean in(MaintenanceWindow window, String instant) {
    return window.contains(Instant.parse(instant));
  }

  @Test
  void bothEndsAreInclusiveToTheSecond() {
    MaintenanceWindow w = window("sat,sun", "02:00", "06:00");

    assertThat(in(w, "2026-11-28T00:59:59Z")).isFalse(); // Sat 01:59:59 CET
    assertThat(in(w, "2026-11-28T01:00:00Z")).isTrue(); // Sat 02:00:00
    assertThat(in(w, "2026-11-28T05:00:00.999Z")).isTrue(); // Sat 06:00:00.999
    assertThat(in(w, "2026-11-28T05:00:01Z")).isFalse(); // Sat 06:00:01
    assertThat(in(w, "2026-11-29T03:00:00Z")).isTrue(); // Sun 04:00
    assertThat(in(w, "2026-11-30T03:00:00Z")).isFalse(); // Mon 04:00
  }

  @Test
  void theWeekdayIsTheOneInTheWindowsZone() {
    MaintenanceWindow w = window("sat", "00:00", "01:00");

    assertThat(in(w, "2026-11-27T23:30:00Z")).isTrue(); // Friday in UTC, Sat 00:30 in Berlin
    assertThat(in(w, "2026-11-28T23:30:00Z")).isFalse(); // Saturday in UTC, Sun 00:30 in Berlin
  }

  @Test
  void aWindowWhoseEndIsBeforeItsStartCrossesMidnightFromTheDayItStarts() {
    MaintenanceWindow w = window("sat", "22:00", "02:00");

    assertThat(w.crossesMidnight()).isTrue();
    assertThat(in(w, "2026-11-28T20:59:59Z")).isFalse(); // Sat 21:59:59
    assertThat(in(w, "2026-11-28T21:00:00Z")).isTrue(); // Sat 22:00
    assertThat(in(w, "2026-11-29T00:30:00Z")).isTrue(); // Sun 01:30
    assertThat(in(w, "2026-11-29T01:00:00Z")).isTrue(); // Sun 02:00:00
    assertThat(in(w, "2026-11-29T01:00:01Z")).isFalse(); // Sun 02:00:01
    assertThat(in(w, "2026-11-29T21:30:00Z")).isFalse(); // Sun 22:30: Sunday is not a day
    assertThat(in(w, "2026-11-27T22:00:00Z")).isFalse(); // Fri 23:00
  }

  @Test
  void aStartInTheSpringGapMovesForwardByTheGap() {
    // 2026-03-29, Europe/Berlin: 02:00 CET jumps to 03:00 CEST; 02:00 does not exist.
    MaintenanceWindow w = window("sun", "02:00", "03:30");

    assertThat(in(w, "2026-03-29T00:59:59Z")).isFalse(); // 01:59:59 CET
    assertThat(in(w, "2026-03-29T01:00:00Z")).isTrue(); // 03:00 CEST
    assertThat(in(w, "2026-03-29T01:30:00Z")).isTrue(); // 03:30 CEST
    assertThat(in(w, "2026-03-29T01:30:01Z")).isFalse();
  }

  @Test
  void inTheAutumnOverlapTheWindowStartsAtTheEarlierInstantAndSpansBothPasses() {
    // 2026-10-25, Europe/Berlin: 03:00 CEST falls back to 02:00 CET; 02:00-03:00 happens twice.
    MaintenanceWindow w = window("sun", "02:00", "03:00");

    assertThat(in(w, "2026-10-24T23:59:59Z")).isFalse(); // 01:59:59 CEST
    assertThat(in(w, "2026-10-25T00:00:00Z")).isTrue(); // 02:00 CEST, first pass
    assertThat(in(w, "2026-10-25T01:30:00Z")).isTrue(); // 02:30 CET, second pass
    assertThat(in(w, "2026-10-25T02:00:00Z")).isTrue(); // 03:00 CET
    assertThat(in(w, "2026-10-25T02:00:01Z")).isFalse();
  }

  @Test
  void knowsTheNextOpeningOrTheOneItIsIn() {
    MaintenanceWindow w = window("sat,sun", "02:00", "06:00");

    MaintenanceWindow.Opening next = w.current(Instant.parse("2026-12-02T10:00:00Z")).orElseThrow();
    assertThat(next.start().toOffsetDateTime()).hasToString("2026-12-05T02:00+01:00");
    assertThat(next.contains(Instant.parse("2026-12-02T10:00:00Z"))).isFalse();
    MaintenanceWindow.Opening now = w.current(Instant.parse("2026-12-06T03:00:00Z")).orElseThrow();
    assertThat(now.start().toOffsetDateTime()).hasToString("2026-12-06T02:00+01:00");
    assertThat(w).hasToString("sat,sun 02:00-06:00 Europe/Berlin");
  }

  @Test
  void takesKuredsDayNamesAndNumbers() {
    MaintenanceWindow w =
        MaintenanceWindow.parse(List.of("Su", "monday", "6"), "0:00", "23:59:59", null);

    assertThat(w.days())
        .containsExactlyInAnyOrder(
            java.time.DayOfWeek.SUNDAY, java.time.DayOfWeek.MONDAY, java.time.DayOfWeek.SATURDAY);
    assertThat(w.zone().getId()).isEqualTo("UTC");
  }

  @Test
  void refusesAnUnknownDayAMalformedTimeAndAnUnknownZone() {
    assertThatThrownBy(() -> window("sat,funday", "02:00", "06:00"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("window.days: 'funday'");
    assertThatThrownBy(() -> window("sat", "25:00", "06:00"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("window.start: '25:00'");
    assertThatThrownBy(() -> window("sat", "02:00", "6 o'clock"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("window.end");
    assertThatThrownBy(() -> MaintenanceWindow.parse(List.of("sat"), "02:00", "06:00", "Mars/Base"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("window.timeZone: 'Mars/Base'");
  }
}
