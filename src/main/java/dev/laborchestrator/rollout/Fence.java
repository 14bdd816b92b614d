package dev.laborchestrator.rollout;

import dev.laborchestrator.port.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether this run can still prove it holds the rollout lock, so that no mutating step starts on a
 * lease that may have passed to another run (design §3: "a lease you cannot prove is a lease you do
 * not hold").
 *
 * <p>A lease is valid for its TTL from the moment the request that acquired or last renewed it was
 * <em>sent</em>: Nomad starts its TTL timer when the request arrives, which is never earlier, so
 * this side's view ends first. Time is measured on the injected clock's monotonic scale ({@link
 * Clock#nanoTime()}). While the lease is not valid, {@link #await()} blocks until a renewal
 * succeeds ({@link #renewed}) or the lease is given up as lost ({@link #lose}); it does not poll.
 *
 * <p>A lease that could not be renewed for twice its TTL is lost: Nomad's TTL timer for a variable
 * lock runs for twice the TTL after the last renewal and then releases the lock (nomad/locks.go
 * {@code CreateVariableLockTTLTimer}), so no later renewal can succeed and waiting longer would
 * only hang the run.
 */
public final class Fence {
  private final Clock clock;
  private final long ttlNanos;
  private long validUntil;
  private long lastSent;
  private String lost;

  /** A fence whose lease was taken by a request sent at {@code acquireSentAt} ({@link #now()}). */
  public Fence(Clock clock, Duration ttl, long acquireSentAt) {
    this.clock = Objects.requireNonNull(clock, "clock");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("the lease TTL must be positive: " + ttl);
    }
    this.ttlNanos = ttl.toNanos();
    this.lastSent = acquireSentAt;
    this.validUntil = acquireSentAt + ttlNanos;
  }

  /** The monotonic time to note just before an acquire or renew request is sent. */
  public long now() {
    return clock.nanoTime();
  }

  /** A renewal sent at {@code sentAt} succeeded: the lease is valid for a TTL from then. */
  public synchronized void renewed(long sentAt) {
    if (lost != null) {
      return;
    }
    if (sentAt - lastSent > 0) {
      lastSent = sentAt;
      validUntil = sentAt + ttlNanos;
    }
    notifyAll();
  }

  /**
   * A renewal failed without an answer that says whether the lease still exists. After twice the
   * TTL since the last successful renewal was sent, the lease is lost.
   *
   * @return true when this made the lease lost
   */
  public synchronized boolean renewalFailed(String why) {
    if (lost == null && now() - lastSent >= 2 * ttlNanos) {
      return lose(
          "the lock could not be renewed for twice its TTL ("
              + Duration.ofNanos(2 * ttlNanos).toSeconds()
              + "s), after which Nomad releases it; last error: "
              + why);
    }
    return false;
  }

  /**
   * The lease is gone (Nomad said so, or it could not be renewed in time): every waiting and later
   * mutating step is stopped.
   *
   * @return true when this call made it lost (false when it already was)
   */
  public synchronized boolean lose(String why) {
    if (lost != null) {
      return false;
    }
    lost = Objects.requireNonNull(why, "why");
    notifyAll();
    return true;
  }

  /** Why the lease was lost, if it was. */
  public synchronized Optional<String> lost() {
    return Optional.ofNullable(lost);
  }

  /** Whether the lease is held and its TTL has not passed since the last successful renewal. */
  public synchronized boolean valid() {
    return lost == null && validUntil - now() > 0;
  }

  /** How long the lease stays valid without another renewal; zero when it is not valid. */
  public synchronized Duration remaining() {
    long left = validUntil - now();
    return lost != null || left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
  }

  /**
   * Returns once the lease is valid, at once when it is. Blocks while it is not until a renewal
   * succeeds or the lease is lost.
   *
   * @throws Stopped when the lease is lost, or the thread is interrupted while waiting (its
   *     interrupt flag is then set again)
   */
  public synchronized void await() {
    while (true) {
      if (lost != null) {
        throw new Stopped(lost);
      }
      if (validUntil - now() > 0) {
        return;
      }
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Stopped("interrupted while waiting for the rollout lock to be renewed");
      }
    }
  }

  /**
   * A mutating step was not started because the lease is lost (or the wait for it was interrupted):
   * the host stops where it is, like on a signal, and its checkpoint is kept.
   */
  public static final class Stopped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Stopped(String message) {
      super(message);
    }
  }
}
