package dev.laborchestrator.sim;

/** An error answer with Nomad's or Consul's status code and plain-text message. */
final class ApiError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  final int status;

  ApiError(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }
}
