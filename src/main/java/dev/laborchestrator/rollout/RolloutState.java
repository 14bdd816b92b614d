package dev.laborchestrator.rollout;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The checkpoint of a whole rollout, written after every state transition (before the new state
 * acts) and read by the next run to resume exactly where this one stopped.
 *
 * @param handoff set when a run handed its own node over to a successor run; null otherwise
 */
public record RolloutState(
    String rolloutId,
    Status status,
    String targetRevision,
    Instant startedAt,
    Instant updatedAt,
    List<HostCheckpoint> hosts,
    Handoff handoff) {

  /**
   * A run left its own node's host to a successor: it marked the node ineligible (so that Nomad
   * places the successor elsewhere) without draining it. The host's checkpoint keeps the
   * eligibility it had before the rollout, which the successor restores.
   *
   * @param successors the nodes that could run the successor when it was started
   */
  public record Handoff(String hostname, String nodeId, Instant at, List<String> successors) {
    public Handoff {
      successors = List.copyOf(successors);
    }
  }

  public RolloutState(
      String rolloutId,
      Status status,
      String targetRevision,
      Instant startedAt,
      Instant updatedAt,
      List<HostCheckpoint> hosts) {
    this(rolloutId, status, targetRevision, startedAt, updatedAt, hosts, null);
  }

  public enum Status {
    /** Under way, or stopped by a crash or a signal: the next run resumes it. */
    RUNNING,
    /** Every host done or skipped. */
    DONE,
    /** A host failed; the next run needs {@code --retry-failed} or {@code reset}. */
    FAILED
  }

  public RolloutState {
    hosts = List.copyOf(hosts);
  }

  /**
   * How long each host this rollout finished was out of service (from its drain to its eligibility,
   * as its checkpoint's time in each state records it): the next rollout starts the longest first
   * within a wave.
   */
  public java.util.Map<String, java.time.Duration> timesOutOfService() {
    java.util.Map<String, java.time.Duration> times = new java.util.HashMap<>();
    for (HostCheckpoint host : hosts) {
      if (host.state() != HostState.DONE) {
        continue;
      }
      java.time.Duration out = java.time.Duration.ZERO;
      for (java.util.Map.Entry<HostState, java.time.Duration> e : host.timeIn().entrySet()) {
        if (e.getKey().outOfService()) {
          out = out.plus(e.getValue());
        }
      }
      if (!out.isZero()) {
        times.put(host.hostname(), out);
      }
    }
    return times;
  }

  public Optional<HostCheckpoint> host(String hostname) {
    return hosts.stream().filter(h -> h.hostname().equals(hostname)).findFirst();
  }

  RolloutState with(HostCheckpoint host, Instant now) {
    List<HostCheckpoint> updated = new ArrayList<>(hosts);
    updated.replaceAll(h -> h.hostname().equals(host.hostname()) ? host : h);
    return new RolloutState(rolloutId, status, targetRevision, startedAt, now, updated, handoff);
  }

  RolloutState with(Status newStatus, Instant now) {
    return new RolloutState(rolloutId, newStatus, targetRevision, startedAt, now, hosts, handoff);
  }

  RolloutState with(Handoff newHandoff, Instant now) {
    return new RolloutState(rolloutId, status, targetRevision, startedAt, now, hosts, newHandoff);
  }

  public List<HostCheckpoint> failed() {
    return hosts.stream().filter(h -> h.state() == HostState.FAILED).toList();
  }
}
