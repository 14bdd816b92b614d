package dev.laborchestrator.consul;

import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.HttpApi;
import dev.laborchestrator.http.HttpOptions;
import java.time.Duration;
import java.util.List;

/**
 * One Consul HTTP API as the adapters reach it: address, token in {@code X-Consul-Token} (never
 * {@code ?token=}), TLS, and one OkHttp client that the adapters built on it share.
 */
public final class ConsulConnection {
  static final String TOKEN_HEADER = "X-Consul-Token";
  static final String INDEX_HEADER = "X-Consul-Index";

  private final HttpApi api;

  /**
   * @throws dev.laborchestrator.config.InvalidInputException when a TLS file cannot be used
   */
  public ConsulConnection(ApiSettings settings, HttpOptions options) {
    this.api =
        HttpApi.builder(settings.address())
            .token(TOKEN_HEADER, settings.token())
            .indexHeader(INDEX_HEADER)
            .tls(settings.tls())
            .options(options)
            .build();
  }

  /**
   * One {@code GET /v1/status/leader} (answered without any ACL) that must be over within {@code
   * timeout}: any HTTP answer means the API is there.
   *
   * @throws dev.laborchestrator.port.ApiException when it could not be reached or TLS failed
   */
  public void probe(Duration timeout) {
    api.probe(List.of("v1", "status", "leader"), timeout);
  }

  HttpApi api() {
    return api;
  }

  @Override
  public String toString() {
    return "ConsulConnection[" + api + "]";
  }
}
