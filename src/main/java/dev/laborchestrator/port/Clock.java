package dev.laborchestrator.port;

import java.time.Duration;
import java.time.Instant;

/** Time, injectable so that no unit test sleeps in real time. */
public interface Clock {
  Instant now();

  /** Sleeps for {@code duration}; a fake clock advances instead. */
  void sleep(Duration duration) throws InterruptedException;

  /**
   * Nanoseconds on a monotonic scale, for measuring how much time has passed: only differences mean
   * anything, and a wall-clock step (NTP, an operator) does not move it. The default derives it
   * from {@link #now()}, which is right for fake clocks.
   */
  default long nanoTime() {
    Instant now = now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  static Clock system() {
    return SystemClock.INSTANCE;
  }
}

enum SystemClock implements Clock {
  INSTANCE;

  @Override
  public Instant now() {
    return Instant.now();
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    if (!duration.isNegative() && !duration.isZero()) {
      Thread.sleep(duration.toMillis());
    }
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }
}
