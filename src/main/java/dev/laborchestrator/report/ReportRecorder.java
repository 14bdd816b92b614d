package dev.laborchestrator.report;

import dev.laborchestrator.port.Clock;
import dev.laborchestrator.rollout.HostState;
import dev.laborchestrator.rollout.RolloutListener;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Notes when each host entered each state during this run, for {@link RolloutReport#ofRun}: the
 * checkpoint keeps only the time spent per state.
 */
public final class ReportRecorder implements RolloutListener {
  private final Clock clock;
  private final Map<String, Map<HostState, Instant>> entered = new ConcurrentHashMap<>();
  private final Map<String, Instant> last = new ConcurrentHashMap<>();

  public ReportRecorder(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void transition(
      String host,
      HostState from,
      HostState to,
      Duration inPrevious,
      Duration sinceStart,
      String detail) {
    Instant now = clock.now();
    // The first entry counts: a host that goes back into a state (a retried step) keeps it.
    entered
        .computeIfAbsent(
            host, h -> java.util.Collections.synchronizedMap(new EnumMap<>(HostState.class)))
        .putIfAbsent(to, now);
    last.put(host, now);
  }

  Map<HostState, Instant> entered(String host) {
    Map<HostState, Instant> states = entered.get(host);
    if (states == null) {
      return Map.of();
    }
    synchronized (states) {
      return Map.copyOf(states);
    }
  }

  Instant last(String host) {
    return last.get(host);
  }
}
