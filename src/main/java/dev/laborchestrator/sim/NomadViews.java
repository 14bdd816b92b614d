package dev.laborchestrator.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.laborchestrator.sim.NodeModel.Drain;
import dev.laborchestrator.sim.NodeModel.LastDrain;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Nomad's JSON documents, in the shapes of website/content/api-docs/nodes.mdx and the Go structs
 * they serialize (nomad/structs/structs.go {@code Node}, {@code NodeListStub}, {@code
 * DrainStrategy}, {@code DrainMetadata}, {@code Allocation}). Called with the cluster lock held.
 */
final class NomadViews {

  /** How Go marshals a zero {@code time.Time}: "no force deadline". */
  static final String ZERO_TIME = "0001-01-01T00:00:00Z";

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private NomadViews() {}

  /** structs.go {@code Node.Stub}: no Meta; Attributes only with {@code ?os=true}. */
  static ObjectNode stub(NodeModel node, boolean withOs) {
    return stub(node, withOs, false);
  }

  /** api/nodes.go {@code NodeListStub}: {@code ?resources=true} adds the node's resources. */
  static ObjectNode stub(NodeModel node, boolean withOs, boolean withResources) {
    ObjectNode o = F.objectNode();
    o.put("Address", node.address);
    o.put("ID", node.id);
    if (withOs) {
      o.putObject("Attributes").put("os.name", node.attributes.get("os.name"));
    }
    o.put("Datacenter", node.capacity.datacenter);
    o.put("Name", node.name);
    o.put("NodeClass", "");
    o.put("NodePool", node.capacity.nodePool);
    o.put("Version", node.attributes.get("nomad.version"));
    o.put("Drain", node.drain != null);
    o.put("SchedulingEligibility", eligibility(node));
    o.put("Status", node.status);
    o.put("StatusDescription", "");
    o.set("Drivers", drivers());
    o.putObject("HostVolumes");
    o.set("LastDrain", lastDrain(node.lastDrain));
    if (withResources) {
      CapacityViews.nodeResources(node, o);
    }
    o.put("CreateIndex", node.createIndex);
    o.put("ModifyIndex", node.modifyIndex);
    return o;
  }

  /** nodes.mdx "Read Node": the full node. */
  static ObjectNode node(NodeModel node) {
    ObjectNode o = F.objectNode();
    o.put("ID", node.id);
    o.put("SecretID", "");
    o.put("Datacenter", node.capacity.datacenter);
    o.put("Name", node.name);
    o.put("CgroupParent", "");
    o.put("HTTPAddr", node.httpAddr());
    o.put("TLSEnabled", false);
    ObjectNode attributes = o.putObject("Attributes");
    node.attributes.forEach(attributes::put);
    CapacityViews.nodeResources(node, o);
    o.putObject("Links").put("consul", Cluster.DATACENTER + "." + node.consulName);
    ObjectNode meta = o.putObject("Meta");
    node.meta.forEach(meta::put);
    o.put("NodeClass", "");
    o.put("NodePool", node.capacity.nodePool);
    o.put("ComputedClass", "v1:" + Integer.toUnsignedString(node.name.hashCode()));
    o.put("Drain", node.drain != null);
    o.set("DrainStrategy", drainStrategy(node.drain));
    o.put("SchedulingEligibility", eligibility(node));
    o.put("Status", node.status);
    o.put("StatusDescription", "");
    o.put("StatusUpdatedAt", node.statusUpdatedAt);
    ArrayNode events = o.putArray("Events");
    for (NodeModel.NodeEvent e : node.nodeEvents) {
      ObjectNode event = events.addObject();
      event.put("Message", e.message());
      event.put("Subsystem", e.subsystem());
      event.putNull("Details");
      event.put("Timestamp", time(e.timestamp()));
      event.put("CreateIndex", e.createIndex());
    }
    o.set("Drivers", drivers());
    o.putObject("HostVolumes");
    o.putObject("HostNetworks");
    o.putNull("CSIControllerPlugins");
    o.putNull("CSINodePlugins");
    o.set("LastDrain", lastDrain(node.lastDrain));
    o.put("CreateIndex", node.createIndex);
    o.put("ModifyIndex", node.modifyIndex);
    return o;
  }

  /** A flat DrainStrategy: Go embeds DrainSpec, so Deadline (ns) sits beside ForceDeadline. */
  private static ObjectNode drainStrategy(Drain drain) {
    if (drain == null) {
      return null;
    }
    ObjectNode o = F.objectNode();
    o.put("Deadline", drain.deadlineNanos);
    o.put("IgnoreSystemJobs", drain.ignoreSystemJobs);
    o.put("ForceDeadline", drain.forceDeadline == null ? ZERO_TIME : time(drain.forceDeadline));
    o.put("StartedAt", time(drain.startedAt));
    return o;
  }

  private static ObjectNode lastDrain(LastDrain last) {
    if (last == null) {
      return null;
    }
    ObjectNode o = F.objectNode();
    o.put("StartedAt", time(last.startedAt));
    o.put("UpdatedAt", time(last.updatedAt));
    o.put("Status", last.status);
    o.put("AccessorID", last.accessorId);
    if (last.meta == null) {
      o.putNull("Meta");
    } else {
      ObjectNode meta = o.putObject("Meta");
      last.meta.forEach(meta::put);
    }
    return o;
  }

  private static ObjectNode drivers() {
    ObjectNode drivers = F.objectNode();
    for (String driver : List.of("exec", "raw_exec")) {
      ObjectNode d = drivers.putObject(driver);
      d.putObject("Attributes").put("driver." + driver, "true");
      d.put("Detected", true);
      d.put("Healthy", true);
      d.put("HealthDescription", "Healthy");
      d.put("UpdateTime", ZERO_TIME);
    }
    return drivers;
  }

