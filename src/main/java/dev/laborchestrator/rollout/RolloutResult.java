package dev.laborchestrator.rollout;

import java.util.List;

/** The outcome of a rollout: every host's report, in plan order. */
public record RolloutResult(String rolloutId, List<HostReport> hosts) {
  public RolloutResult {
    hosts = List.copyOf(hosts);
  }

  public boolean succeeded() {
    return hosts.stream()
        .allMatch(h -> h.state() == HostState.DONE || h.state() == HostState.SKIPPED);
  }

  public List<HostReport> failed() {
    return hosts.stream().filter(h -> h.state() == HostState.FAILED).toList();
  }
}
