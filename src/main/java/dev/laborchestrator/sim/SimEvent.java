package dev.laborchestrator.sim;

/**
 * One entry of the lab's record, from which tests check the controller's safety rules. The snapshot
 * flags describe {@code node} right after the event.
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
    return !ready || draining || !eligible;
  }

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
    /** Detail says whether the host really restarts ({@code fake} when it does not). */
    REBOOT_STARTED,
    /** Detail: the new Nomad status. */
    STATUS_CHANGED,
    CHECKS_CHANGED
  }
}
