package dev.laborchestrator.http;

/**
 * Thrown by a {@link ResponseReader} when an answer is not of the documented shape; {@link HttpApi}
 * turns it into {@link dev.laborchestrator.port.ApiException#shape} with the method and path.
 */
public final class UnexpectedShape extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UnexpectedShape(String problem) {
    super(problem);
  }
}
