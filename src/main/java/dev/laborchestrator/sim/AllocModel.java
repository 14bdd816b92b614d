package dev.laborchestrator.sim;

/** One allocation in the simulated Nomad state. Guarded by the {@link Cluster} lock. */
final class AllocModel {

  static final String PENDING = "pending";
  static final String RUNNING = "running";
  static final String COMPLETE = "complete";
  static final String LOST = "lost";
  static final String FAILED = "failed";

  final String id;
  final String evalId;
  final String name;
  final String jobId;
  final String jobType;
  final String taskGroup;
  final long jobCreateIndex;
  final long createIndex;
  final long createTimeNanos;
  final String nodeId;
  final String nodeName;
  final String previousAllocation;

  String clientStatus;
  String desiredStatus = "run";
  String desiredDescription = "";
  boolean migrate;
  String nextAllocation = "";
  long modifyIndex;
  long modifyTimeNanos;

  /**
   * A batch allocation that ends only when its task exits (the controller itself), not after a
   * modelled amount of work: on a draining node it runs until the drain's deadline.
   */
  boolean runsUntilExit;

  /** Wall-clock millis at which a pending allocation starts running; -1 when not pending. */
  long startAt = -1;

  /** Wall-clock millis at which the client finishes stopping this allocation; -1 when not. */
  long stopAt = -1;

  AllocModel(
      String id,
      String evalId,
      String jobId,
      String jobType,
      String taskGroup,
      long jobCreateIndex,
      NodeModel node,
      String previousAllocation,
      long index,
      long nowMillis) {
    this.id = id;
    this.evalId = evalId;
    this.name = jobId + "." + taskGroup + "[0]";
    this.jobId = jobId;
    this.jobType = jobType;
    this.taskGroup = taskGroup;
    this.jobCreateIndex = jobCreateIndex;
    this.nodeId = node.id;
    this.nodeName = node.name;
    this.previousAllocation = previousAllocation;
    this.createIndex = index;
    this.modifyIndex = index;
    this.createTimeNanos = nowMillis * 1_000_000;
    this.modifyTimeNanos = createTimeNanos;
  }

  /** Pending or running: what a drain waits for. */
  boolean active() {
    return PENDING.equals(clientStatus) || RUNNING.equals(clientStatus);
  }

  boolean system() {
    return "system".equals(jobType);
  }

  void touch(long index, long nowMillis) {
    modifyIndex = index;
    modifyTimeNanos = nowMillis * 1_000_000;
  }

  // ---- issue 9: the job's placement domain, size and health ----

  /** What the job asks for; a replacement keeps the settings of the allocation it replaces. */
  JobSpec spec;

  /** {@code DeploymentStatus.Healthy}: null until the client reports health. */
  Boolean healthy;

  /** Wall-clock millis at which the client reports health; -1 when not scheduled. */
  long healthAt = -1;

  /**
   * A job's datacenter and node pool (a replacement is placed only there), its task's {@code
   * Resources} ({@code AllocatedResources.Tasks[task].Cpu/Memory}), its group's {@code
   * migrate.min_healthy_time}, how its health turns out, and whether it can only run on the node it
   * started on ({@link SimNode#pinnedAllocs}).
   */
  record JobSpec(
      String datacenter,
      String nodePool,
      int cpuShares,
      int memoryMB,
      long healthyAfterMillis,
      SimNode.ReplacementHealth health,
      boolean pinned) {}

  boolean service() {
    return "service".equals(jobType);
  }
}
