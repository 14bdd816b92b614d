package dev.laborchestrator.sim;

import java.util.Map;

/**
 * One Nomad evaluation (structs.go {@code Evaluation}; api-docs/evaluations.mdx). The sim keeps the
 * evaluations of replacements: the {@code node-drain} or {@code node-update} evaluation that placed
 * (or failed to place) a migrated or lost allocation, and the {@code blocked} evaluation chained to
 * it when nothing fit. Guarded by the {@link Cluster} lock.
 */
final class EvalModel {

  static final String BLOCKED = "blocked";
  static final String COMPLETE = "complete";

  final String id;
  final String jobId;
  final String type;
  final String triggeredBy;
  final String nodeId;
  final String previousEval;
  final long createIndex;
  final long createTimeNanos;
  final String taskGroup;
  String status;
  String statusDescription = "";
  String blockedEval = "";
  long modifyIndex;
  long modifyTimeNanos;

  /** Why the task group could not be placed ({@code FailedTGAllocs}); null when it was. */
  Placement.Metric failed;

  /** The allocation whose replacement a blocked evaluation still has to place. */
  AllocModel waiting;

  EvalModel(
      String id,
      AllocModel alloc,
      String triggeredBy,
      String nodeId,
      String previousEval,
      String status,
      long index,
      long nowMillis) {
    this.id = id;
    this.jobId = alloc.jobId;
    this.type = alloc.jobType;
    this.taskGroup = alloc.taskGroup;
    this.triggeredBy = triggeredBy;
    this.nodeId = nodeId;
    this.previousEval = previousEval;
    this.status = status;
    this.createIndex = index;
    this.modifyIndex = index;
    this.createTimeNanos = nowMillis * 1_000_000;
    this.modifyTimeNanos = createTimeNanos;
  }

  boolean blocked() {
    return BLOCKED.equals(status);
  }

  /** {@code QueuedAllocations}: how many of the group's allocations still wait. */
  Map<String, Integer> queued() {
    return Map.of(taskGroup, blocked() ? 1 : 0);
  }
}
