package dev.laborchestrator.http;

import dev.laborchestrator.port.BlockingQuery;
import java.time.Duration;
import java.util.Objects;

/**
 * Timeouts and retries of one HTTP API.
 *
 * @param connectTimeout to open a connection
 * @param readTimeout to wait for an answer to a non-blocking call; also the margin a blocking call
 *     gets on top of its wait
 * @param retry how idempotent requests are retried
 */
public record HttpOptions(Duration connectTimeout, Duration readTimeout, RetryPolicy retry) {
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

  public HttpOptions {
    requirePositive(connectTimeout, "connectTimeout");
    requirePositive(readTimeout, "readTimeout");
    Objects.requireNonNull(retry, "retry");
  }

  /** Connect within 5 s, answer within 30 s, {@link RetryPolicy#defaults()}. */
  public static HttpOptions defaults() {
    return new HttpOptions(DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, RetryPolicy.defaults());
  }

  public HttpOptions withRetry(RetryPolicy replacement) {
    return new HttpOptions(connectTimeout, readTimeout, replacement);
  }

  public HttpOptions withTimeouts(Duration connect, Duration read) {
    return new HttpOptions(connect, read, retry);
  }

  /**
   * How long a call may wait for its answer. A blocking query is answered after its wait plus up to
   * wait/16 of jitter that Nomad and Consul add, so it gets that on top of {@link #readTimeout}.
   */
  public Duration readTimeoutFor(BlockingQuery query) {
    if (!query.blocks()) {
      return readTimeout;
    }
    Duration wait = waitOf(query);
    return wait.plus(wait.dividedBy(16)).plus(readTimeout);
  }

  /** The bound on a whole call: connecting, then waiting for and reading the answer. */
  public Duration callTimeoutFor(BlockingQuery query) {
    return connectTimeout.plus(readTimeoutFor(query));
  }

  /**
   * The wait sent to the server, in whole milliseconds and at least 1 ms: a wait of 0 would make
   * the server block for its default of 5 minutes.
   */
  static Duration waitOf(BlockingQuery query) {
    return Duration.ofMillis(Math.max(1, query.maxWait().toMillis()));
  }

  private static void requirePositive(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + duration);
    }
  }
}
