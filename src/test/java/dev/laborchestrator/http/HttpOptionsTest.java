package dev.laborchestrator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.port.BlockingQuery;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HttpOptionsTest {
  private final HttpOptions options = HttpOptions.defaults();

  @Test
  void defaultsConnectWithinFiveSecondsAndReadWithinThirty() {
    assertThat(options.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(options.readTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.retry().maxAttempts()).isEqualTo(5);
  }

  @Test
  void aNonBlockingCallGetsTheReadTimeout() {
    assertThat(options.readTimeoutFor(BlockingQuery.NONE)).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.callTimeoutFor(BlockingQuery.NONE)).isEqualTo(Duration.ofSeconds(35));
    assertThat(options.readTimeoutFor(BlockingQuery.after(0, Duration.ofMinutes(5))))
        .isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void aBlockingCallGetsItsWaitPlusTheServersJitterPlusTheReadTimeout() {
    BlockingQuery query = BlockingQuery.after(42, Duration.ofMinutes(5));

    assertThat(options.readTimeoutFor(query))
        .isEqualTo(Duration.ofMinutes(5).plusMillis(18_750).plusSeconds(30));
    assertThat(options.callTimeoutFor(query))
        .isEqualTo(Duration.ofMinutes(5).plusMillis(18_750).plusSeconds(35));
  }

  @Test
  void aSubMillisecondWaitIsSentAsOneMillisecondNotAsTheServersDefault() {
    assertThat(HttpOptions.waitOf(BlockingQuery.after(1, Duration.ofNanos(10))))
        .isEqualTo(Duration.ofMillis(1));
  }

  @Test
  void rejectsTimeoutsThatAreNotPositive() {
    assertThatThrownBy(() -> options.withTimeouts(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("connectTimeout");
    assertThatThrownBy(() -> options.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("readTimeout");
  }
}
