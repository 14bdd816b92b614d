package dev.laborchestrator.config;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * When hosts may start: on {@code days}, from {@code start} to {@code end} local time in {@code
 * zone}, both ends inclusive (the whole end second counts), as kured's {@code --reboot-days},
 * {@code --start-time}, {@code --end-time} and {@code --time-zone} (kubereboot/kured
 * pkg/timewindow/timewindow.go {@code Contains}: weekday taken from the time in the window's zone,
 * start and end on that local date, {@code start <= t <= end + 999ms}; days.go: day names).
 *
 * <p>Unlike kured, a window whose end is before its start crosses midnight: it belongs to the day
 * it starts on ({@code days: [sat]}, 22:00 to 02:00 is Saturday 22:00 to Sunday 02:00). Daylight
 * saving is java.time's: a start or end in the spring gap moves forward by the gap's length (02:30
 * on the last Sunday of March in Europe/Berlin is 03:30), in the autumn overlap it is the earlier
 * of the two instants.
 */
public record MaintenanceWindow(Set<DayOfWeek> days, LocalTime start, LocalTime end, ZoneId zone) {
  private static final Map<String, DayOfWeek> DAY_NAMES = dayNames();
  private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("H:mm", Locale.ROOT);
  private static final DateTimeFormatter HH_MM_SS =
      DateTimeFormatter.ofPattern("H:mm:ss", Locale.ROOT);
  private static final DateTimeFormatter PRINT =
      DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

  public MaintenanceWindow {
    if (days.isEmpty()) {
      throw new IllegalArgumentException("a window needs at least one day");
    }
    days = Set.copyOf(days);
  }

  /**
   * Parses the config's {@code window} block.
   *
   * @param days day names as kured takes them: {@code su, sun, sunday, mo, ...} in any case, or
   *     {@code 0..6} (0 is Sunday); empty or null means every day
   * @param start {@code HH:mm} or {@code HH:mm:ss}; null means 00:00
   * @param end {@code HH:mm} or {@code HH:mm:ss}; null means 23:59:59
   * @param zone an IANA zone such as {@code Europe/Berlin}, or {@code UTC}; null means UTC
   * @throws InvalidInputException naming the key and the bad value
   */
  public static MaintenanceWindow parse(List<String> days, String start, String end, String zone) {
    Set<DayOfWeek> parsed = EnumSet.noneOf(DayOfWeek.class);
    if (days == null || days.isEmpty()) {
      parsed.addAll(EnumSet.allOf(DayOfWeek.class));
    } else {
      for (String day : days) {
        DayOfWeek d = day == null ? null : DAY_NAMES.get(day.strip().toLowerCase(Locale.ROOT));
        if (d == null) {
          throw new InvalidInputException(
              "window.days: '"
                  + day
                  + "' is not a day (use sun, mon, tue, wed, thu, fri, sat, full names, or 0-6 with"
                  + " 0 = Sunday)");
        }
        parsed.add(d);
      }
    }
    ZoneId zoneId;
    try {
      zoneId = ZoneId.of(zone == null || zone.isBlank() ? "UTC" : zone.strip());
    } catch (DateTimeException e) {
      throw new InvalidInputException(
          "window.timeZone: '" + zone + "' is not a known time zone (e.g. Europe/Berlin or UTC)");
    }
    return new MaintenanceWindow(
        parsed,
        time(start, "window.start", LocalTime.MIDNIGHT),
        time(end, "window.end", LocalTime.of(23, 59, 59)),
        zoneId);
  }

  private static LocalTime time(String text, String key, LocalTime fallback) {
    if (text == null) {
      return fallback;
    }
    String t = text.strip();
    for (DateTimeFormatter format : List.of(HH_MM_SS, HH_MM)) {
      try {
        return LocalTime.parse(t, format);
      } catch (DateTimeParseException e) {
        // try the next format
      }
    }
    throw new InvalidInputException(
        key + ": '" + text + "' is not a time of day (use HH:mm or HH:mm:ss, e.g. 02:00)");
  }

  /** Whether the end is before the start, so that the window ends on the next day. */
  public boolean crossesMidnight() {
    return end.isBefore(start);
  }

  /** Whether {@code instant} is inside the window (both ends inclusive). */
  public boolean contains(Instant instant) {
    return openingAround(instant).isPresent();
  }

  /** The opening that contains {@code instant}, if any. */
  public Optional<Opening> openingAround(Instant instant) {
    LocalDate today = instant.atZone(zone).toLocalDate();
    for (LocalDate day : crossesMidnight() ? List.of(today.minusDays(1), today) : List.of(today)) {
      Optional<Opening> opening = openingOn(day);
      if (opening.isPresent() && opening.get().contains(instant)) {
        return opening;
      }
    }
    return Optional.empty();
  }

  /**
   * The opening that contains {@code instant}, or else the next one to begin after it; empty only
   * for a window that never opens (none here: every parsed window has a day).
   */
  public Optional<Opening> current(Instant instant) {
    Optional<Opening> now = openingAround(instant);
    if (now.isPresent()) {
      return now;
    }
    LocalDate day = instant.atZone(zone).toLocalDate().minusDays(1);
    for (int i = 0; i < 9; i++, day = day.plusDays(1)) {
      Optional<Opening> opening = openingOn(day);
      if (opening.isPresent() && opening.get().start().toInstant().isAfter(instant)) {
        return opening;
      }
    }
    return Optional.empty();
  }

  private Optional<Opening> openingOn(LocalDate day) {
    if (!days.contains(day.getDayOfWeek())) {
      return Optional.empty();
    }
    ZonedDateTime from = ZonedDateTime.of(day, start, zone);
    ZonedDateTime to =
        ZonedDateTime.of(crossesMidnight() ? day.plusDays(1) : day, end, zone)
            .plusNanos(999_999_999);
    return Optional.of(new Opening(from, to));
  }

  /** As the operator wrote it: "sat,sun 02:00-06:00 Europe/Berlin". */
  @Override
  public String toString() {
    List<DayOfWeek> sorted = new ArrayList<>(days);
    sorted.sort(null);
    return sorted.stream()
            .map(d -> d.name().substring(0, 3).toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(","))
        + " "
        + PRINT.format(start).replaceAll(":00$", "")
        + "-"
        + PRINT.format(end).replaceAll(":00$", "")
        + " "
        + zone.getId();
  }

  /** One opening of the window, as instants in its zone; {@code end} is inclusive. */
  public record Opening(ZonedDateTime start, ZonedDateTime end) {
    public boolean contains(Instant instant) {
      return !instant.isBefore(start.toInstant()) && !instant.isAfter(end.toInstant());
    }
  }

  private static Map<String, DayOfWeek> dayNames() {
    Map<String, DayOfWeek> names = new java.util.HashMap<>();
    for (DayOfWeek d : DayOfWeek.values()) {
      String full = d.name().toLowerCase(Locale.ROOT);
      names.put(full, d);
      names.put(full.substring(0, 3), d);
      names.put(full.substring(0, 2), d);
      names.put(Integer.toString(d.getValue() % 7), d);
    }
    return Map.copyOf(names);
  }
}
