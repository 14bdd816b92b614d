/**
 * The planner: pure functions from an inventory and a snapshot of the cluster to a validated {@link
 * dev.laborchestrator.plan.Plan} of waves, with the reason for each placement.
 */
package dev.laborchestrator.plan;
