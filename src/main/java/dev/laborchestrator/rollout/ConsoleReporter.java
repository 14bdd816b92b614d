package dev.laborchestrator.rollout;

import dev.laborchestrator.port.Clock;
import java.io.PrintStream;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Prints one line per state transition and, at the end, a summary table: readable in a terminal and
 * in the Nomad UI's log view.
 */
public final class ConsoleReporter implements RolloutListener {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ISO_LOCAL_TIME.withZone(ZoneOffset.UTC);

  private final PrintStream out;
  private final Clock clock;

  public ConsoleReporter(PrintStream out, Clock clock) {
    this.out = out;
    this.clock = clock;
  }

  @Override
  public synchronized void transition(
      String host,
      HostState from,
      HostState to,
      Duration inPrevious,
      Duration sinceStart,
      String detail) {
    String time = TIME.format(clock.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    String spent = from == HostState.PENDING ? "" : " after " + seconds(inPrevious) + " in " + from;
    String tail = detail == null || detail.isEmpty() ? "" : " - " + detail;
    out.printf(
        Locale.ROOT,
        "%s  %-16s %-10s (elapsed %s%s)%s%n",
        time,
        host,
        to,
        seconds(sinceStart),
        spent,
        tail);
    out.flush();
  }

  @Override
  public synchronized void note(String host, String message) {
    String time = TIME.format(clock.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    out.printf(Locale.ROOT, "%s  %-16s %s%n", time, host, message);
    out.flush();
  }

  @Override
  public synchronized void held(String reason, boolean endsRun, int hostsLeft) {
    String time = TIME.format(clock.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    out.printf(
        Locale.ROOT,
        "%s  %s: no new host starts%s%n",
        time,
        reason,
        endsRun ? "; hosts in flight finish, then this run ends" : " until this clears");
    out.flush();
  }

  @Override
  public synchronized void holdLifted() {
    String time = TIME.format(clock.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    out.printf(Locale.ROOT, "%s  hold lifted: hosts start again%n", time);
    out.flush();
  }

  /** The final table: host, result, time drained, time down, time to healthy, total. */
  public void summary(RolloutResult result) {
    out.println();
    out.printf(
        Locale.ROOT,
        "Rollout %s: %s%n",
        result.rolloutId(),
        result.succeeded() ? "done" : result.failed().isEmpty() ? "unfinished" : "FAILED");
    String format = "%-16s %-8s %9s %9s %11s %9s  %s%n";
    out.printf(
        Locale.ROOT, format, "HOST", "RESULT", "DRAINED", "DOWN", "TO HEALTHY", "TOTAL", "NOTE");
    for (HostReport host : result.hosts()) {
      boolean started =
          host.state() != HostState.PENDING
              && host.state() != HostState.BUILDING
              && host.state() != HostState.SKIPPED;
      out.printf(
          Locale.ROOT,
          format,
          host.hostname(),
          host.state() == HostState.PENDING
              ? "NOT RUN"
              : host.state() == HostState.BUILDING ? "BUILT" : host.state(),
          started ? seconds(host.drained()) : "-",
          started ? seconds(host.down()) : "-",
          started ? seconds(host.toHealthy()) : "-",
          started ? seconds(host.total()) : "-",
          host.reason() != null ? host.reason() : activation(host));
    }
    List<HostReport> rolledBack =
        result.hosts().stream().filter(h -> h.state() == HostState.ROLLED_BACK).toList();
    for (HostReport host : rolledBack) {
      out.println();
      out.println("ROLLED BACK " + host.hostname() + ": " + host.reason());
      out.println(
          "The host runs its previous generation again. The rollout halted: fix the new configuration,");
      out.println(
          "then run with --retry-failed to try the host again, or 'reset' to forget this rollout.");
    }
    List<HostReport> failed = result.failed();
    if (!failed.isEmpty()) {
      out.println();
      for (HostReport host : failed) {
        out.println("FAILED " + host.hostname() + ": " + host.reason());
      }
      out.println(
          "A node that was drained is left drained and ineligible, so Nomad schedules nothing on it.");
      out.println(
          "Hosts after it were not started. Fix the host, then run again with --retry-failed to continue");
      out.println(
          "where it failed, or make it eligible yourself (nomad node eligibility -enable <node-id>) and");
      out.println("'reset' the rollout.");
    }
    out.flush();
  }

  /** For a host that is done: whether it was rebooted or only switched to its new system. */
  private static String activation(HostReport host) {
    if (host.state() != HostState.DONE) {
      return "";
    }
    return host.switched() ? "switched, no reboot" : "rebooted";
  }

  /** {@code 0.4s}, {@code 12.0s}, {@code 3m05s}, {@code 1h02m}. */
  public static String seconds(Duration duration) {
    long millis = duration.toMillis();
    if (millis < 60_000) {
      return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
    }
    long s = duration.getSeconds();
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
  }
}
