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
    @JsonProperty("DesiredStatus") String desiredStatus) {

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
