package dev.laborchestrator.rollout;

import dev.laborchestrator.config.HealthCheckSpec;
import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.Orchestration;
import java.time.Duration;
import java.util.List;

/** Hosts and settings the state machine tests share. */
final class Fixtures {
  private Fixtures() {}

  /**
   * The documented defaults (drain deadline 1h, timeouts 2h/20m/15m, stableFor 30s), expecting
   * rev-new, with the given switches.
   */
  static RolloutSettings settings(
      boolean ignoreSystemJobs, String revision, boolean maintenance, boolean rollback) {
    return new RolloutSettings(
        Duration.ofHours(1),
        ignoreSystemJobs,
        Duration.ofHours(2),
        Duration.ofMinutes(20),
        Duration.ofMinutes(15),
        Duration.ofSeconds(30),
        revision,
        Duration.ofMinutes(1),
        Duration.ofMillis(250),
        maintenance,
        rollback,
        Duration.ofMinutes(20));
  }

  static RolloutSettings settings() {
    return settings(true, "rev-new", false, false);
  }

  /** An app host with one http check. */
  static HostSpec host(String name, int order, int delay, String criticality, String... deps) {
    return new HostSpec(
        name,
        "app",
        List.of(),
        order,
        List.of(deps),
        List.of(new HealthCheckSpec("http", "http://localhost/health", null, null)),
        new Orchestration("rolling", delay, criticality),
        List.of());
  }

  static HostSpec host(String name, int order, String... deps) {
    return host(name, order, 0, "medium", deps);
  }
}
