package dev.laborchestrator.rollout;

import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NomadNode;
import dev.laborchestrator.watch.ClusterWatch;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The one place a host waits: for the shared view of the cluster to show something, or for a call
 * to get through transient failures, each until a deadline. Waiting costs no request: the view
 * wakes its waiters when the cluster changes.
 */
final class Waiting {
  private final ClusterWatch watch;
  private final Clock clock;
  private final Duration pause;
  private final String nodeId;

  /**
   * @param pause how long to pause between two tries of a call that failed transiently
   * @param nodeId the node of the host that waits: {@link #awaitChange} wakes only for changes of
   *     it or its checks
   */
  Waiting(ClusterWatch watch, Clock clock, Duration pause, String nodeId) {
    this.watch = watch;
    this.clock = clock;
    this.pause = pause;
    this.nodeId = nodeId;
  }

  /**
   * Waits until {@code condition} finds what it looks for in the view, and returns it; a {@link
   * HostFailure} with {@code timedOut}'s message once {@code deadline} has passed.
   */
  <T> T until(
      Instant deadline, Function<ClusterWatch, Optional<T>> condition, Supplier<String> timedOut)
      throws HostFailure, InterruptedException {
    return until(deadline, condition, timedOut, null);
  }

  /** {@link #until}; with a {@code nodeId}, {@code condition} reads only that node and checks. */
  private <T> T until(
      Instant deadline,
      Function<ClusterWatch, Optional<T>> condition,
      Supplier<String> timedOut,
      String nodeId)
      throws HostFailure, InterruptedException {
    while (true) {
      long seen = watch.version();
      Optional<T> found = unlessTransient(() -> condition.apply(watch));
      if (found.isPresent()) {
        return found.get();
      }
      pastDeadline(deadline, timedOut.get());
      if (nodeId == null) {
        watch.awaitChange(seen, deadline);
      } else {
        watch.awaitChange(seen, deadline, nodeId);
      }
    }
  }

  /** Waits until the node, as the view shows it, passes {@code test}. */
  NomadNode untilNode(
      String nodeId,
      Instant deadline,
      java.util.function.Predicate<NomadNode> test,
      Function<NomadNode, String> timedOut)
      throws HostFailure, InterruptedException {
    return until(
        deadline,
        w -> Optional.of(w.node(nodeId).value()).filter(test),
        () -> timedOut.apply(watch.node(nodeId).value()),
        nodeId);
  }

  /**
   * A call that rides out transient API failures (pausing between tries) until {@code deadline}:
   * reads, and writes that are idempotent (eligibility, maintenance) or checked before each try.
   */
  <T> T retrying(Instant deadline, Supplier<T> call) throws HostFailure, InterruptedException {
    while (true) {
      try {
        return call.get();
      } catch (ApiException e) {
        if (!e.transientFailure()) {
          throw e;
        }
        pastDeadline(deadline, "no answer before the step's deadline: " + e.getMessage());
        clock.sleep(min(pause, remaining(deadline)));
      }
    }
  }

  /** One read of something the shared view does not hold: a value once the wait is over. */
  @FunctionalInterface
  interface Poll<T> {
    Optional<T> read() throws HostFailure;
  }

  /** The longest pause between two reads of {@link #polling}. */
  static final Duration LONGEST_POLL = Duration.ofSeconds(2);

  /**
   * Reads {@code poll} until it gives a value, and returns it, for what lives outside the shared
   * view (other nodes' allocations, a service's instances): the pause between two reads grows from
   * {@code first} to {@link #LONGEST_POLL}. A transient API failure counts as no value yet. A
   * {@link HostFailure} with {@code timedOut}'s message once {@code deadline} has passed.
   */
  <T> T polling(Instant deadline, Duration first, Poll<T> poll, Supplier<String> timedOut)
      throws HostFailure, InterruptedException {
    Duration wait = first;
    while (true) {
      Optional<T> found = unlessTransient(poll);
      if (found.isPresent()) {
        return found.get();
      }
      pastDeadline(deadline, timedOut.get());
      clock.sleep(min(wait, remaining(deadline)));
      wait = min(wait.multipliedBy(2), LONGEST_POLL);
    }
  }

  /** One read, where a transient API failure counts as no value yet. */
  private static <T> Optional<T> unlessTransient(Poll<T> poll) throws HostFailure {
    try {
      return poll.read();
    } catch (ApiException e) {
      if (!e.transientFailure()) {
        throw e;
      }
      return Optional.empty();
    }
  }

  /**
   * Waits for the next change after {@code seen} of this host's node or its checks, or until {@code
   * until}.
   */
  void awaitChange(long seen, Instant until) throws InterruptedException {
    watch.awaitChange(seen, until, nodeId);
  }

  /** Sleeps on the clock until {@code until} (the reboot delay). */
  void sleepUntil(Instant until) throws InterruptedException {
    clock.sleep(remaining(until));
  }

  Indexed<NomadNode> node(String nodeId) {
    return watch.node(nodeId);
  }

  void pastDeadline(Instant deadline, String message) throws HostFailure {
    if (!clock.now().isBefore(deadline)) {
      throw new HostFailure(message);
    }
  }

  Duration remaining(Instant deadline) {
    Duration left = Duration.between(clock.now(), deadline);
    return left.isNegative() ? Duration.ZERO : left;
  }

  static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
