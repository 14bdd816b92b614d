package dev.laborchestrator.rollout;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Told of every state transition, once; implementations must be thread-safe. The rollout-level
 * events ({@link #started}, {@link #paused}, {@link #finished}) default to nothing, so a listener
 * that only prints transitions implements one method. A listener must not throw and must not block:
 * it runs on the rollout's own threads.
 */
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

  /** Something happened to {@code host} that is not a state transition (a handoff, say). */
  default void note(String host, String message) {}

  /**
   * A rollout starts or resumes.
   *
   * @param hosts every planned host and the state it starts in (PENDING, or its checkpoint's)
   */
  default void started(String rolloutId, Map<String, HostState> hosts, boolean resumed) {}

  /** The run ends, with its result (also when it stopped before the rollout finished). */
  default void finished(RolloutResult result) {}

  /**
   * No new host starts, for {@code reason} (outside the maintenance window, paused by an operator,
   * an alert firing); hosts in flight finish. Said once per reason, not on every re-check. This is
   * where a {@code paused} notification belongs.
   *
   * @param endsRun the run ends once the hosts in flight are done (the next run resumes); otherwise
   *     it waits for the hold to lift
   * @param hostsLeft hosts of the plan not yet in a final state
   */
  default void held(String reason, boolean endsRun, int hostsLeft) {}

  /** A hold reported by {@link #held} has lifted: hosts start again. */
  default void holdLifted() {}

  /** One listener that tells each of {@code listeners}, in order. */
  static RolloutListener all(List<RolloutListener> listeners) {
    List<RolloutListener> each = List.copyOf(listeners);
    return new RolloutListener() {
      @Override
      public void transition(
          String host,
          HostState from,
          HostState to,
          Duration inPrevious,
          Duration sinceStart,
          String detail) {
        each.forEach(l -> l.transition(host, from, to, inPrevious, sinceStart, detail));
      }

      @Override
      public void started(String rolloutId, Map<String, HostState> hosts, boolean resumed) {
        each.forEach(l -> l.started(rolloutId, hosts, resumed));
      }

      @Override
      public void finished(RolloutResult result) {
        each.forEach(l -> l.finished(result));
      }

      @Override
      public void held(String reason, boolean endsRun, int hostsLeft) {
        each.forEach(l -> l.held(reason, endsRun, hostsLeft));
      }

      @Override
      public void holdLifted() {
        each.forEach(RolloutListener::holdLifted);
      }

      @Override
      public void note(String host, String message) {
        each.forEach(l -> l.note(host, message));
      }
    };
  }
}
