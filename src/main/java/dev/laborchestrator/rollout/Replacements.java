package dev.laborchestrator.rollout;

import dev.laborchestrator.port.Allocation;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.NomadNodes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Whether the work a drain moved off a node runs healthy elsewhere. Nomad calls a drain complete
 * once the node's allocations have stopped (nomad/drainer/draining_node.go {@code IsDone}), and its
 * drainer lets the next allocation go once a replacement reported any health, unhealthy included
 * (nomad/drainer/watch_jobs.go {@code handleTaskGroup}, {@code HasHealth}). So before the next host
 * leaves service, every replacement must be {@code running} with {@code DeploymentStatus.Healthy ==
 * true}.
 *
 * <p>The allocations looked at are the node's {@code service} allocations that the drainer marked
 * to move ({@code DesiredTransition.Migrate}, set by nomad/drainer/drainer.go {@code
 * batchDrainAllocs}, at the deadline too); a replacement is found through {@code NextAllocation}
 * (set on the old allocation when the scheduler places its successor) and read with {@code GET
 * /v1/allocation/:id}. A replacement that was itself moved or rescheduled is followed through its
 * own {@code NextAllocation}, a few steps at most. Reads: the node's allocations, then one per
 * replacement.
 */
public final class Replacements {

  /** How many {@code NextAllocation} links are followed from a drained allocation. */
  static final int MAX_HOPS = 4;

  private Replacements() {}

  /** Where the replacements of the service allocations drained off {@code nodeId} stand. */
  public static Status status(NomadNodes nomad, String nodeId) {
    return status(nomad, nodeId, 0);
  }

  /**
   * As {@link #status(NomadNodes, String)}, counting only the allocations this drain moved: those
   * modified after {@code drainIndex}, the node's raft index read before the drain request. The
   * drainer's mark sets an allocation's {@code ModifyIndex} to the index of its own raft entry
   * (nomad/state/state_store.go {@code UpdateAllocDesiredTransitionTxn}), so an allocation marked
   * by an earlier drain and not yet garbage-collected (eval GC, 1 h by default) stays at or below
   * it. 0 counts every marked allocation.
   */
  public static Status status(NomadNodes nomad, String nodeId, long drainIndex) {
    List<Allocation> drained =
        nomad.nodeAllocations(nodeId, BlockingQuery.NONE).value().stream()
            .filter(Allocation::service)
            .filter(Allocation::migrating)
            .filter(a -> drainIndex == 0 || a.modifyIndex() > drainIndex)
            .toList();
    List<Replacement> result = new ArrayList<>();
    for (Allocation original : drained) {
      result.add(follow(nomad, original));
    }
    return new Status(result);
  }

  private static Replacement follow(NomadNodes nomad, Allocation original) {
    if (original.nextAllocation().isEmpty()) {
      String why =
          original.clientTerminal()
              ? "no replacement placed yet"
              : "still " + original.clientStatus() + " on the drained node";
      return new Replacement(original, null, State.PENDING, why);
    }
    String nextId = original.nextAllocation();
    for (int hop = 0; hop < MAX_HOPS; hop++) {
      Optional<Allocation> read = nomad.readAllocation(nextId);
      if (read.isEmpty()) {
        return new Replacement(
            original, nextId, State.GONE, "replacement " + nextId + " is no longer known to Nomad");
      }
      Allocation next = read.get();
      if (next.deploymentStatus().isUnhealthy()) {
        return new Replacement(original, nextId, State.UNHEALTHY, "replacement reported unhealthy");
      }
      if (!next.nextAllocation().isEmpty()) {
        nextId = next.nextAllocation();
        continue;
      }
      if ("failed".equals(next.clientStatus())) {
        return new Replacement(original, nextId, State.UNHEALTHY, "replacement failed");
      }
      if ("running".equals(next.clientStatus()) && next.deploymentStatus().isHealthy()) {
        return new Replacement(original, nextId, State.HEALTHY, "running and healthy");
      }
      if ("complete".equals(next.clientStatus()) && !"run".equals(next.desiredStatus())) {
        return new Replacement(
            original, nextId, State.GONE, "replacement was stopped (" + next.desiredStatus() + ")");
      }
      return new Replacement(
          original,
          nextId,
          State.PENDING,
          "replacement "
              + next.clientStatus()
              + (next.deploymentStatus().hasHealth() ? "" : ", health not reported yet"));
    }
    return new Replacement(
        original, nextId, State.PENDING, "replaced more than " + MAX_HOPS + " times in a row");
  }

  /** Where one drained allocation's replacement stands. */
  public enum State {
    /** {@code running} with {@code DeploymentStatus.Healthy == true}. */
    HEALTHY,
    /** Not placed yet, not running yet, or health not reported yet. */
    PENDING,
    /** Reported unhealthy, or failed. */
    UNHEALTHY,
    /**
     * Stopped on purpose (its job stopped or changed) or garbage-collected: nothing to wait for.
     */
    GONE
  }

  /**
   * One allocation the drain moved and its latest replacement.
   *
   * @param replacementId null when none was placed yet
   */
  public record Replacement(Allocation original, String replacementId, State state, String reason) {

    public String jobId() {
      return original.jobId();
    }

    String describe() {
      return "job "
          + original.jobId()
          + " ("
          + (original.name() == null ? original.id() : original.name())
          + "): "
          + reason;
    }
  }

  /** The replacements of one drained node. */
  public record Status(List<Replacement> replacements) {

    public Status {
      replacements = List.copyOf(replacements);
    }

    /** Every replacement healthy (or gone): the next host may leave service. */
    public boolean done() {
      return replacements.stream()
          .allMatch(r -> r.state() == State.HEALTHY || r.state() == State.GONE);
    }

    /** A replacement ended unhealthy: waiting longer will not help. */
    public boolean failed() {
      return !of(State.UNHEALTHY).isEmpty();
    }

    public List<Replacement> pending() {
      return of(State.PENDING);
    }

    public List<Replacement> unhealthy() {
      return of(State.UNHEALTHY);
    }

    /** The jobs with an unhealthy replacement, sorted. */
    public Set<String> unhealthyJobs() {
      return unhealthy().stream()
          .map(Replacement::jobId)
          .collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * A line for a progress report or a failure: what is unhealthy, else what is still waited for.
     */
    public String describe() {
      long healthy = of(State.HEALTHY).size();
      String head = healthy + " of " + replacements.size() + " replacements running and healthy";
      if (failed()) {
        return head
            + "; unhealthy: "
            + unhealthy().stream().map(Replacement::describe).collect(Collectors.joining("; "));
      }
      if (!pending().isEmpty()) {
        return head
            + "; waiting for "
            + pending().stream().map(Replacement::describe).collect(Collectors.joining("; "));
      }
      return head;
    }

    private List<Replacement> of(State state) {
      return replacements.stream().filter(r -> r.state() == state).toList();
    }
  }
}
