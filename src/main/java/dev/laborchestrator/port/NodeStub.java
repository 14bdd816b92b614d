package dev.laborchestrator.port;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** One entry of {@code GET /v1/nodes}: a node stub, which carries no {@code Meta}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NodeStub(
    @JsonProperty("ID") String id,
    @JsonProperty("Name") String name,
    @JsonProperty("Address") String address,
    @JsonProperty("Datacenter") String datacenter,
    @JsonProperty("Status") String status,
    @JsonProperty("SchedulingEligibility") String schedulingEligibility,
    @JsonProperty("Drain") boolean drain,
    @JsonProperty("ModifyIndex") long modifyIndex,
    @JsonProperty("NodePool") String nodePool,
    @JsonProperty("NodeResources") Resources nodeResources,
    @JsonProperty("ReservedResources") Resources reservedResources) {

  /** The stub of {@code GET /v1/nodes}; resources only with {@code ?resources=true}. */
  public NodeStub {
    nodeResources = nodeResources == null ? Resources.NONE : nodeResources;
    reservedResources = reservedResources == null ? Resources.NONE : reservedResources;
  }

  public NodeStub(
      String id,
      String name,
      String address,
      String datacenter,
      String status,
      String schedulingEligibility,
      boolean drain,
      long modifyIndex) {
    this(
        id,
        name,
        address,
        datacenter,
        status,
        schedulingEligibility,
        drain,
        modifyIndex,
        null,
        null,
        null);
  }

  public NodeStub(
      String id,
      String name,
      String address,
      String datacenter,
      String status,
      String schedulingEligibility,
      boolean drain) {
    this(id, name, address, datacenter, status, schedulingEligibility, drain, 0);
  }

  public boolean eligible() {
    return NomadNode.ELIGIBLE.equals(schedulingEligibility);
  }
}
