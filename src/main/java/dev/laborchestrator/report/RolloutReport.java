package dev.laborchestrator.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.laborchestrator.rollout.HostCheckpoint;
import dev.laborchestrator.rollout.HostReport;
import dev.laborchestrator.rollout.HostState;
import dev.laborchestrator.rollout.RolloutResult;
import dev.laborchestrator.rollout.RolloutState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The machine-readable account of a rollout, written by {@code run --report} and {@code status
 * --json}; its schema is {@code schemas/report.schema.json}. It holds host names, states, times and
 * failure reasons only: no address and no token.
 *
 * @param source {@code run}: what this run saw, entry times as observed; {@code status}: the
 *     checkpoint, entry times derived from the time spent in each state (see {@link HostEntry})
 * @param status {@code done}, {@code failed}, {@code unfinished} (run) or {@code running}, {@code
 *     done}, {@code failed} (status)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record RolloutReport(
    String schema,
    String source,
    String rolloutId,
    String status,
    String targetRevision,
    String startedAt,
    String updatedAt,
    List<HostEntry> hosts) {
  public static final String SCHEMA = "lab-orchestrator/report/v1";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * One host.
   *
   * @param result its final (run) or current (status) state
   * @param action {@code rebooted} once the host was rebuilt and rebooted, {@code switched} when it
   *     was switched to its new system without a reboot ({@code reboot: when-needed}), {@code none}
   *     when it was not rebuilt
   * @param timestampsDerived whether {@code enteredAt} was computed backwards from the last update
   *     and the time spent in each state rather than observed
   */
  public record HostEntry(
      String host,
      String result,
      String action,
      String reason,
      String updatedAt,
      boolean timestampsDerived,
      List<StateEntry> states) {}

  /** A state the host was in: when it entered it (null when not known) and for how long. */
  public record StateEntry(String state, String enteredAt, double seconds) {}

  /** From this run: the result and the entry times {@code recorder} saw. */
  public static RolloutReport ofRun(
      RolloutResult result,
      ReportRecorder recorder,
      String targetRevision,
      Instant startedAt,
      Instant endedAt) {
    boolean unfinished = result.hosts().stream().anyMatch(h -> !h.state().terminal());
    List<HostEntry> hosts = new ArrayList<>();
    for (HostReport h : result.hosts()) {
      Map<HostState, Instant> entered = recorder.entered(h.hostname());
      List<StateEntry> states = new ArrayList<>();
      List<HostState> seen = new ArrayList<>(h.timeIn().keySet());
      entered.keySet().stream().filter(s -> !seen.contains(s)).forEach(seen::add);
      seen.sort(Comparator.naturalOrder());
      for (HostState state : seen) {
        states.add(
            new StateEntry(
                state.name(),
                text(entered.get(state)),
                seconds(h.timeIn().getOrDefault(state, Duration.ZERO))));
      }
      hosts.add(
          new HostEntry(
              h.hostname(),
              h.state().name(),
              action(seen),
              h.reason(),
              text(recorder.last(h.hostname())),
              false,
              states));
    }
    return new RolloutReport(
        SCHEMA,
        "run",
        result.rolloutId(),
        unfinished ? "unfinished" : result.succeeded() ? "done" : "failed",
        targetRevision,
        text(startedAt),
        text(endedAt),
        hosts);
  }

  /** From the recorded checkpoint, as {@code status} reads it. */
  public static RolloutReport ofCheckpoint(RolloutState s) {
    List<HostEntry> hosts = new ArrayList<>();
    for (HostCheckpoint h : s.hosts()) {
      List<HostState> seen = new ArrayList<>(h.timeIn().keySet());
      if (h.state() != HostState.PENDING && !seen.contains(h.state())) {
        seen.add(h.state());
      }
      seen.sort(Comparator.naturalOrder());
      // Walk back from the last update: the current state was entered then (a checkpoint is
      // written on every transition), each earlier one its time-in before the next.
      List<StateEntry> states = new ArrayList<>();
      Instant next = h.updatedAt();
      for (int i = seen.size() - 1; i >= 0; i--) {
        HostState state = seen.get(i);
        Duration in = h.timeIn().getOrDefault(state, Duration.ZERO);
        Instant entered = state == h.state() ? h.updatedAt() : next == null ? null : next.minus(in);
        states.add(0, new StateEntry(state.name(), text(entered), seconds(in)));
        next = entered;
      }
      hosts.add(
          new HostEntry(
              h.hostname(),
              h.state().name(),
              action(seen),
              h.reason(),
              text(h.updatedAt()),
              true,
              states));
    }
    return new RolloutReport(
        SCHEMA,
        "status",
        s.rolloutId(),
        s.status().name().toLowerCase(Locale.ROOT),
        s.targetRevision(),
        text(s.startedAt()),
        text(s.updatedAt()),
        hosts);
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this) + System.lineSeparator();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the report atomically: a reader never sees half a file. */
  public void write(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, ".report", ".json");
    try {
      Files.writeString(tmp, toJson());
      Files.move(
          tmp,
          file,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static String action(List<HostState> seen) {
    if (seen.contains(HostState.REBOOTING)) {
      return "rebooted";
    }
    if (seen.contains(HostState.SWITCHING)) {
      return "switched";
    }
    return seen.contains(HostState.REBUILDING) ? "rebooted" : "none";
  }

  private static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
