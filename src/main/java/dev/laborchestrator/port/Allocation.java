package dev.laborchestrator.port;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A full allocation as {@code GET /v1/node/:id/allocations} returns it (with its {@code Job}), or
 * the stub of {@code GET /v1/allocations}, which has no {@code Job} but its {@code JobType}
 * (structs/alloc.go {@code AllocListStub}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Allocation(
    @JsonProperty("ID") String id,
    @JsonProperty("Name") String name,
    @JsonProperty("NodeID") String nodeId,
    @JsonProperty("JobID") String jobId,
    @JsonProperty("Job") Job job,
    @JsonProperty("ClientStatus") String clientStatus,
    @JsonProperty("DesiredStatus") String desiredStatus,
    @JsonProperty("TaskGroup") String taskGroup,
    @JsonProperty("AllocatedResources") AllocatedResources allocatedResources,
    @JsonProperty("DeploymentStatus") DeploymentStatus deploymentStatus,
    @JsonProperty("PreviousAllocation") String previousAllocation,
    @JsonProperty("NextAllocation") String nextAllocation,
    @JsonProperty("JobType") String jobType,
    @JsonProperty("DesiredTransition") DesiredTransition desiredTransition,
    @JsonProperty("ModifyIndex") long modifyIndex) {

  public Allocation {
    desiredTransition = desiredTransition == null ? new DesiredTransition(null) : desiredTransition;
    jobType = jobType == null || jobType.isEmpty() ? (job == null ? "" : job.type()) : jobType;
    allocatedResources =
        allocatedResources == null ? new AllocatedResources(null) : allocatedResources;
    deploymentStatus = deploymentStatus == null ? new DeploymentStatus(null) : deploymentStatus;
    previousAllocation = previousAllocation == null ? "" : previousAllocation;
    nextAllocation = nextAllocation == null ? "" : nextAllocation;
  }

  public Allocation(
      String id,
      String name,
      String nodeId,
      String jobId,
      Job job,
      String clientStatus,
      String desiredStatus,
      String taskGroup,
      AllocatedResources allocatedResources,
      DeploymentStatus deploymentStatus,
      String previousAllocation,
      String nextAllocation) {
    this(
        id,
        name,
        nodeId,
        jobId,
        job,
        clientStatus,
        desiredStatus,
        taskGroup,
        allocatedResources,
        deploymentStatus,
        previousAllocation,
        nextAllocation,
        null,
        null,
        0);
  }

  public Allocation(
      String id,
      String name,
      String nodeId,
      String jobId,
      Job job,
      String clientStatus,
      String desiredStatus) {
    this(id, name, nodeId, jobId, job, clientStatus, desiredStatus, null, null, null, null, null);
  }

  /** A service allocation: the kind a drain migrates and replaces elsewhere. */
  public boolean service() {
    return "service".equals(jobType);
  }

  /** CPU and memory it holds, over its tasks. */
  public Resources resources() {
    return allocatedResources.total();
  }

  public boolean system() {
    return "system".equals(jobType) || "sysbatch".equals(jobType);
  }

  public boolean batch() {
    return "batch".equals(jobType);
  }

  /**
   * Complete, failed or lost: the client is done with it, and it no longer holds resources
   * (structs/alloc.go {@code ClientTerminalStatus}, which structs/funcs.go {@code AllocsFit}
   * skips).
   */
  public boolean clientTerminal() {
    return "complete".equals(clientStatus)
        || "failed".equals(clientStatus)
        || "lost".equals(clientStatus);
  }

  /** Pending or running: the states in which a drain is not yet finished with it. */
  public boolean active() {
    return "pending".equals(clientStatus) || "running".equals(clientStatus);
  }

  /**
   * Whether a drain with the given {@code ignoreSystemJobs} setting has to move this allocation.
   */
  public boolean coveredByDrain(boolean ignoreSystemJobs) {
    return !(ignoreSystemJobs && system());
  }

  /**
   * Whether Nomad's drainer marked it to move: nomad/drainer/drainer.go {@code batchDrainAllocs}
   * sets {@code DesiredTransition.Migrate} on each allocation it drains, deadline included.
   */
  public boolean migrating() {
    return desiredTransition.shouldMigrate();
  }

  /** structs/alloc.go {@code DesiredTransition}: {@code Migrate} is null until set. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record DesiredTransition(@JsonProperty("Migrate") Boolean migrate) {
    public boolean shouldMigrate() {
      return Boolean.TRUE.equals(migrate);
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Job(@JsonProperty("ID") String id, @JsonProperty("Type") String type) {}
}
