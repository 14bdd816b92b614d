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
    Duration triggerTimeout) {

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
        config.rebuild().timeout());
  }
}
