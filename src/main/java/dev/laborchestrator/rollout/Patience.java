package dev.laborchestrator.rollout;

import dev.laborchestrator.port.ApiException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Keeps calling while Nomad or Consul fail transiently, for up to {@code limit}: for the calls a
 * run cannot go on without (a checkpoint write, a read before anything starts), on top of the
 * adapter's own short retries. Only safe for reads and for writes that are idempotent or
 * check-and-set.
 */
public record Patience(Duration limit, Duration pause) {
  public static final Patience DEFAULT =
      new Patience(Duration.ofSeconds(60), Duration.ofSeconds(1));

  public <T> T call(Supplier<T> call) {
    long until = System.nanoTime() + limit.toNanos();
    while (true) {
      try {
        return call.get();
      } catch (ApiException e) {
        if (!e.transientFailure() || System.nanoTime() > until) {
          throw e;
        }
        try {
          Thread.sleep(pause.toMillis());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }
}
