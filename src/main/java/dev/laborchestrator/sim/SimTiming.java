package dev.laborchestrator.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the simulated lab takes for each step.
 *
 * @param drainPerAlloc time to migrate one service allocation off a draining node (migrations run
 *     one at a time, as with the default {@code migrate { max_parallel = 1 }}); also the time a
 *     batch allocation on a draining node needs to finish its work
 * @param allocStart time a placed allocation stays {@code pending} before it is {@code running}
 * @param rebootGoesDown time from the reboot trigger until Nomad marks the node {@code down}
 * @param downFor time the node stays {@code down} before its agents register again
 * @param initializingFor time the node stays {@code initializing} before it is {@code ready}
 * @param checksPassAfter time from the Consul agent's return until its checks pass
 * @param systemAllocStopLag time system allocations keep running after the server has cleared the
 *     drain strategy (Nomad stops them only once the rest of the drain is done)
 */
public record SimTiming(
    Duration drainPerAlloc,
    Duration allocStart,
    Duration rebootGoesDown,
    Duration downFor,
    Duration initializingFor,
    Duration checksPassAfter,
    Duration systemAllocStopLag) {

  public SimTiming {
    for (Duration d :
        new Duration[] {
          drainPerAlloc,
          allocStart,
          rebootGoesDown,
          downFor,
          initializingFor,
          checksPassAfter,
          systemAllocStopLag
        }) {
      Objects.requireNonNull(d, "every SimTiming step needs a duration");
      if (d.isNegative()) {
        throw new IllegalArgumentException("SimTiming steps cannot be negative: " + d);
      }
    }
  }

  /** Steps of 100-300 ms: a six-host rollout finishes in seconds. The builder's default. */
  public static SimTiming fast() {
    return new SimTiming(
        Duration.ofMillis(100),
        Duration.ofMillis(100),
        Duration.ofMillis(100),
        Duration.ofMillis(300),
        Duration.ofMillis(200),
        Duration.ofMillis(300),
        Duration.ofMillis(150));
  }

  /** Steps of seconds, for watching a demo rollout by eye. */
  public static SimTiming realistic() {
    return new SimTiming(
        Duration.ofSeconds(2),
        Duration.ofSeconds(1),
        Duration.ofSeconds(2),
        Duration.ofSeconds(10),
        Duration.ofSeconds(3),
        Duration.ofSeconds(5),
        Duration.ofSeconds(2));
  }

  /** Every step takes {@code step}: handy for tests that only care about order. */
  public static SimTiming uniform(Duration step) {
    return new SimTiming(step, step, step, step, step, step, step);
  }
}
