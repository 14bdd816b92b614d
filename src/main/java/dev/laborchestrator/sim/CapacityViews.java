package dev.laborchestrator.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * The JSON of what the scheduler needs to know about capacity: node and allocation resources,
 * allocation health, allocation stubs and evaluations, in the shapes of nomad/structs ({@code
 * NodeResources}, {@code NodeReservedResources}, {@code AllocatedResources}, {@code
 * AllocDeploymentStatus}, {@code AllocListStub}, {@code Evaluation}, {@code AllocMetric}) and the
 * samples of api-docs/nodes.mdx, allocations.mdx and evaluations.mdx. Called with the cluster lock
 * held.
 */
final class CapacityViews {

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private CapacityViews() {}

  /** {@code NodeResources} and {@code ReservedResources} of a node, put into {@code o}. */
  static void nodeResources(NodeModel node, ObjectNode o) {
    NodeModel.Capacity c = node.capacity;
    ObjectNode resources = o.putObject("NodeResources");
    resources.putObject("Cpu").put("CpuShares", c.cpuShares);
    resources.putObject("Memory").put("MemoryMB", c.memoryMB);
    resources.putObject("Disk").put("DiskMB", 100000);
    ObjectNode reserved = o.putObject("ReservedResources");
    reserved.putObject("Cpu").put("CpuShares", c.reservedCpuShares);
    reserved.putObject("Memory").put("MemoryMB", c.reservedMemoryMB);
    reserved.putObject("Disk").put("DiskMB", 0);
  }

  /** {@code AllocatedResources{Tasks{task:{Cpu, Memory}}, Shared}}: one task per group here. */
  static ObjectNode allocatedResources(AllocModel a) {
    ObjectNode o = F.objectNode();
    ObjectNode task = o.putObject("Tasks").putObject(a.taskGroup);
    task.putObject("Cpu").put("CpuShares", a.spec.cpuShares());
    ObjectNode memory = task.putObject("Memory");
    memory.put("MemoryMB", a.spec.memoryMB());
    memory.put("MemoryMaxMB", 0);
    task.putNull("Networks");
    task.putNull("Devices");
    o.putObject("Shared").put("DiskMB", 300);
    return o;
  }

  /**
   * {@code AllocDeploymentStatus}: null until the client reported health (structs/alloc.go {@code
   * HasHealth} is {@code Healthy != nil}).
   */
  static ObjectNode deploymentStatus(AllocModel a) {
    if (a.healthy == null) {
      return null;
    }
    ObjectNode o = F.objectNode();
    o.put("Healthy", a.healthy);
    o.put("Timestamp", NomadViews.time(Instant.ofEpochMilli(a.modifyTimeNanos / 1_000_000)));
    o.put("Canary", false);
    o.put("ModifyIndex", a.modifyIndex);
    return o;
  }

  /**
   * structs/alloc.go {@code AllocListStub} for {@code GET /v1/allocations}: {@code
   * AllocatedResources} only with {@code resources=true} (omitempty), {@code TaskStates} unless
   * {@code task_states=false}; it has a {@code NextAllocation} but no {@code PreviousAllocation}.
   */
  static ObjectNode allocStub(AllocModel a, boolean withResources, boolean withTaskStates) {
    ObjectNode o = F.objectNode();
    o.put("ID", a.id);
    o.put("EvalID", a.evalId);
    o.put("Name", a.name);
    o.put("Namespace", "default");
    o.put("NodeID", a.nodeId);
    o.put("NodeName", a.nodeName);
    o.put("JobID", a.jobId);
    o.put("JobType", a.jobType);
    o.put("JobVersion", 0);
    o.put("TaskGroup", a.taskGroup);
    if (withResources) {
      o.set("AllocatedResources", allocatedResources(a));
    }
    o.put("DesiredStatus", a.desiredStatus);
    o.put("DesiredDescription", a.desiredDescription);
    o.put("ClientStatus", a.clientStatus);
    o.put("ClientDescription", NomadViews.clientDescription(a));
    o.set("DesiredTransition", NomadViews.desiredTransition(a));
    o.set("TaskStates", withTaskStates ? NomadViews.taskStates(a) : null);
    o.set("DeploymentStatus", deploymentStatus(a));
    o.put("FollowupEvalID", "");
    o.put("NextAllocation", a.nextAllocation);
    o.putNull("RescheduleTracker");
    o.putNull("PreemptedAllocations");
    o.put("PreemptedByAllocation", "");
    o.put("CreateIndex", a.createIndex);
    o.put("ModifyIndex", a.modifyIndex);
    o.put("CreateTime", a.createTimeNanos);
    o.put("ModifyTime", a.modifyTimeNanos);
    return o;
  }

  /** evaluations.mdx "List Evaluations" / "Read Evaluation". */
  static ObjectNode eval(EvalModel e) {
    ObjectNode o = F.objectNode();
    o.put("ID", e.id);
    o.put("Namespace", "default");
    o.put("Priority", 50);
    o.put("Type", e.type);
    o.put("TriggeredBy", e.triggeredBy);
    o.put("JobID", e.jobId);
    o.put("JobModifyIndex", 0);
    o.put("NodeID", e.nodeId);
    o.put("NodeModifyIndex", 0);
    o.put("DeploymentID", "");
    o.put("Status", e.status);
    o.put("StatusDescription", e.statusDescription);
    o.put("Wait", 0);
    o.putNull("WaitUntil");
    o.put("NextEval", "");
    o.put("PreviousEval", e.previousEval);
    o.put("BlockedEval", e.blockedEval);
    if (e.failed == null) {
      o.putNull("FailedTGAllocs");
    } else {
      o.putObject("FailedTGAllocs").set(e.taskGroup, metric(e.failed));
    }
    o.putNull("ClassEligibility");
    o.put("EscapedComputedClass", false);
    o.put("AnnotatePlan", false);
    ObjectNode queued = o.putObject("QueuedAllocations");
    e.queued().forEach(queued::put);
    o.put("SnapshotIndex", e.createIndex);
    o.put("CreateIndex", e.createIndex);
    o.put("ModifyIndex", e.modifyIndex);
    o.put("CreateTime", e.createTimeNanos);
    o.put("ModifyTime", e.modifyTimeNanos);
    return o;
  }

  /** structs/alloc.go {@code AllocMetric}, as the "Read Evaluation" sample shows it. */
  private static ObjectNode metric(Placement.Metric m) {
    ObjectNode o = F.objectNode();
    o.put("AllocationTime", 4111);
    o.putNull("ClassExhausted");
    o.putNull("ClassFiltered");
    o.put("CoalescedFailures", 0);
    o.putNull("ConstraintFiltered");
    if (m.dimensionExhausted().isEmpty()) {
      o.putNull("DimensionExhausted");
    } else {
      ObjectNode dims = o.putObject("DimensionExhausted");
      m.dimensionExhausted().forEach(dims::put);
    }
    ObjectNode available = o.putObject("NodesAvailable");
    m.nodesAvailable().forEach(available::put);
    o.put("NodesEvaluated", m.nodesEvaluated());
    o.put("NodesExhausted", m.nodesExhausted());
    o.put("NodesFiltered", 0);
    o.put("NodesInPool", m.nodesInPool());
    o.putNull("QuotaExhausted");
    o.putNull("ResourcesExhausted");
    o.putNull("ScoreMetaData");
    o.putNull("Scores");
    return o;
  }

  static ArrayNode array() {
    return F.arrayNode();
  }
}
