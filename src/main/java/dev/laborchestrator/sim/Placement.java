package dev.laborchestrator.sim;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Where the scheduler may put an allocation of a job, roughly as Nomad's service scheduler decides
 * it:
 *
 * <ul>
 *   <li>scheduler/util.go {@code readyNodesInDCsAndPool}: only nodes of the job's node pool, and of
 *       them those that are {@code Ready()} (structs.go: status ready, no drain strategy, eligible)
 *       and in one of the job's datacenters;
 *   <li>scheduler/feasible/feasible.go {@code HostVolumeChecker}: a job pinned to its node by a
 *       host volume only that node has is feasible there only;
 *   <li>scheduler/feasible/rank.go {@code BinPackIterator} with structs/funcs.go {@code AllocsFit}:
 *       the node's {@code NodeResources} minus its {@code ReservedResources} must hold the
 *       allocations that are not client-terminal plus the new one, CPU first, then memory; a node
 *       that does not is "exhausted" in that dimension (structs/alloc.go {@code ExhaustedNode}).
 * </ul>
 *
 * Nomad then scores the feasible nodes (binpack by default); the sim takes the one with the fewest
 * active allocations instead, which keeps later drains short and the choice deterministic.
 */
final class Placement {

  private Placement() {}

  /**
   * {@code FailedTGAllocs[group]} of an evaluation (structs/alloc.go {@code AllocMetric}): nodes
   * evaluated, exhausted, in the pool, available per datacenter, and exhausted per dimension.
   */
  record Metric(
      int nodesEvaluated,
      int nodesExhausted,
      int nodesInPool,
      Map<String, Integer> nodesAvailable,
      Map<String, Integer> dimensionExhausted) {}

  /** The chosen node, or null with the metric that says why none fit. */
  record Result(NodeModel target, Metric metric) {}

  static Result choose(
      Collection<NodeModel> nodes, Function<String, List<AllocModel>> allocsOn, AllocModel job) {
    List<NodeModel> inPool =
        nodes.stream()
            .filter(
                n ->
                    "all".equals(job.spec.nodePool())
                        || n.capacity.nodePool.equals(job.spec.nodePool()))
            .toList();
    List<NodeModel> ready =
        inPool.stream()
            .filter(NodeModel::schedulable)
            .filter(n -> n.capacity.datacenter.equals(job.spec.datacenter()))
            // A host volume only the original node has: no other node is feasible.
            .filter(n -> !job.spec.pinned() || n.id.equals(job.nodeId))
            .toList();
    Map<String, Integer> available = new LinkedHashMap<>();
    available.put(job.spec.datacenter(), ready.size());
    Map<String, Integer> dimensions = new TreeMap<>();
    NodeModel best = null;
    long bestLoad = Long.MAX_VALUE;
    int exhausted = 0;
    for (NodeModel node : ready) {
      List<AllocModel> active =
          allocsOn.apply(node.id).stream().filter(AllocModel::active).toList();
      String dimension = exhaustedDimension(node, active, job);
      if (dimension != null) {
        exhausted++;
        dimensions.merge(dimension, 1, Integer::sum);
      } else if (active.size() < bestLoad) {
        best = node;
        bestLoad = active.size();
      }
    }
    Metric metric =
        new Metric(ready.size(), exhausted, inPool.size(), available, Map.copyOf(dimensions));
    return new Result(best, metric);
  }

  /** structs.go {@code ComparableResources.Superset}: "cpu", then "memory"; null when it fits. */
  static String exhaustedDimension(NodeModel node, List<AllocModel> active, AllocModel job) {
    NodeModel.Capacity c = node.capacity;
    long cpu = job.spec.cpuShares() + active.stream().mapToLong(a -> a.spec.cpuShares()).sum();
    long memory = job.spec.memoryMB() + active.stream().mapToLong(a -> a.spec.memoryMB()).sum();
    if (cpu > c.cpuShares - c.reservedCpuShares) {
      return "cpu";
    }
    if (memory > c.memoryMB - c.reservedMemoryMB) {
      return "memory";
    }
    return null;
  }
}
