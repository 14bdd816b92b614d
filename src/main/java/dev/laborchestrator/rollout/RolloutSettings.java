package dev.laborchestrator.rollout;

import dev.laborchestrator.config.OrchestratorConfig;
import java.time.Duration;

/**
 * What the engine needs to know of the configuration.
 *
 * @param maxWait the longest a single blocking query may wait
 * @param minPoll the least time between two reads of the same resource, in case a server answers a
 *     blocking query at once without a change
 * @param maintenance put each host's Consul agent into maintenance mode during its rollout
 * @param rollback boot a host that returns unhealthy into its previous generation
 * @param triggerTimeout how long the executor's trigger may run ({@code rebuild.timeout}): after a
 *     crash during a trigger, how long a restart may take to show before the trigger is repeated
 * @param rebootWhenNeeded {@code reboot: when-needed}: a host whose build needs no reboot is
 *     switched
 * @param drainOnSwitch drain a host that is only switched
 * @param prebuildAhead hosts that build ahead of their turn; null: {@code maxParallel + 2}; 0: a
 *     host builds while drained
 * @param allowLastInstance Consul services whose last passing instance may go down
 */
public record RolloutSettings(
    Duration drainDeadline,
    boolean ignoreSystemJobs,
    Duration drainTimeout,
    Duration rebootTimeout,
    Duration healthTimeout,
    Duration stableFor,
    String expectRevision,
    Duration maxWait,
    Duration minPoll,
    boolean maintenance,
    boolean rollback,
    Duration triggerTimeout,
    boolean rebootWhenNeeded,
    boolean drainOnSwitch,
    Integer prebuildAhead,
    java.util.Set<String> allowLastInstance) {

  public RolloutSettings {
    allowLastInstance = allowLastInstance == null ? java.util.Set.of() : allowLastInstance;
  }

  /** Settings that reboot every host and build while it is drained (as before issue 9). */
  public RolloutSettings(
      Duration drainDeadline,
      boolean ignoreSystemJobs,
      Duration drainTimeout,
      Duration rebootTimeout,
      Duration healthTimeout,
      Duration stableFor,
      String expectRevision,
      Duration maxWait,
      Duration minPoll,
      boolean maintenance,
      boolean rollback,
      Duration triggerTimeout) {
    this(
        drainDeadline,
        ignoreSystemJobs,
        drainTimeout,
        rebootTimeout,
        healthTimeout,
        stableFor,
        expectRevision,
        maxWait,
        minPoll,
        maintenance,
        rollback,
        triggerTimeout,
        false,
        true,
        null,
        java.util.Set.of());
  }

  /** How many hosts build ahead of their turn for a plan of {@code maxParallel}. */
  public int prebuildAhead(int maxParallel) {
    return prebuildAhead == null ? maxParallel + 2 : prebuildAhead;
  }

  public static RolloutSettings from(OrchestratorConfig config) {
    return new RolloutSettings(
        config.drain().deadline(),
        config.drain().ignoreSystemJobs(),
        config.timeouts().drain(),
        config.timeouts().reboot(),
        config.timeouts().health(),
        config.health().stableFor(),
        config.rebuild().expectRevision(),
        Duration.ofMinutes(1),
        Duration.ofMillis(250),
        config.consulMaintenance(),
        config.onUnhealthy() == OrchestratorConfig.OnUnhealthy.ROLLBACK,
        config.rebuild().timeout(),
        config.update().reboot() == OrchestratorConfig.RebootPolicy.WHEN_NEEDED,
        config.update().drainOnSwitch(),
        config.update().prebuildAhead(),
        config.update().allowLastInstance());
  }
}
