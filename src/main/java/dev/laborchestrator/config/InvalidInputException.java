package dev.laborchestrator.config;

/** Bad input from the operator (config, inventory, command line): exit code 2, nothing changed. */
public class InvalidInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
