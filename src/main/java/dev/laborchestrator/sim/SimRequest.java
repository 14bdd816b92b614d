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

  /**
   * Whether the request may change something: anything but {@code GET}, except {@code POST
   * /v1/internal/acl/authorize}, which only asks what the token may do.
   */
  public boolean mutating() {
    return !"GET".equals(method) && !ConsulApi.ACL_AUTHORIZE.equals(path);
  }
}
