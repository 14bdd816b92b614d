package dev.laborchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.port.ApiException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PatienceTest {
  private final Patience patience = new Patience(Duration.ofSeconds(30), Duration.ZERO);

  @Test
  void callsAgainWhileTheFailureIsTransient() {
    AtomicInteger calls = new AtomicInteger();
    String answer =
        patience.call(
            () -> {
              if (calls.incrementAndGet() < 4) {
                throw ApiException.status(503, "GET", "/v1/nodes", "Service Unavailable");
              }
              return "ok";
            });
    assertThat(answer).isEqualTo("ok");
    assertThat(calls).hasValue(4);
  }

  @Test
  void givesUpAtOnceOnAFailureThatRetryingCannotFix() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(
            () ->
                patience.call(
                    () -> {
                      calls.incrementAndGet();
                      throw ApiException.status(403, "GET", "/v1/nodes", "Permission denied");
                    }))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("403");
    assertThat(calls).hasValue(1);
  }

  @Test
  void givesUpAfterItsLimit() {
    Patience brief = new Patience(Duration.ZERO, Duration.ZERO);
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(
            () ->
                brief.call(
                    () -> {
                      calls.incrementAndGet();
                      throw ApiException.status(500, "GET", "/v1/nodes", "No cluster leader");
                    }))
        .hasMessageContaining("No cluster leader");
    assertThat(calls.get()).isBetween(1, 2);
  }
}
