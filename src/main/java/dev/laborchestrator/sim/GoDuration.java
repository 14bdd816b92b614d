package dev.laborchestrator.sim;

import java.math.BigDecimal;
import java.util.Map;

/**
 * Go's {@code time.ParseDuration} syntax, which Nomad and Consul use for the {@code wait} query
 * parameter and for lock TTLs: an optional sign, then one or more decimal numbers each with a unit
 * ({@code ns}, {@code us}, {@code µs}, {@code ms}, {@code s}, {@code m}, {@code h}), e.g. {@code
 * 300ms}, {@code 1.5h}, {@code 2h45m}; a bare {@code 0} is allowed. {@link #format} is Go's {@code
 * Duration.String}, which both products use to render durations.
 */
final class GoDuration {

  private static final Map<String, Long> UNIT_NANOS =
      Map.of(
          "ns", 1L,
          "us", 1_000L,
          "µs", 1_000L,
          "μs", 1_000L,
          "ms", 1_000_000L,
          "s", 1_000_000_000L,
          "m", 60_000_000_000L,
          "h", 3_600_000_000_000L);

  private GoDuration() {}

  /** Nanoseconds, or an {@link IllegalArgumentException} for text Go would reject. */
  static long parseNanos(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    int i = 0;
    boolean negative = false;
    if (text.charAt(0) == '-' || text.charAt(0) == '+') {
      negative = text.charAt(0) == '-';
      i = 1;
    }
    if (text.substring(i).equals("0")) {
      return 0;
    }
    if (i == text.length()) {
      throw new IllegalArgumentException("invalid duration " + text);
    }
    BigDecimal total = BigDecimal.ZERO;
    while (i < text.length()) {
      int start = i;
      while (i < text.length() && (Character.isDigit(text.charAt(i)) || text.charAt(i) == '.')) {
        i++;
      }
      String number = text.substring(start, i);
      if (number.isEmpty() || number.equals(".")) {
        throw new IllegalArgumentException("invalid duration " + text);
      }
      int unitStart = i;
      while (i < text.length() && !Character.isDigit(text.charAt(i)) && text.charAt(i) != '.') {
        i++;
      }
      Long unit = UNIT_NANOS.get(text.substring(unitStart, i));
      if (unit == null) {
        throw new IllegalArgumentException("missing or unknown unit in duration " + text);
      }
      try {
        total = total.add(new BigDecimal(number).multiply(BigDecimal.valueOf(unit)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid duration " + text, e);
      }
    }
    long nanos = total.longValue();
    return negative ? -nanos : nanos;
  }

  /**
   * Go's {@code time.Duration.String}: {@code 0s}, {@code 1.5ms}, {@code 15s}, {@code 1m0s}, {@code
   * 24h0m0s}; below a second the largest unit that keeps the integer part non-zero.
   */
  static String format(long nanos) {
    if (nanos == 0) {
      return "0s";
    }
    String sign = nanos < 0 ? "-" : "";
    long abs = Math.abs(nanos);
    if (abs < 1_000) {
      return sign + abs + "ns";
    }
    if (abs < 1_000_000) {
      return sign + fraction(abs, 1_000) + "µs";
    }
    if (abs < 1_000_000_000) {
      return sign + fraction(abs, 1_000_000) + "ms";
    }
    long hours = abs / 3_600_000_000_000L;
    long minutes = abs / 60_000_000_000L % 60;
    String seconds = fraction(abs % 60_000_000_000L, 1_000_000_000L) + "s";
    if (hours > 0) {
      return sign + hours + "h" + minutes + "m" + seconds;
    }
    return minutes > 0 ? sign + minutes + "m" + seconds : sign + seconds;
  }

  /** {@code value / per} with the fraction's trailing zeros (and a bare point) dropped. */
  private static String fraction(long value, long per) {
    return BigDecimal.valueOf(value)
        .divide(BigDecimal.valueOf(per))
        .stripTrailingZeros()
        .toPlainString();
  }
}
