package dev.laborchestrator.port;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A full allocation as {@code GET /v1/node/:id/allocations} returns it (with its {@code Job}). */
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
    @JsonProperty("NextAllocation") String nextAllocation) {

  public Allocation {
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
      String desiredStatus) {
    this(id, name, nodeId, jobId, job, clientStatus, desiredStatus, null, null, null, null, null);
  }

  /** A service allocation: the kind a drain migrates and replaces elsewhere. */
  public boolean service() {
    return job != null && "service".equals(job.type());
  }

  /** CPU and memory it holds, over its tasks. */
  public Resources resources() {
    return allocatedResources.total();
  }

  public boolean system() {
    return job != null && "system".equals(job.type())
        || job != null && "sysbatch".equals(job.type());
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

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Job(@JsonProperty("ID") String id, @JsonProperty("Type") String type) {}
}
