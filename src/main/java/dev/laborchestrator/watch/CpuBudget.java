package dev.laborchestrator.watch;

import java.time.Duration;

/**
 * How long a watch thread pauses after an answer so that, over time, it takes at most a share of a
 * core, while a change that comes after a quiet spell is read at once.
 *
 * <p>A token bucket of CPU time: it fills at {@code 1 / divisor} of the real time that passes, up
 * to {@code burst}; each answer takes the CPU time it cost. In debt, the thread pauses until the
 * bucket is back at zero. The Consul watch reads every check of the cluster at each change: in a
 * big fleet under change the answers come back to back, and without a limit reading them would take
 * the CPU the hosts need. It used to pause twice each answer's CPU time after every answer, which
 * delayed every change, also the first after a quiet spell, by that much.
 */
final class CpuBudget {
  private final long divisor;
  private final long burstNanos;
  private long credit;
  private long lastNanos;

  /**
   * @param divisor the thread may use {@code 1 / divisor} of a core over time
   * @param burst how much CPU time it may use at once after a quiet spell
   * @param nowNanos the current {@link System#nanoTime}
   */
  CpuBudget(long divisor, Duration burst, long nowNanos) {
    this.divisor = divisor;
    this.burstNanos = burst.toNanos();
    this.credit = burstNanos;
    this.lastNanos = nowNanos;
  }

  /** Takes {@code cpuNanos} of CPU just spent at {@code nowNanos}; returns how long to pause. */
  Duration spend(long cpuNanos, long nowNanos) {
    long earned = Math.max(0, nowNanos - lastNanos) / divisor;
    lastNanos = nowNanos;
    credit = Math.min(burstNanos, credit + earned) - Math.max(0, cpuNanos);
    return credit >= 0 ? Duration.ZERO : Duration.ofNanos(-credit * divisor);
  }
}
