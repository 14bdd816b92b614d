/**
 * Ports: the small interfaces through which the rollout engine sees and changes the world (Nomad
 * nodes, Consul health, the host executor, time), and the records that cross them. Adapters
 * implement these; the engine depends on nothing else.
 */
package dev.laborchestrator.port;
