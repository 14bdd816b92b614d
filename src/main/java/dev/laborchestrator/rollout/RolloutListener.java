package dev.laborchestrator.rollout;

import java.time.Duration;

/** Told of every state transition, once; implementations must be thread-safe. */
public interface RolloutListener {
  /**
   * @param inPrevious how long the host spent in {@code from}
   * @param sinceStart how long since the host left PENDING
   * @param detail what happened, for the operator; may be empty
   */
  void transition(
      String host,
      HostState from,
      HostState to,
      Duration inPrevious,
      Duration sinceStart,
      String detail);

  /**
   * No new host starts, for {@code reason} (outside the maintenance window, paused by an operator,
   * an alert firing); hosts in flight finish. Said once per reason, not on every re-check. This is
   * where a {@code paused} notification belongs.
   *
   * @param endsRun the run ends once the hosts in flight are done (the next run resumes); otherwise
   *     it waits for the hold to lift
   */
  default void held(String reason, boolean endsRun) {}

  /** A hold reported by {@link #held} has lifted: hosts start again. */
  default void holdLifted() {}
}
