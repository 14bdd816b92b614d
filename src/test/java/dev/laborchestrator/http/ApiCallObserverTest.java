package dev.laborchestrator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The metrics' view of the HTTP layer: every attempt by API and outcome, and every retry. */
class ApiCallObserverTest {
  private final MockWebServer server = new MockWebServer();
  private final List<String> seen = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    HttpApi.observe(null);
    server.shutdown();
  }

  @Test
  void reportsEachAttemptAndEachRetryByApi() {
    HttpApi.observe(
        new ApiCallObserver() {
          @Override
          public void attempt(String api, String outcome) {
            seen.add(api + " " + outcome);
          }

          @Override
          public void retry(String api) {
            seen.add(api + " retry");
          }
        });
    server.enqueue(new MockResponse().setResponseCode(503));
    server.enqueue(new MockResponse().setBody("{}").setHeader("X-Consul-Index", "3"));
    RetryPolicy retry =
        new RetryPolicy(3, IntervalFunction.of(Duration.ofMillis(1)), duration -> {});
    HttpApi api =
        HttpApi.builder(server.url("/").toString())
            .indexHeader("X-Consul-Index")
            .options(HttpOptions.defaults().withRetry(retry))
            .build();

    api.get(List.of("v1", "status"), body -> body);

    assertThat(seen).containsExactly("consul 5xx", "consul retry", "consul 2xx");
  }
}
