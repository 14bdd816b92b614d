package dev.laborchestrator.http;

import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * How long pre-flight tries to reach an API before it says the API is not there: attempts with
 * doubling pauses, each attempt cut off at what is left of {@code budget}, so that a wrong address
 * is reported within the budget however the connection fails (refused at once, or never answered).
 * A failure that retrying cannot fix (a TLS certificate problem) ends it at once.
 *
 * @param budget all attempts and pauses together end within this
 * @param firstPause the pause after the first failed attempt; it doubles up to {@code maxPause}
 * @param shortestAttempt an attempt is not started with less time than this left
 */
public record Reachability(
    Duration budget, Duration firstPause, Duration maxPause, Duration shortestAttempt) {
  /** 15 s in all, pauses of 0.5 s, 1 s, 2 s, 4 s, 4 s... */
  public static final Reachability PREFLIGHT =
      new Reachability(
          Duration.ofSeconds(15),
          Duration.ofMillis(500),
          Duration.ofSeconds(4),
          Duration.ofSeconds(1));

  public Reachability {
    Objects.requireNonNull(budget, "budget");
    Objects.requireNonNull(firstPause, "firstPause");
    Objects.requireNonNull(maxPause, "maxPause");
    Objects.requireNonNull(shortestAttempt, "shortestAttempt");
  }

  /** One attempt to reach the API that gives up after {@code timeout}. */
  @FunctionalInterface
  public interface Probe {
    void attempt(Duration timeout);
  }

  /**
   * What came of it.
   *
   * @param failure the last failure, or null when the API answered
   */
  public record Outcome(int attempts, Duration spent, ApiException failure) {
    public boolean reached() {
      return failure == null;
    }
  }

  /** Probes until the API answers, fails in a way retrying cannot fix, or the budget is spent. */
  public Outcome probe(Probe probe, Clock clock) throws InterruptedException {
    Instant start = clock.now();
    Duration pause = firstPause;
    int attempts = 0;
    while (true) {
      Duration left = budget.minus(Duration.between(start, clock.now()));
      attempts++;
      try {
        probe.attempt(left);
        return new Outcome(attempts, Duration.between(start, clock.now()), null);
      } catch (ApiException e) {
        Duration spent = Duration.between(start, clock.now());
        if (!e.transientFailure()
            || budget.minus(spent).compareTo(pause.plus(shortestAttempt)) < 0) {
          return new Outcome(attempts, spent, e);
        }
        clock.sleep(pause);
        Duration doubled = pause.multipliedBy(2);
        pause = doubled.compareTo(maxPause) > 0 ? maxPause : doubled;
      }
    }
  }
}
