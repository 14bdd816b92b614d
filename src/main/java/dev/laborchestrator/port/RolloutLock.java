package dev.laborchestrator.port;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One rollout at a time: a Nomad Variables lock ({@code nomad/jobs/lab-orchestrator/lock}, Nomad
 * 1.7+) held with a TTL and renewed while the rollout runs. A holder that dies loses the lock when
 * its TTL runs out.
 */
public interface RolloutLock {
  /**
   * Takes the lock, recording who holds it and since when in the variable's items.
   *
   * @throws Held when someone else holds it
   */
  Lease acquire(String holder, Duration ttl);

  /** Extends the lease by its TTL. @throws Lost when the lease is gone (expired and taken). */
  void renew(Lease lease);

  /** Gives the lock up; a lease that is already gone is not an error. */
  void release(Lease lease);

  /** Who holds the lock now, if anyone. */
  Optional<Holder> holder();

  /** Removes the lock whoever holds it: for operators, after making sure the holder is dead. */
  void forceRelease();

  /** A held lock: Nomad's lock ID and what was recorded about the holder. */
  record Lease(String id, String holder, Instant since, Duration ttl) {}

  /** What the lock variable says about its holder. */
  record Holder(String holder, Instant since) {}

  final class Held extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Optional<Holder> holder;

    public Held(String message, Optional<Holder> holder) {
      super(message);
      this.holder = holder;
    }

    public Optional<Holder> holder() {
      return holder;
    }
  }

  final class Lost extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Lost(String message) {
      super(message);
    }
  }
}
