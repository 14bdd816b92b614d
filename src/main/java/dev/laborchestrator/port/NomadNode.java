package dev.laborchestrator.port;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/** The parts of {@code GET /v1/node/:id} the controller reads. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NomadNode(
    @JsonProperty("ID") String id,
    @JsonProperty("Name") String name,
    @JsonProperty("HTTPAddr") String httpAddr,
    @JsonProperty("Status") String status,
    @JsonProperty("StatusUpdatedAt") long statusUpdatedAt,
    @JsonProperty("SchedulingEligibility") String schedulingEligibility,
    @JsonProperty("DrainStrategy") DrainStrategy drainStrategy,
    @JsonProperty("LastDrain") LastDrain lastDrain,
    @JsonProperty("Meta") Map<String, String> meta,
    @JsonProperty("Attributes") Map<String, String> attributes) {

  public static final String READY = "ready";
  public static final String ELIGIBLE = "eligible";
  public static final String INELIGIBLE = "ineligible";

  /** Dynamic node metadata key the lab-machine module publishes after every boot. */
  public static final String BOOT_ID_META = "lab.boot-id";

  /** Node metadata key carrying the NixOS configuration revision. */
  public static final String REVISION_META = "nixos.revision";

  public NomadNode {
    meta = meta == null ? Map.of() : Map.copyOf(meta);
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }

  public boolean ready() {
    return READY.equals(status);
  }

  public boolean eligible() {
    return ELIGIBLE.equals(schedulingEligibility);
  }

  public boolean draining() {
    return drainStrategy != null;
  }

  /** The node's name in Consul: the {@code unique.consul.name} attribute, else the node name. */
  public String consulName() {
    String consul = attributes.get("unique.consul.name");
    return consul == null || consul.isBlank() ? name : consul;
  }

  public String bootId() {
    return meta.get(BOOT_ID_META);
  }

  public String revision() {
    return meta.get(REVISION_META);
  }

  /**
   * A draining node's strategy as Nomad sends it: flat (Go's {@code DrainStrategy} embeds {@code
   * DrainSpec}), {@code Deadline} in nanoseconds.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record DrainStrategy(
      @JsonProperty("Deadline") long deadline,
      @JsonProperty("IgnoreSystemJobs") boolean ignoreSystemJobs,
      @JsonProperty("ForceDeadline") String forceDeadline,
      @JsonProperty("StartedAt") String startedAt) {}

  /** The most recent drain: {@code Status} is one of draining, complete, canceled. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record LastDrain(
      @JsonProperty("Status") String status,
      @JsonProperty("StartedAt") String startedAt,
      @JsonProperty("UpdatedAt") String updatedAt,
      @JsonProperty("Meta") Map<String, String> meta) {

    public boolean canceled() {
      return "canceled".equals(status);
    }
  }
}
