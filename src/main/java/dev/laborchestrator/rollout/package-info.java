/**
 * The per-host state machine and the driver loop that runs a {@link dev.laborchestrator.plan.Plan}.
 * Talks to the world only through the ports; waits use blocking queries and the injected clock.
 */
package dev.laborchestrator.rollout;
