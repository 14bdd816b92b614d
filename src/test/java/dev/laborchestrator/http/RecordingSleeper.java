package dev.laborchestrator.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A {@link RetryPolicy.Sleeper} that only writes down the pauses asked of it. */
public final class RecordingSleeper implements RetryPolicy.Sleeper {
  private final List<Duration> pauses = new ArrayList<>();

  @Override
  public synchronized void sleep(Duration duration) {
    pauses.add(duration);
  }

  public synchronized List<Duration> pauses() {
    return List.copyOf(pauses);
  }
}
