package dev.laborchestrator.cli;

import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.port.ApiException;
import java.util.concurrent.Callable;

/** Turns what went wrong into a message on stderr and the promised exit code. */
final class Failures {
  private Failures() {}

  static int guard(Main.Context context, Callable<Integer> body) {
    try {
      return body.call();
    } catch (InvalidInputException e) {
      context.err().println("error: " + e.getMessage());
      context.err().println("Nothing in the cluster was changed.");
      return ExitCodes.INVALID_INPUT;
    } catch (ApiUnreachable e) {
      context.err().println("error: " + e.getMessage());
      return ExitCodes.FAILED;
    } catch (ApiException e) {
      context.err().println("error: " + e.getMessage());
      return e.forbidden() || e.unexpectedShape() ? ExitCodes.INVALID_INPUT : ExitCodes.FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      context.err().println("interrupted");
      return ExitCodes.FAILED;
    } catch (Exception e) {
      context.err().println("error: " + e);
      return ExitCodes.FAILED;
    }
  }
}
