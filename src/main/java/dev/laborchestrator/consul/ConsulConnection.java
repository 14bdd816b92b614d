package dev.laborchestrator.consul;

import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.HttpApi;
import dev.laborchestrator.http.HttpOptions;

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

  HttpApi api() {
    return api;
  }

  @Override
  public String toString() {
    return "ConsulConnection[" + api + "]";
  }
}
