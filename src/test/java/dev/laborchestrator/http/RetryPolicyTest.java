package dev.laborchestrator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.port.ApiException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private final RecordingSleeper sleeper = new RecordingSleeper();
  private final RetryPolicy policy = RetryPolicy.defaults().withSleeper(sleeper);
  private final AtomicInteger attempts = new AtomicInteger();

  @Test
  void retriesServerErrorsThrottlingAndTransportFailuresOnly() {
    assertThat(RetryPolicy.retryable(ApiException.status(500, "GET", "/v1/nodes", ""))).isTrue();
    assertThat(RetryPolicy.retryable(ApiException.status(503, "GET", "/v1/nodes", ""))).isTrue();
    assertThat(RetryPolicy.retryable(ApiException.status(429, "GET", "/v1/nodes", ""))).isTrue();
    assertThat(RetryPolicy.retryable(unreachable())).isTrue();

    assertThat(RetryPolicy.retryable(ApiException.status(400, "GET", "/v1/nodes", ""))).isFalse();
    assertThat(RetryPolicy.retryable(ApiException.status(403, "GET", "/v1/nodes", ""))).isFalse();
    assertThat(RetryPolicy.retryable(ApiException.status(404, "GET", "/v1/nodes", ""))).isFalse();
    assertThat(RetryPolicy.retryable(ApiException.shape("GET", "/v1/nodes", "not JSON"))).isFalse();
    assertThat(RetryPolicy.retryable(new IllegalStateException("bug"))).isFalse();
  }

  @Test
  void saysAnOutageOnceAndItsEndOnceNotEveryAttempt() {
    List<String> notices = new ArrayList<>();
    RetryPolicy said = policy.withNotices(notices::add);
    ApiException down =
        ApiException.unreachable("GET", "/v1/node/a", new IOException("Failed to connect"));

    for (int call = 0; call < 3; call++) {
      assertThatThrownBy(
              () ->
                  said.run(
                      () -> {
                        attempts.incrementAndGet();
                        throw down;
                      }))
          .isSameAs(down);
    }
    said.answered("GET /v1/node/a");
    said.answered("GET /v1/node/a");

    assertThat(attempts).hasValue(15);
    assertThat(notices)
        .containsExactly(
            "GET /v1/node/a failed: Failed to connect; retrying (said once: further failures of"
                + " GET /v1/node/a are not logged until it answers)",
            "GET /v1/node/a answers again");

    assertThatThrownBy(
        () ->
            said.run(
                () -> {
                  throw down;
                }));
    assertThat(notices).hasSize(3);
  }

  @Test
  void backoffDoublesFromHalfASecondUpToEightSeconds() {
    assertThat(policy.maxAttempts()).isEqualTo(5);
    assertThat(policy.backoffAfter(1)).isEqualTo(Duration.ofMillis(500));
    assertThat(policy.backoffAfter(2)).isEqualTo(Duration.ofSeconds(1));
    assertThat(policy.backoffAfter(3)).isEqualTo(Duration.ofSeconds(2));
    assertThat(policy.backoffAfter(4)).isEqualTo(Duration.ofSeconds(4));
    assertThat(policy.backoffAfter(5)).isEqualTo(Duration.ofSeconds(8));
    assertThat(policy.backoffAfter(9)).isEqualTo(Duration.ofSeconds(8));
  }

  @Test
  void returnsOnceATransientFailureHasPassed() {
    String result =
        policy.run(
            () -> {
              if (attempts.incrementAndGet() < 3) {
                throw ApiException.status(500, "GET", "/v1/nodes", "No cluster leader");
              }
              return "ok";
            });

    assertThat(result).isEqualTo("ok");
    assertThat(attempts).hasValue(3);
    assertThat(sleeper.pauses()).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1));
  }

  @Test
  void givesUpAfterMaxAttemptsWithTheLastFailure() {
    assertThatThrownBy(
            () ->
                policy.run(
                    () -> {
                      throw ApiException.status(
                          503, "GET", "/v1/nodes", "attempt " + attempts.incrementAndGet());
                    }))
        .isInstanceOf(ApiException.class)
        .hasMessage("GET /v1/nodes answered HTTP 503: attempt 5");

    assertThat(attempts).hasValue(5);
    assertThat(sleeper.pauses())
        .containsExactly(
            Duration.ofMillis(500),
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4));
  }

  @Test
  void doesNotRetryAFailureThatRetryingCannotFix() {
    assertThatThrownBy(
            () ->
                policy.run(
                    () -> {
                      attempts.incrementAndGet();
                      throw ApiException.status(403, "GET", "/v1/nodes", "Permission denied");
                    }))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).forbidden()).isTrue());

    assertThat(attempts).hasValue(1);
    assertThat(sleeper.pauses()).isEmpty();
  }

  @Test
  void noneMakesASingleAttempt() {
    RetryPolicy once = RetryPolicy.none().withSleeper(sleeper);

    assertThatThrownBy(
            () ->
                once.run(
                    () -> {
                      attempts.incrementAndGet();
                      throw ApiException.status(500, "GET", "/v1/nodes", "");
                    }))
        .isInstanceOf(ApiException.class);

    assertThat(attempts).hasValue(1);
    assertThat(sleeper.pauses()).isEmpty();
  }

  @Test
  void anInterruptedPauseEndsTheRetriesAndKeepsTheInterruptFlag() {
    RetryPolicy interrupted =
        policy.withSleeper(
            duration -> {
              throw new InterruptedException();
            });
    try {
      assertThatThrownBy(
              () ->
                  interrupted.run(
                      () -> {
                        attempts.incrementAndGet();
                        throw ApiException.status(500, "GET", "/v1/nodes", "first");
                      }))
          .isInstanceOf(ApiException.class)
          .hasMessageContaining("first");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
      assertThat(attempts).hasValue(1);
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void rejectsFewerThanOneAttempt() {
    assertThatThrownBy(
            () -> RetryPolicy.exponential(0, Duration.ofMillis(1), 2, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxAttempts");
  }

  private static ApiException unreachable() {
    return ApiException.unreachable("GET", "/v1/nodes", new IOException("connection refused"));
  }
}
