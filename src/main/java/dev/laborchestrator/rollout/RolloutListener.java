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

  /** One listener that tells each of {@code listeners}, in order. */
  static RolloutListener all(List<RolloutListener> listeners) {
    List<RolloutListener> copy = List.copyOf(listeners);
    return (host, from, to, inPrevious, sinceStart, detail) ->
        copy.forEach(l -> l.transition(host, from, to, inPrevious, sinceStart, detail));
  }
}
