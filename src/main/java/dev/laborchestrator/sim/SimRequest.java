package dev.laborchestrator.sim;

/**
 * One Nomad or Consul API request the lab answered. Header values are never kept (they carry
 * tokens); a {@code token} query parameter's value is replaced by {@code redacted}.
 *
 * @param status the HTTP status sent, or {@code 0} when the connection was dropped without an
 *     answer (fault injection)
 * @param atMillis wall-clock time the request arrived
 */
public record SimRequest(String method, String path, String query, int status, long atMillis) {

  public boolean mutating() {
    return !"GET".equals(method);
  }
}
