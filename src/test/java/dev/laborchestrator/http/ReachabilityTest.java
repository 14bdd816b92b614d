package dev.laborchestrator.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.ApiException.TlsFailure;
import dev.laborchestrator.port.Clock;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pre-flight's bounded attempts to reach an API, on a clock that only moves when told. */
class ReachabilityTest {
  private static final Duration BUDGET = Duration.ofSeconds(15);

  private final TestClock clock = new TestClock();
  private final List<Duration> timeouts = new ArrayList<>();

  @Test
  void aRefusedConnectionIsRetriedWithDoublingPausesAndGivenUpWithinTheBudget()
      throws InterruptedException {
    Reachability.Outcome outcome = Reachability.PREFLIGHT.probe(failing(Duration.ZERO), clock);

    assertThat(outcome.reached()).isFalse();
    assertThat(outcome.failure()).hasMessageContaining("Connection refused");
    assertThat(clock.pauses)
        .containsExactly(
            Duration.ofMillis(500),
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofSeconds(4));
    assertThat(outcome.attempts()).isEqualTo(6);
    assertThat(clock.elapsed()).isEqualTo(outcome.spent()).isLessThanOrEqualTo(BUDGET);
  }

  @Test
  void connectTimeoutsEndWithinTheBudgetEachAttemptCutToWhatIsLeft() throws InterruptedException {
    Reachability.Outcome outcome =
        Reachability.PREFLIGHT.probe(failing(Duration.ofSeconds(5)), clock);

    assertThat(outcome.reached()).isFalse();
    assertThat(outcome.attempts()).isGreaterThan(1);
    assertThat(clock.elapsed()).isLessThanOrEqualTo(BUDGET);
    assertThat(timeouts.get(0)).isEqualTo(BUDGET);
    assertThat(timeouts).allSatisfy(t -> assertThat(t).isLessThanOrEqualTo(BUDGET));
  }

  @Test
  void aServerThatNeverAnswersIsGivenTheBudgetOnceAndNoMore() throws InterruptedException {
    Reachability.Outcome outcome = Reachability.PREFLIGHT.probe(failing(Duration.ofDays(1)), clock);

    assertThat(outcome.attempts()).isEqualTo(1);
    assertThat(timeouts).containsExactly(BUDGET);
    assertThat(clock.elapsed()).isEqualTo(BUDGET);
  }

  @Test
  void aTlsFailureEndsItAtOnce() throws InterruptedException {
    ApiException tls =
        ApiException.tls(
            "GET", "/v1/status/leader", TlsFailure.UNKNOWN_CA, new IOException("PKIX"));

    Reachability.Outcome outcome =
        Reachability.PREFLIGHT.probe(
            timeout -> {
              timeouts.add(timeout);
              if (timeouts.size() > 100) {
                throw new AssertionError("a TLS failure was retried without end");
              }
              throw tls;
            },
            clock);

    assertThat(outcome.failure()).isSameAs(tls);
    assertThat(outcome.attempts()).isEqualTo(1);
    assertThat(clock.pauses).isEmpty();
  }

  @Test
  void anApiThatAnswersAfterALeaderElectionIsReached() throws InterruptedException {
    Reachability.Outcome outcome =
        Reachability.PREFLIGHT.probe(
            timeout -> {
              timeouts.add(timeout);
              if (timeouts.size() < 3) {
                throw refused();
              }
            },
            clock);

    assertThat(outcome.reached()).isTrue();
    assertThat(outcome.attempts()).isEqualTo(3);
    assertThat(clock.pauses).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1));
  }

  /** Every attempt takes {@code takes} (at most its timeout), then fails as a refused connect. */
  private Reachability.Probe failing(Duration takes) {
    return timeout -> {
      timeouts.add(timeout);
      if (timeouts.size() > 100) {
        throw new AssertionError("no end to the attempts");
      }
      clock.advance(takes.compareTo(timeout) < 0 ? takes : timeout);
      throw refused();
    };
  }

  private static ApiException refused() {
    return ApiException.unreachable(
        "GET",
        "/v1/status/leader",
        new ConnectException("Failed to connect to /127.0.0.1:1: Connection refused"));
  }

  private static final class TestClock implements Clock {
    private final Instant start = Instant.parse("2026-12-02T10:00:00Z");
    private Instant now = start;
    final List<Duration> pauses = new ArrayList<>();

    @Override
    public Instant now() {
      return now;
    }

    @Override
    public void sleep(Duration duration) {
      pauses.add(duration);
      advance(duration);
    }

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    Duration elapsed() {
      return Duration.between(start, now);
    }
  }
}
