package dev.laborchestrator.rollout;

import java.util.Objects;

/**
 * Asked by the engine each time it is about to start a host: may a new host start now? Maintenance
 * windows, an operator's pause and an alert gate answer it. Hosts already in flight are never
 * stopped by a hold; they finish.
 *
 * <p>Implementations must be thread-safe and must not throw for an unreachable backend: they answer
 * {@link Hold#hold} (or {@link Hold#stop}) instead, so that a failure closes the gate and never
 * opens it.
 */
public interface StartHold {
  /** Never holds. */
  StartHold NONE =
      new StartHold() {
        @Override
        public Hold check() {
          return Hold.GO;
        }

        @Override
        public void await() {}
      };

  /** Whether a host may start now; may read the cluster or Prometheus, never for long. */
  Hold check() throws InterruptedException;

  /**
   * Called after {@link #check} answered {@link Hold.Kind#HOLD} and nothing is in flight: returns
   * when the answer may have changed (a blocking query on the pause flag returned, the next time to
   * ask Prometheus came), but after a bounded time in any case. Uses the injected clock.
   */
  void await() throws InterruptedException;

  /**
   * One answer.
   *
   * @param reason for the operator, e.g. "paused by alice: disk swap"; empty for GO
   */
  record Hold(Kind kind, String reason) {
    public static final Hold GO = new Hold(Kind.GO, "");

    public Hold {
      Objects.requireNonNull(kind, "kind");
      reason = reason == null ? "" : reason;
    }

    /** Start no host now; ask again after {@link StartHold#await}. */
    public static Hold hold(String reason) {
      return new Hold(Kind.HOLD, reason);
    }

    /**
     * Start no more hosts in this run: hosts in flight finish, then the run ends with its
     * checkpoint kept (status RUNNING), so that the next run resumes it.
     */
    public static Hold stop(String reason) {
      return new Hold(Kind.STOP, reason);
    }

    public enum Kind {
      GO,
      HOLD,
      STOP
    }
  }
}
