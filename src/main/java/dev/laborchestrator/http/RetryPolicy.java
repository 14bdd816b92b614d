package dev.laborchestrator.http;

import dev.laborchestrator.port.ApiException;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How often and how patiently an idempotent request is repeated: up to {@code maxAttempts} attempts
 * in all, with the pause before each retry given by a resilience4j {@link IntervalFunction}. Only
 * {@link ApiException#transientFailure() transient failures} are retried; the last failure is
 * rethrown once the attempts are used up.
 *
 * <p>An outage is logged once, not once per attempt: the first failure of a request says that it is
 * retried, its repeats stay quiet, and its next answer says that it answers again. Giving up is
 * left to the caller, which reports the rethrown failure once.
 *
 * <p>Pauses go through the {@link Sleeper}, so tests replace it and never sleep. (resilience4j's
 * own sleep is a process-wide static hook; it is told to wait 0 ms instead.)
 */
public final class RetryPolicy {
  public static final int DEFAULT_MAX_ATTEMPTS = 5;
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(500);
  public static final double DEFAULT_MULTIPLIER = 2.0;
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(8);

  private static final Logger LOG = LoggerFactory.getLogger(RetryPolicy.class);

  /**
   * Waits between attempts; {@code clock::sleep} of a {@link dev.laborchestrator.port.Clock} fits.
   */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;

    static Sleeper system() {
      return duration -> Thread.sleep(duration.toMillis());
    }
  }

  /** A request that has not failed for this long is logged again when it fails. */
  static final Duration QUIET_AFTER = Duration.ofMinutes(2);

  private final int maxAttempts;
  private final Map<String, Long> failing = new ConcurrentHashMap<>();
  private final IntervalFunction backoff;
  private final Sleeper sleeper;
  private final Consumer<String> notices;
  private final Retry retry;

  public RetryPolicy(int maxAttempts, IntervalFunction backoff, Sleeper sleeper) {
    this(maxAttempts, backoff, sleeper, LOG::warn);
  }

  private RetryPolicy(
      int maxAttempts, IntervalFunction backoff, Sleeper sleeper, Consumer<String> notices) {
    this.notices = Objects.requireNonNull(notices, "notices");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
    this.maxAttempts = maxAttempts;
    this.backoff = Objects.requireNonNull(backoff, "backoff");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    this.retry =
        Retry.of(
            "lab-orchestrator-http",
            RetryConfig.custom()
                .maxAttempts(maxAttempts)
                .retryOnException(RetryPolicy::retryable)
                .intervalBiFunction(this::pauseBeforeRetry)
                .build());
  }

  /**
   * 5 attempts, pauses of 0.5 s, 1 s, 2 s, 4 s (doubling, at most 8 s): rides out a leader
   * election.
   */
  public static RetryPolicy defaults() {
    return exponential(
        DEFAULT_MAX_ATTEMPTS, DEFAULT_INITIAL_BACKOFF, DEFAULT_MULTIPLIER, DEFAULT_MAX_BACKOFF);
  }

  public static RetryPolicy exponential(
      int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff) {
    return new RetryPolicy(
        maxAttempts,
        IntervalFunction.ofExponentialBackoff(initialBackoff, multiplier, maxBackoff),
        Sleeper.system());
  }

  /** One attempt, no retry. */
  public static RetryPolicy none() {
    return new RetryPolicy(1, IntervalFunction.of(Duration.ofMillis(1)), Sleeper.system());
  }

  public RetryPolicy withSleeper(Sleeper replacement) {
    return new RetryPolicy(maxAttempts, backoff, replacement, notices);
  }

  /** The same policy, saying what it logs to {@code replacement} instead (for tests). */
  RetryPolicy withNotices(Consumer<String> replacement) {
    return new RetryPolicy(maxAttempts, backoff, sleeper, replacement);
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  /** Whether a failure may pass by retrying: transient {@link ApiException}s only. */
  public static boolean retryable(Throwable failure) {
    return failure instanceof ApiException api && api.transientFailure();
  }

  /** The pause after the {@code failedAttempts}-th failed attempt (1 for the first). */
  public Duration backoffAfter(int failedAttempts) {
    return Duration.ofMillis(backoff.apply(failedAttempts));
  }

  /** Runs {@code attempt}, retrying it as this policy says; rethrows the last failure. */
  public <T> T run(Supplier<T> attempt) {
    return retry.executeSupplier(attempt);
  }

  /**
   * Says once that {@code request} ({@code "GET /v1/nodes"}) answers again, if its failure was
   * logged; {@link HttpApi} calls this for every answer.
   */
  public void answered(String request) {
    if (!failing.isEmpty() && failing.remove(request) != null) {
      notices.accept(request + " answers again");
    }
  }

  /**
   * Whether to log this failure: the first failure of a request is logged, its repeats are not (the
   * attempts of one call, and the calls a step repeats while it rides out an outage) until the
   * request answers again or has not failed for {@link #QUIET_AFTER}.
   */
  private boolean firstOfItsKind(Throwable failure) {
    String request = requestOf(failure);
    long now = System.nanoTime();
    Long previous = failing.put(request, now);
    return previous == null || now - previous > QUIET_AFTER.toNanos();
  }

  /** {@code "GET /v1/nodes"}: the method and path an {@link ApiException} message starts with. */
  static String requestOf(Throwable failure) {
    String message = failure == null || failure.getMessage() == null ? "" : failure.getMessage();
    String[] words = message.split(" ", 3);
    return words.length >= 2 ? words[0] + " " + words[1] : message;
  }

  private Long pauseBeforeRetry(Integer failedAttempts, Either<Throwable, Object> outcome) {
    Duration pause = backoffAfter(failedAttempts);
    Throwable failure = outcome.isLeft() ? outcome.getLeft() : null;
    if (Thread.currentThread().isInterrupted() && failure instanceof RuntimeException runtime) {
      throw runtime; // the caller is stopping (a watch closed at the end of a run): no retry
    }
    HttpApi.retrying();
    if (firstOfItsKind(failure)) {
      notices.accept(
          (failure == null ? "unexpected result" : failure.getMessage())
              + "; retrying (said once: further failures of "
              + requestOf(failure)
              + " are not logged until it answers)");
    }
    try {
      sleeper.sleep(pause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (failure instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException("interrupted while waiting to retry", e);
    }
    return 0L;
  }

  @Override
  public String toString() {
    return "RetryPolicy[maxAttempts=" + maxAttempts + "]";
  }
}
