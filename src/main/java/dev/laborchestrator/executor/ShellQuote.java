package dev.laborchestrator.executor;

/**
 * Quotes a word for a POSIX shell on the remote side of ssh, which runs the command it is given
 * through the remote user's shell. Single quotes keep everything literal except a single quote
 * itself, which is written as {@code '\''} (close, escaped quote, reopen).
 */
final class ShellQuote {
  private ShellQuote() {}

  /** {@code value} as one literal word: {@code a'b} becomes {@code 'a'\''b'}. */
  static String quote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }
}
