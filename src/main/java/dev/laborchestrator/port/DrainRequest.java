package dev.laborchestrator.port;

import java.time.Duration;
import java.util.Map;

/**
 * What the controller asks of a drain: a deadline (zero: none; negative: force), whether system
 * jobs stay, and metadata that Nomad keeps in {@code LastDrain.Meta} and shows in its UI.
 */
public record DrainRequest(Duration deadline, boolean ignoreSystemJobs, Map<String, String> meta) {
  public DrainRequest {
    meta = Map.copyOf(meta);
  }
}
