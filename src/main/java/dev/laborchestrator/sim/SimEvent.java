package dev.laborchestrator.sim;

import java.util.EnumSet;
import java.util.Set;

/**
 * One entry of the lab's record, from which tests check the controller's safety rules. The snapshot
 * flags describe {@code node} right after the event.
 *
 * <p>Some events are not about a host ({@link #aboutNode()} is false): for variable and lock events
 * {@code node} is the variable's path, for autopilot events it is {@code "autopilot"}; their
 * snapshot flags are all false or zero and they never count as a host out of service.
 *
 * @param ready Nomad status is {@code ready}
 * @param checksPassing the node's Consul agent is registered and every check on it passes
 * @param activeNonSystemAllocs service and batch allocations that are pending or running
 * @param activeSystemAllocs system allocations that are pending or running
 */
public record SimEvent(
    long atMillis,
    String node,
    Type type,
    String detail,
    boolean ready,
    boolean eligible,
    boolean draining,
    boolean checksPassing,
    int activeNonSystemAllocs,
    int activeSystemAllocs) {

  /** A node is out of service while it is not ready, draining, or ineligible. */
  public boolean outOfService() {
    return aboutNode() && (!ready || draining || !eligible);
  }

  /** False for variable, lock and autopilot events, whose {@code node} names no host. */
  public boolean aboutNode() {
    return !NOT_ABOUT_NODES.contains(type);
  }

  private static final Set<Type> NOT_ABOUT_NODES =
      EnumSet.of(
          Type.VAR_WRITTEN,
          Type.VAR_DELETED,
          Type.LOCK_ACQUIRED,
          Type.LOCK_RENEWED,
          Type.LOCK_RELEASED,
          Type.LOCK_EXPIRED,
          Type.AUTOPILOT_UNHEALTHY,
          Type.AUTOPILOT_HEALTHY);

  public enum Type {
    /** The node's initial state when the lab was built. */
    NODE_REGISTERED,
    DRAIN_STARTED,
    DRAIN_UPDATED,
    DRAIN_COMPLETE,
    DRAIN_CANCELED,
    /** A service allocation left this node; detail names the node its replacement went to. */
    ALLOC_MIGRATED,
    /** An allocation was placed on this node (a replacement, or a system job's allocation). */
    ALLOC_PLACED,
    /** An allocation was stopped (drain deadline, or system allocations after a drain). */
    ALLOC_STOPPED,
    /** A batch allocation on a draining node finished its work. */
    ALLOC_COMPLETED,
    /** An allocation was lost because its node went down. */
    ALLOC_LOST,
    /** Detail: the new eligibility and who changed it, e.g. {@code "eligible by api"}. */
    ELIGIBILITY_CHANGED,
    /**
     * Detail says whether the host really restarts ({@code fake} when it does not), and on which
     * revision it will come back ({@code revision <rev>}, {@code rollback to <rev>}).
     */
    REBOOT_STARTED,
    /**
     * The node re-registered with changed dynamic metadata ({@code /v1/client/metadata}); detail:
     * its dynamic metadata after the change, sorted by key, e.g. {@code
     * {lab.rollout.state=DRAINING}}.
     */
    NODE_META_UPDATED,
    /** Detail: the new Nomad status. */
    STATUS_CHANGED,
    CHECKS_CHANGED,
    /** The host's Consul agent entered node maintenance; detail: the reason. */
    MAINTENANCE_ON,
    MAINTENANCE_OFF,
    /** A Nomad variable was created or updated; node: its path. */
    VAR_WRITTEN,
    VAR_DELETED,
    /** Detail: the lock's ID prefix, TTL and lock delay. */
    LOCK_ACQUIRED,
    LOCK_RENEWED,
    /** Detail says whether the holder released it or its lock delay ran out after expiry. */
    LOCK_RELEASED,
    /** The holder stopped renewing: the lease is lost, the lock delay starts. */
    LOCK_EXPIRED,
    /**
     * {@code POST /v1/job/:id/periodic/force} launched a child of a periodic job; node: the job,
     * detail: the child and where it was placed (or that its evaluation is blocked).
     */
    PERIODIC_FORCED,
    /** Nomad's and Consul's autopilot health turned unhealthy; detail: why. */
    AUTOPILOT_UNHEALTHY,
    AUTOPILOT_HEALTHY,
    /**
     * No node could take the replacement of an allocation of this node: a blocked evaluation waits
     * for room; detail: the job and the exhausted dimensions.
     */
    EVAL_BLOCKED,
    /** The client reported a placed service allocation on this node healthy; detail: its name. */
    ALLOC_HEALTHY,
    /** The client reported a placed service allocation on this node unhealthy. */
    ALLOC_UNHEALTHY,
    /** A build of the host's new system began, while the host keeps running; detail: revision. */
    BUILD_STARTED,
    /**
     * The build is staged; detail: the revision, whether a reboot is needed ({@code reboot needed}
     * or {@code no reboot needed}) and the store path.
     */
    BUILD_FINISHED,
    /** The build failed; nothing was staged. */
    BUILD_FAILED,
    /** The host switched to its staged build without a reboot; detail: the new revision. */
    SWITCHED
  }
}
