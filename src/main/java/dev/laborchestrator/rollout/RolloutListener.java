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

  /**
   * The rollout starts no new host for now (outside its window, or paused by an operator); hosts in
   * flight finish.
   *
   * @param reason for the operator, e.g. "outside the maintenance window"
   * @param hostsLeft hosts not yet done
   */
  default void paused(String reason, int hostsLeft) {}

  /** The run ends, with its result (also when it stopped before the rollout finished). */
  default void finished(RolloutResult result) {}

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
      public void paused(String reason, int hostsLeft) {
        each.forEach(l -> l.paused(reason, hostsLeft));
      }

      @Override
      public void finished(RolloutResult result) {
        each.forEach(l -> l.finished(result));
      }

      @Override
      public void note(String host, String message) {
        each.forEach(l -> l.note(host, message));
      }
    };
  }
}
