package dev.laborchestrator.port;

/**
 * A Nomad or Consul request that failed: an HTTP error status, an answer of an unexpected shape, or
 * no answer at all ({@code status} 0). Messages name the method and path, never a token.
 */
public class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final boolean unexpectedShape;

  public ApiException(int status, String message, boolean unexpectedShape, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.unexpectedShape = unexpectedShape;
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

  public int status() {
    return status;
  }

  public boolean forbidden() {
    return status == 401 || status == 403;
  }

  public boolean unexpectedShape() {
    return unexpectedShape;
  }

  /** Server errors and transport failures may pass; everything else will not by retrying. */
  public boolean transientFailure() {
    return !unexpectedShape && (status == 0 || status == 429 || status >= 500);
  }
}
