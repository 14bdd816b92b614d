package dev.laborchestrator.port;

import java.time.Duration;
import java.time.Instant;

/** Time, injectable so that no unit test sleeps in real time. */
public interface Clock {
  Instant now();

  /** Sleeps for {@code duration}; a fake clock advances instead. */
  void sleep(Duration duration) throws InterruptedException;

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
}
