package dev.laborchestrator.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What must survive a crash of one host's rollout: where it stands, what the node looked like
 * before (its eligibility, boot id), and the clocks of its timeouts.
 *
 * @param failedIn the state a FAILED host failed in, where {@code --retry-failed} resumes it
 * @param maintenanceOn this rollout put the host's Consul agent into maintenance mode
 * @param rollbackOf the verification failure that made this host roll back, while it does
 * @param nodeIndexBefore the node's raft index read right before the trigger: a "Node
 *     re-registered" event created after it proves a restart of a node without a boot id
 * @param builtPath the store path of the host's new system, once built ahead (executors that build
 *     ahead); activation uses exactly this path
 * @param rebootNeeded whether that system needs a reboot (its kernel, initrd or modules changed);
 *     null while nothing is built
 * @param switched the host was switched to its new system without a reboot
 * @param recreated for a {@code recreate} host: the {@code job/group} of each allocation that
 *     stopped with it and must run on it again
 * @param drainIndex the node's raft index read when the host entered DRAINING, before its drain
 *     request: an allocation whose {@code ModifyIndex} is not above it was moved by an earlier
 *     drain (0: unknown, e.g. a checkpoint written before this field)
 */
public record HostCheckpoint(
    String hostname,
    String nodeId,
    HostState state,
    boolean eligibleBefore,
    String bootIdBefore,
    long statusUpdatedBefore,
    Instant triggeredAt,
    Instant healthDeadline,
    HostState failedIn,
    String reason,
    Map<HostState, Duration> timeIn,
    Instant updatedAt,
    String revisionBefore,
    boolean maintenanceOn,
    String rollbackOf,
    long nodeIndexBefore,
    String builtPath,
    Boolean rebootNeeded,
    boolean switched,
    java.util.List<String> recreated,
    long drainIndex) {

  public HostCheckpoint {
    timeIn = timeIn == null ? Map.of() : Map.copyOf(timeIn);
    recreated = recreated == null ? java.util.List.of() : java.util.List.copyOf(recreated);
  }

  static HostCheckpoint pending(
      String hostname, String nodeId, boolean eligibleBefore, Instant now) {
    return new HostCheckpoint(
        hostname,
        nodeId,
        HostState.PENDING,
        eligibleBefore,
        null,
        0,
        null,
        null,
        null,
        null,
        Map.of(),
        now,
        null,
        false,
        null,
        0,
        null,
        null,
        false,
        java.util.List.of(),
        0);
  }

  /**
   * A host a finished rollout took through, with the time it spent in each state: what the next
   * rollout reads its time out of service from ({@link RolloutState#timesOutOfService}).
   */
  public static HostCheckpoint done(String hostname, Map<HostState, Duration> timeIn, Instant at) {
    return pending(hostname, null, true, at)
        .with(
            d -> {
              d.state = HostState.DONE;
              d.timeIn.putAll(timeIn);
            });
  }

  /** The build staged for this host, or null. */
  dev.laborchestrator.port.HostExecutor.Build build() {
    return builtPath == null
        ? null
        : new dev.laborchestrator.port.HostExecutor.Build(
            builtPath, rebootNeeded == null || rebootNeeded);
  }

  /** This progress with {@code edit} applied to a draft of it. */
  HostCheckpoint with(java.util.function.Consumer<Draft> edit) {
    Draft draft = new Draft(this);
    edit.accept(draft);
    return draft.build();
  }

  /** A host's progress while it is edited: the one place its fields are copied. */
  static final class Draft {
    private final String hostname;
    private final String nodeId;
    private final boolean eligibleBefore;
    HostState state;
    String bootIdBefore;
    long statusUpdatedBefore;
    Instant triggeredAt;
    Instant healthDeadline;
    HostState failedIn;
    String reason;
    Map<HostState, Duration> timeIn;
    Instant updatedAt;
    String revisionBefore;
    boolean maintenanceOn;
    String rollbackOf;
    long nodeIndexBefore;
    String builtPath;
    Boolean rebootNeeded;
    boolean switched;
    java.util.List<String> recreated;
    long drainIndex;

    private Draft(HostCheckpoint c) {
      hostname = c.hostname;
      nodeId = c.nodeId;
      eligibleBefore = c.eligibleBefore;
      state = c.state;
      bootIdBefore = c.bootIdBefore;
      statusUpdatedBefore = c.statusUpdatedBefore;
      triggeredAt = c.triggeredAt;
      healthDeadline = c.healthDeadline;
      failedIn = c.failedIn;
      reason = c.reason;
      timeIn = new java.util.EnumMap<>(HostState.class);
      timeIn.putAll(c.timeIn);
      updatedAt = c.updatedAt;
      revisionBefore = c.revisionBefore;
      maintenanceOn = c.maintenanceOn;
      rollbackOf = c.rollbackOf;
      nodeIndexBefore = c.nodeIndexBefore;
      builtPath = c.builtPath;
      rebootNeeded = c.rebootNeeded;
      switched = c.switched;
      recreated = c.recreated;
      drainIndex = c.drainIndex;
    }

    private HostCheckpoint build() {
      return new HostCheckpoint(
          hostname,
          nodeId,
          state,
          eligibleBefore,
          bootIdBefore,
          statusUpdatedBefore,
          triggeredAt,
          healthDeadline,
          failedIn,
          reason,
          timeIn,
          updatedAt,
          revisionBefore,
          maintenanceOn,
          rollbackOf,
          nodeIndexBefore,
          builtPath,
          rebootNeeded,
          switched,
          recreated,
          drainIndex);
    }
  }
}
