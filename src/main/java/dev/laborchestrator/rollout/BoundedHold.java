package dev.laborchestrator.rollout;

import dev.laborchestrator.config.Durations;
import dev.laborchestrator.port.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A hold that a run waits out for at most {@code maxWait}: while its reason stands the answer is
 * {@link StartHold.Hold#hold}, and once it has stood for {@code maxWait} (by the injected clock) it
 * is {@link StartHold.Hold#stop}, so that a periodic run ends by itself and the next one resumes.
 */
abstract class BoundedHold implements StartHold {
  protected final Clock clock;
  private final Duration maxWait;
  private Instant heldSince;

  BoundedHold(Clock clock, Duration maxWait) {
    this.clock = clock;
    this.maxWait = maxWait;
  }

  /** Why no host may start now, or empty when one may. Never throws for a backend failure. */
  abstract Optional<String> reason() throws InterruptedException;

  @Override
  public final synchronized Hold check() throws InterruptedException {
    Optional<String> reason = reason();
    Instant now = clock.now();
    if (reason.isEmpty()) {
      heldSince = null;
      return Hold.GO;
    }
    if (heldSince == null) {
      heldSince = now;
    }
    if (!positive(remaining())) {
      return Hold.stop("still held after " + Durations.format(maxWait) + ": " + reason.get());
    }
    return Hold.hold(reason.get());
  }

  /** How long this run may still wait for the hold to lift. */
  protected final synchronized Duration remaining() {
    if (heldSince == null) {
      return maxWait;
    }
    return maxWait.minus(Duration.between(heldSince, clock.now()));
  }

  static boolean positive(Duration duration) {
    return !duration.isNegative() && !duration.isZero();
  }
}
