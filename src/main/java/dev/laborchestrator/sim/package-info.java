/**
 * The simulated lab: a stateful Nomad and Consul HTTP API on loopback, close enough to the
 * documented APIs that the real controller can drive it end to end, and able to misbehave on
 * purpose (a host that never returns, a check that stays critical, 5xx answers, dropped
 * connections). It depends on nothing of ours: only the JDK and Jackson.
 *
 * <p>Every behaviour cites the Nomad or Consul document or source file it follows. Start at {@link
 * dev.laborchestrator.sim.SimLab}.
 */
package dev.laborchestrator.sim;
