package dev.laborchestrator.rollout;

import dev.laborchestrator.port.AllocatedResources;
import dev.laborchestrator.port.Allocation;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.DeploymentStatus;
import dev.laborchestrator.port.DrainRequest;
import dev.laborchestrator.port.Evaluation;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NodeStub;
import dev.laborchestrator.port.NomadNode;
import dev.laborchestrator.port.NomadNodes;
import dev.laborchestrator.port.Resources;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The reads of the capacity, blocked-evaluation and replacement checks, served from lists a test
 * fills; it counts the requests. Writes are not supported.
 */
final class FakeNomadReads implements NomadNodes {
  final List<NodeStub> nodes = new ArrayList<>();
  final List<Allocation> allocations = new ArrayList<>();
  final Map<String, Allocation> byId = new LinkedHashMap<>();
  final List<Evaluation> evaluations = new ArrayList<>();
  int requests;

  /** A node of pool {@code pool} in {@code dc} with {@code cpu} MHz and {@code memory} MB free. */
  FakeNomadReads node(String id, String pool, String dc, long cpu, long memory) {
    return node(id, pool, dc, "ready", NomadNode.ELIGIBLE, false, cpu, memory);
  }

  FakeNomadReads node(
      String id,
      String pool,
      String dc,
      String status,
      String eligibility,
      boolean drain,
      long cpu,
      long memory) {
    // 100 MHz and 256 MB reserved, so that a check that forgets the reservation sees more room
    nodes.add(
        new NodeStub(
            id,
            id,
            "10.0.0.1",
            dc,
            status,
            eligibility,
            drain,
            1,
            pool,
            Resources.of(cpu + 100, memory + 256),
            Resources.of(100, 256)));
    return this;
  }

  /** An allocation of a job of {@code type} on {@code nodeId}. */
  FakeNomadReads alloc(
      String id, String nodeId, String type, String clientStatus, long cpu, long mb) {
    add(allocation(id, nodeId, type, clientStatus, "run", cpu, mb, null, false, ""));
    return this;
  }

  void add(Allocation a) {
    allocations.add(a);
    byId.put(a.id(), a);
  }

  static Allocation allocation(
      String id,
      String nodeId,
      String type,
      String clientStatus,
      String desiredStatus,
      long cpu,
      long mb,
      Boolean healthy,
      boolean migrate,
      String next) {
    return allocation(
        id, nodeId, type, clientStatus, desiredStatus, cpu, mb, healthy, migrate, next, 1000);
  }

  /** As above, last modified at raft index {@code modifyIndex}. */
  static Allocation allocation(
      String id,
      String nodeId,
      String type,
      String clientStatus,
      String desiredStatus,
      long cpu,
      long mb,
      Boolean healthy,
      boolean migrate,
      String next,
      long modifyIndex) {
    return new Allocation(
        id,
        id + ".app[0]",
        nodeId,
        "job-" + id,
        new Allocation.Job("job-" + id, type),
        clientStatus,
        desiredStatus,
        "app",
        new AllocatedResources(Map.of("app", Resources.of(cpu, mb))),
        new DeploymentStatus(healthy),
        "",
        next,
        null,
        new Allocation.DesiredTransition(migrate ? true : null),
        modifyIndex);
  }

  @Override
  public List<NodeStub> listNodes() {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<NodeStub> listNodesWithResources() {
    requests++;
    return List.copyOf(nodes);
  }

  @Override
  public List<Allocation> listAllocations() {
    requests++;
    return List.copyOf(allocations);
  }

  @Override
  public List<Evaluation> blockedEvaluations() {
    requests++;
    return List.copyOf(evaluations); // as the server answered, whatever its statuses
  }

  @Override
  public Optional<Allocation> readAllocation(String allocId) {
    requests++;
    return Optional.ofNullable(byId.get(allocId));
  }

  @Override
  public Indexed<NomadNode> readNode(String nodeId, BlockingQuery query) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Indexed<List<Allocation>> nodeAllocations(String nodeId, BlockingQuery query) {
    requests++;
    return new Indexed<>(allocations.stream().filter(a -> a.nodeId().equals(nodeId)).toList(), 1);
  }

  @Override
  public void drain(String nodeId, DrainRequest request) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void setEligibility(String nodeId, boolean eligible) {
    throw new UnsupportedOperationException();
  }
}
