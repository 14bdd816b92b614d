package dev.laborchestrator.port;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
    @JsonProperty("Attributes") Map<String, String> attributes,
    @JsonProperty("Events") List<NodeEvent> events,
    @JsonProperty("Datacenter") String datacenter,
    @JsonProperty("NodePool") String nodePool,
    @JsonProperty("NodeResources") Resources nodeResources,
    @JsonProperty("ReservedResources") Resources reservedResources) {

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
    events = events == null ? List.of() : List.copyOf(events);
    nodeResources = nodeResources == null ? Resources.NONE : nodeResources;
    reservedResources = reservedResources == null ? Resources.NONE : reservedResources;
  }

  public NomadNode(
      String id,
      String name,
      String httpAddr,
      String status,
      long statusUpdatedAt,
      String schedulingEligibility,
      DrainStrategy drainStrategy,
      LastDrain lastDrain,
      Map<String, String> meta,
      Map<String, String> attributes,
      List<NodeEvent> events) {
    this(
        id,
        name,
        httpAddr,
        status,
        statusUpdatedAt,
        schedulingEligibility,
        drainStrategy,
        lastDrain,
        meta,
        attributes,
        events,
        null,
        null,
        null,
        null);
  }

  public NomadNode(
      String id,
      String name,
      String httpAddr,
      String status,
      long statusUpdatedAt,
      String schedulingEligibility,
      DrainStrategy drainStrategy,
      LastDrain lastDrain,
      Map<String, String> meta,
      Map<String, String> attributes) {
    this(
        id,
        name,
        httpAddr,
        status,
        statusUpdatedAt,
        schedulingEligibility,
        drainStrategy,
        lastDrain,
        meta,
        attributes,
        List.of());
  }

  /** {@code NodeResources} minus {@code ReservedResources}: what allocations may use. */
  public Resources allocatable() {
    return nodeResources.minus(reservedResources);
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

  /**
   * Whether Nomad recorded, after raft index {@code afterIndex}, that the node's client registered
   * again after the node had been down: nomad/state/state_store.go {@code upsertNodeTxn} appends
   * "Node re-registered" only when the stored node was {@code down} and the new one is not, and
   * node_endpoint.go {@code UpdateStatus} appends "Node reregistered by heartbeat" on the same
   * transition. A client that re-registers while it stays up (a dynamic metadata write, {@code POST
   * /v1/client/metadata}, or an agent reload) keeps its events and adds neither, so this is
   * evidence of a restart that a quick reboot between two reads cannot hide (the events stay on the
   * node, the latest ten of them).
   */
  public Optional<NodeEvent> reregisteredAfter(long afterIndex) {
    return events.stream()
        .filter(e -> e.createIndex() > afterIndex)
        .filter(
            e ->
                NodeEvent.REREGISTERED.equals(e.message())
                    || NodeEvent.REREGISTERED_BY_HEARTBEAT.equals(e.message()))
        .findFirst();
  }

  /** One of the node's recent events (structs.go {@code NodeEvent}); Nomad keeps the last ten. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record NodeEvent(
      @JsonProperty("Message") String message,
      @JsonProperty("Subsystem") String subsystem,
      @JsonProperty("Timestamp") String timestamp,
      @JsonProperty("CreateIndex") long createIndex) {
    /** nomad/state/state_store.go {@code NodeRegisterEventReregistered}. */
    public static final String REREGISTERED = "Node re-registered";

    /** nomad/node_endpoint.go {@code NodeHeartbeatEventReregistered}. */
    public static final String REREGISTERED_BY_HEARTBEAT = "Node reregistered by heartbeat";
  }

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
