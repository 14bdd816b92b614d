package dev.laborchestrator.http;

/**
 * Told of every HTTP attempt and every retry, by API ({@code nomad}, {@code consul}): the metrics
 * count them. Must be cheap and must not throw; it runs on the caller's thread.
 */
public interface ApiCallObserver {
  /**
   * @param outcome {@code 2xx}, {@code 4xx}, {@code 5xx} (the status class), or {@code error} when
   *     no answer came
   */
  void attempt(String api, String outcome);

  void retry(String api);

  ApiCallObserver NONE =
      new ApiCallObserver() {
        @Override
        public void attempt(String api, String outcome) {}

        @Override
        public void retry(String api) {}
      };
}
