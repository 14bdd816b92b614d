/**
 * One view of the cluster that every host of a rollout and the gates share: the plan's Nomad nodes
 * and every Consul check, kept current by Nomad's event stream and one Consul blocking query (or,
 * where those are not to be had, by blocking queries), so that waiting for a change costs no
 * request per host.
 */
package dev.laborchestrator.watch;
