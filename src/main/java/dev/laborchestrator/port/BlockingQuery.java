package dev.laborchestrator.port;

import java.time.Duration;

/**
 * Parameters of a Nomad or Consul blocking query: return when the resource's index exceeds {@code
 * index}, or after {@code maxWait}. A return does not guarantee a change. {@link #NONE} reads at
 * once.
 */
public record BlockingQuery(long index, Duration maxWait) {
  public static final BlockingQuery NONE = new BlockingQuery(0, Duration.ZERO);

  public static BlockingQuery after(long index, Duration maxWait) {
    return new BlockingQuery(index, maxWait);
  }

  public boolean blocks() {
    return index > 0 && maxWait.compareTo(Duration.ZERO) > 0;
  }
}
