package dev.laborchestrator.port;

/**
 * A Nomad or Consul request that failed: an HTTP error status, an answer of an unexpected shape, or
 * no answer at all ({@code status} 0). Messages name the method and path, never a token.
 *
 * <p>A TLS handshake that failed over the certificates (an unknown CA, a wrong name, an expired
 * certificate, a refused client certificate) carries its {@link TlsFailure}: it is a setting to
 * fix, and retrying cannot make it pass.
 */
public class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a TLS handshake failed, as far as the user can act on it. */
  public enum TlsFailure {
    /** The server's certificate chains to no CA this client trusts. */
    UNKNOWN_CA,
    /** The server's certificate does not carry the name this client expects. */
    WRONG_NAME,
    /** The server's certificate has expired or is not valid yet. */
    EXPIRED,
    /** The server refused this client's certificate, or wanted one and got none. */
    CLIENT_CERTIFICATE,
    /** Any other handshake failure, e.g. an {@code https} address of a plain-http server. */
    OTHER
  }

  private final int status;
  private final boolean unexpectedShape;
  private final TlsFailure tlsFailure;

  public ApiException(int status, String message, boolean unexpectedShape, Throwable cause) {
    this(status, message, unexpectedShape, null, cause);
  }

  private ApiException(
      int status, String message, boolean unexpectedShape, TlsFailure tlsFailure, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.unexpectedShape = unexpectedShape;
    this.tlsFailure = tlsFailure;
  }

  public static ApiException status(int status, String method, String path, String body) {
    String detail = body == null || body.isBlank() ? "" : ": " + body.strip();
    return new ApiException(
        status, method + " " + path + " answered HTTP " + status + detail, false, null);
  }

  public static ApiException shape(String method, String path, String problem) {
    return new ApiException(
        0, method + " " + path + " answered with an unexpected shape: " + problem, true, null);
  }

  public static ApiException unreachable(String method, String path, Throwable cause) {
    return new ApiException(
        0, method + " " + path + " failed: " + cause.getMessage(), false, cause);
  }

  /** A TLS handshake that failed over the certificates; never {@link #transientFailure()}. */
  public static ApiException tls(String method, String path, TlsFailure kind, Throwable cause) {
    return new ApiException(
        0, method + " " + path + " failed: TLS: " + cause.getMessage(), false, kind, cause);
  }

  /** The same failure with another message (a token taken out of it). */
  public ApiException withMessage(String message) {
    return new ApiException(status, message, unexpectedShape, tlsFailure, getCause());
  }

  public int status() {
    return status;
  }

  public boolean forbidden() {
    return status == 401 || status == 403;
  }

  public boolean unexpectedShape() {
    return unexpectedShape;
  }

  /** Why the TLS handshake failed, or null when it was not a TLS failure. */
  public TlsFailure tlsFailure() {
    return tlsFailure;
  }

  /**
   * Server errors and transport failures may pass; everything else, TLS failures included, will not
   * by retrying.
   */
  public boolean transientFailure() {
    return !unexpectedShape
        && tlsFailure == null
        && (status == 0 || status == 429 || status >= 500);
  }
}
