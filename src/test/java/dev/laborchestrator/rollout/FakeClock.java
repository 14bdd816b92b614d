package dev.laborchestrator.rollout;

import dev.laborchestrator.port.Clock;
import java.time.Duration;
import java.time.Instant;

/** A clock that only moves when someone sleeps on it or a fake server "waits". */
final class FakeClock implements Clock {
  private Instant now = Instant.parse("2026-11-22T03:00:00Z");

  @Override
  public synchronized Instant now() {
    return now;
  }

  @Override
  public synchronized void sleep(Duration duration) {
    if (!duration.isNegative()) {
      now = now.plus(duration);
    }
  }

  synchronized void advanceTo(Instant instant) {
    if (instant.isAfter(now)) {
      now = instant;
    }
  }

  synchronized Duration since(Instant start) {
    return Duration.between(start, now);
  }
}
