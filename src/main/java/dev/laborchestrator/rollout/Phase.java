package dev.laborchestrator.rollout;

/**
 * One phase of a host's rollout: the steps of one or more states of design §3. A step observes the
 * node through the shared view, acts at most once, and names the next state.
 */
interface Phase {
  /** Where a step leads: the next state and what happened, for the progress line. */
  record Step(HostState next, String detail) {}

  Step step(HostRun run) throws HostFailure, InterruptedException;
}
