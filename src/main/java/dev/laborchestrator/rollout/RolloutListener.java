package dev.laborchestrator.rollout;

import java.time.Duration;
import java.util.List;

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

  /** Something happened to {@code host} that is not a state transition (a handoff, say). */
  default void note(String host, String message) {}

  /** One listener that tells each of {@code listeners}, in order. */
  static RolloutListener all(List<RolloutListener> listeners) {
    List<RolloutListener> copy = List.copyOf(listeners);
    return new RolloutListener() {
      @Override
      public void transition(
          String host,
          HostState from,
          HostState to,
          Duration inPrevious,
          Duration sinceStart,
          String detail) {
        copy.forEach(l -> l.transition(host, from, to, inPrevious, sinceStart, detail));
      }

      @Override
      public void note(String host, String message) {
        copy.forEach(l -> l.note(host, message));
      }
    };
  }
}
