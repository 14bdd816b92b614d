package dev.laborchestrator.nomad;

import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.HttpApi;
import dev.laborchestrator.http.HttpOptions;
import java.time.Duration;
import java.util.List;

/**
 * One Nomad HTTP API as the adapters reach it: address ({@code http(s)://} or Nomad's Task API
 * socket {@code unix:///...}), token in {@code X-Nomad-Token}, TLS, region and namespace, and one
 * OkHttp client that the adapters built on it share.
 */
public final class NomadConnection {
  static final String TOKEN_HEADER = "X-Nomad-Token";
  static final String INDEX_HEADER = "X-Nomad-Index";
  static final String DEFAULT_NAMESPACE = "default";

  private final HttpApi api;
  private final String namespace;

  /**
   * @param region sent as {@code ?region=} when not null or blank ({@code NOMAD_REGION})
   * @param namespace sent as {@code ?namespace=} when not null or blank ({@code NOMAD_NAMESPACE});
   *     variables live in it, or in {@code default} when it is not given
   * @throws dev.laborchestrator.config.InvalidInputException when a TLS file cannot be used
   */
  public NomadConnection(
      ApiSettings settings, HttpOptions options, String region, String namespace) {
    this.api =
        HttpApi.builder(settings.address())
            .token(TOKEN_HEADER, settings.token())
            .indexHeader(INDEX_HEADER)
            .queryParameter("region", region)
            .queryParameter("namespace", namespace)
            .tls(settings.tls())
            .options(options)
            .build();
    this.namespace = namespace == null || namespace.isBlank() ? DEFAULT_NAMESPACE : namespace;
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

  String namespace() {
    return namespace;
  }

  @Override
  public String toString() {
    return "NomadConnection[" + api + ", namespace=" + namespace + "]";
  }
}