  /** nodes.mdx "List Node Allocations": full allocations, with their Job. */
  static ObjectNode alloc(AllocModel a) {
    ObjectNode o = F.objectNode();
    o.put("ID", a.id);
    o.put("Namespace", "default");
    o.put("EvalID", a.evalId);
    o.put("Name", a.name);
    o.put("NodeID", a.nodeId);
    o.put("NodeName", a.nodeName);
    o.put("JobID", a.jobId);
    o.set("Job", job(a));
    o.put("TaskGroup", a.taskGroup);
    o.put("DesiredStatus", a.desiredStatus);
    o.put("DesiredDescription", a.desiredDescription);
    o.set("DesiredTransition", desiredTransition(a));
    o.put("ClientStatus", a.clientStatus);
    o.put("ClientDescription", clientDescription(a));
    o.set("DeploymentStatus", CapacityViews.deploymentStatus(a));
    o.set("AllocatedResources", CapacityViews.allocatedResources(a));
    o.set("TaskStates", taskStates(a));
    o.put("PreviousAllocation", a.previousAllocation);
    o.put("NextAllocation", a.nextAllocation);
    o.put("FollowupEvalID", "");
    o.put("CreateIndex", a.createIndex);
    o.put("ModifyIndex", a.modifyIndex);
    o.put("AllocModifyIndex", a.modifyIndex);
    o.put("CreateTime", a.createTimeNanos);
    o.put("ModifyTime", a.modifyTimeNanos);
    return o;
  }

  private static ObjectNode job(AllocModel a) {
    ObjectNode job = F.objectNode();
    job.put("ID", a.jobId);
    job.put("Name", a.jobId);
    job.put("Namespace", "default");
    job.put("Region", "global");
    job.put("Type", a.jobType);
    job.putArray("Datacenters").add(a.spec.datacenter());
    job.put("NodePool", a.spec.nodePool());
    job.put("Priority", 50);
    job.put("Status", "running");
    job.put("Stop", false);
    job.put("ParentID", "");
    job.putNull("Periodic");
    job.putNull("ParameterizedJob");
    ObjectNode group = job.putArray("TaskGroups").addObject();
    group.put("Name", a.taskGroup);
    group.put("Count", 1);
    if (Cluster.SERVICE.equals(a.jobType)) {
      // structs.go: service task groups get the default migrate block.
      ObjectNode migrate = group.putObject("Migrate");
      migrate.put("MaxParallel", 1);
      migrate.put("HealthCheck", "checks");
      migrate.put("MinHealthyTime", a.spec.healthyAfterMillis() * 1_000_000);
      migrate.put("HealthyDeadline", 300_000_000_000L);
    } else {
      group.putNull("Migrate");
    }
    ObjectNode taskSpec = group.putArray("Tasks").addObject();
    taskSpec.put("Name", a.taskGroup);
    taskSpec.put("Driver", "exec");
    ObjectNode taskResources = taskSpec.putObject("Resources");
    taskResources.put("CPU", a.spec.cpuShares());
    taskResources.put("MemoryMB", a.spec.memoryMB());
    job.put("Version", 0);
    job.put("CreateIndex", a.jobCreateIndex);
    job.put("ModifyIndex", a.jobCreateIndex);
    job.put("JobModifyIndex", a.jobCreateIndex);
    return job;
  }

  /** structs.go {@code DesiredTransition}: {@code Migrate} is set once the drainer marks it. */
  static ObjectNode desiredTransition(AllocModel a) {
    ObjectNode transition = F.objectNode();
    if (a.migrate) {
      transition.put("Migrate", true);
    } else {
      transition.putNull("Migrate");
    }
    return transition;
  }

  /** One task per group here, named after the group. */
  static ObjectNode taskStates(AllocModel a) {
    ObjectNode taskStates = F.objectNode();
    ObjectNode task = taskStates.putObject(a.taskGroup);
    task.put("State", taskState(a));
    task.put("Failed", false);
    task.put("Restarts", 0);
    task.putArray("Events");
    return taskStates;
  }

  private static String taskState(AllocModel a) {
    return switch (a.clientStatus) {
      case AllocModel.PENDING -> "pending";
      case AllocModel.RUNNING -> "running";
      default -> "dead";
    };
  }

  static String clientDescription(AllocModel a) {
    return switch (a.clientStatus) {
      case AllocModel.RUNNING -> "Tasks are running";
      case AllocModel.COMPLETE -> "All tasks have completed";
      case AllocModel.LOST -> "";
      case AllocModel.FAILED -> "Failed tasks";
      default -> "No tasks have started";
    };
  }

  /** The reply of a node write: Drain Node and Toggle Node Eligibility samples in nodes.mdx. */
  static ObjectNode writeReply(Cluster.WriteResult result) {
    ObjectNode o = F.objectNode();
    if (result.evalIds() == null) {
      o.putNull("EvalIDs");
    } else {
      ArrayNode ids = o.putArray("EvalIDs");
      result.evalIds().forEach(ids::add);
    }
    o.put("EvalCreateIndex", result.evalCreateIndex());
    o.put("NodeModifyIndex", result.index());
    o.put("Index", result.index());
    return o;
  }

  private static String eligibility(NodeModel node) {
    return node.eligible ? "eligible" : "ineligible";
  }

  /** Go marshals time.Time as RFC 3339 with as many fraction digits as needed. */
  static String time(Instant instant) {
    return instant.toString();
  }

  static Map<String, String> queryMeta(long index) {
    return Map.of(
        "X-Nomad-Index", Long.toString(index),
        "X-Nomad-KnownLeader", "true",
        "X-Nomad-LastContact", "0");
  }
}
