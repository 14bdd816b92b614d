package dev.laborchestrator.rollout;

import dev.laborchestrator.port.Allocation;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.NodeStub;
import dev.laborchestrator.port.NomadNodes;
import dev.laborchestrator.port.Resources;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Whether the work a drain will move off a node has somewhere to go: Nomad drains regardless, and
 * what does not fit waits as a blocked evaluation while the host is out of service. Checked before
 * each drain, with two reads: {@code GET /v1/nodes?resources=true} and {@code GET
 * /v1/allocations?resources=true&task_states=false&namespace=*}.
 *
 * <p>What moves: the node's allocations that are not terminal on their client, still meant to run,
 * and of a {@code service} job. Allocations of {@code system} and {@code sysbatch} jobs are stopped
 * and not replaced; those of {@code batch} jobs run until they finish or the drain's deadline and
 * are not replaced either (commands/node/drain.mdx; nomad/drainer/watch_jobs.go {@code
 * handleTaskGroup} never marks a batch allocation to drain). Allocations still to move off the
 * other out-of-service nodes of the same pool and datacenter (a drain under way) need room too, and
 * are counted with them.
 *
 * <p>Where it may go: the other nodes of the same node pool and datacenter that are ready,
 * eligible, not draining and not out of service. A node's room is its {@code NodeResources} minus
 * its {@code ReservedResources} minus what its allocations that are not terminal on their client
 * hold, in CPU MHz and memory MB (structs/funcs.go {@code AllocsFit} skips only {@code
 * ClientTerminalStatus} allocations).
 *
 * <p>Allocations cannot be split, so this packs them, first-fit decreasing (larger memory first,
 * then larger CPU) into the nodes in ID order. When that succeeds it has found a placement, so it
 * never accepts a drain whose allocations have no placement in CPU and memory. It is not exact: it
 * may refuse when a placement exists (rooms of 12 and 12 GB, allocations of 5, 5, 4, 4, 3 and 3 GB:
 * first-fit decreasing strands a 3 where 5+4+3 twice fits), which costs a wait, never an outage.
 * Exact packing is NP-hard and the lists are long. What it does not see: ports, devices, disk,
 * constraints, affinities and spreads, quotas, and allocations in namespaces the token may not read
 * (Nomad leaves them out of the list); Nomad's own placement is greedy too and may fail where this
 * found room. The blocked evaluations watched during the drain catch those.
 */
public final class Capacity {

  private Capacity() {}

  /**
   * Why {@code nodeId} must not be drained now, or empty when what the drain moves fits on the
   * remaining nodes (or nothing moves).
   *
   * @param outOfServiceNodeIds nodes that are out of service or about to be (draining, rebooting):
   *     not a place to move to, and what they still have to move counts as well
   */
  public static Optional<String> refusal(
      NomadNodes nomad, String nodeId, Set<String> outOfServiceNodeIds) {
    // The host's own allocations first (one small read): most hosts that move nothing (only batch
    // or system work) need no look at the rest of the cluster.
    boolean movesAny =
        nomad.nodeAllocations(nodeId, BlockingQuery.NONE).value().stream()
            .anyMatch(Capacity::moves);
    if (!movesAny) {
      return Optional.empty();
    }
    List<NodeStub> nodes = nomad.listNodesWithResources();
    NodeStub host = nodes.stream().filter(n -> n.id().equals(nodeId)).findFirst().orElse(null);
    if (host == null) {
      return Optional.of(
          "node " + nodeId + " is not in Nomad's node list, so the room for its work is unknown");
    }
    List<Allocation> allocations = nomad.listAllocations();
    List<Allocation> moving =
        allocations.stream()
            .filter(a -> a.nodeId().equals(nodeId))
            .filter(Capacity::moves)
            .toList();
    if (moving.isEmpty()) {
      return Optional.empty();
    }
    List<NodeStub> peers =
        nodes.stream()
            .filter(n -> !n.id().equals(nodeId))
            .filter(n -> Objects.equals(n.nodePool(), host.nodePool()))
            .filter(n -> Objects.equals(n.datacenter(), host.datacenter()))
            .toList();
    Set<String> leaving =
        peers.stream()
            .map(NodeStub::id)
            .filter(outOfServiceNodeIds::contains)
            .collect(java.util.stream.Collectors.toSet());
    List<Allocation> alsoMoving =
        allocations.stream()
            .filter(a -> leaving.contains(a.nodeId()))
            .filter(Capacity::moves)
            .toList();
    List<NodeStub> targets =
        peers.stream()
            .filter(n -> !outOfServiceNodeIds.contains(n.id()))
            .filter(n -> "ready".equals(n.status()) && n.eligible() && !n.drain())
            .sorted(Comparator.comparing(NodeStub::id))
            .toList();

    Map<String, Resources> held = new HashMap<>();
    for (Allocation a : allocations) {
      if (!a.clientTerminal()) {
        held.merge(a.nodeId(), a.resources(), Resources::plus);
      }
    }
    List<Resources> rooms = new ArrayList<>();
    for (NodeStub n : targets) {
      rooms.add(
          n.nodeResources()
              .minus(n.reservedResources())
              .minus(held.getOrDefault(n.id(), Resources.NONE)));
    }
    List<Resources> largestRooms = List.copyOf(rooms);

    List<Allocation> demand = new ArrayList<>(moving);
    demand.addAll(alsoMoving);
    demand.sort(
        Comparator.comparingLong((Allocation a) -> a.resources().memoryMB())
            .thenComparingLong(a -> a.resources().cpuShares())
            .reversed());
    Allocation stranded = null;
    for (Allocation a : demand) {
      int at = firstFit(rooms, a.resources());
      if (at < 0) {
        stranded = a;
        break;
      }
      rooms.set(at, rooms.get(at).minus(a.resources()));
    }
    if (stranded == null) {
      return Optional.empty();
    }
    return Optional.of(
        describe(host, moving, alsoMoving, leaving.size(), targets.size(), largestRooms, stranded));
  }

  /** Whether a drain moves it elsewhere: a live allocation of a service job. */
  static boolean moves(Allocation a) {
    return !a.clientTerminal() && "run".equals(a.desiredStatus()) && !a.system() && !a.batch();
  }

  private static int firstFit(List<Resources> rooms, Resources need) {
    for (int i = 0; i < rooms.size(); i++) {
      if (rooms.get(i).holds(need)) {
        return i;
      }
    }
    return -1;
  }

  private static String describe(
      NodeStub host,
      List<Allocation> moving,
      List<Allocation> alsoMoving,
      int leavingNodes,
      int targets,
      List<Resources> rooms,
      Allocation stranded) {
    StringBuilder text =
        new StringBuilder("its ")
            .append(count(moving.size(), "allocation"))
            .append(" (")
            .append(amount(total(moving)))
            .append(")");
    if (!alsoMoving.isEmpty()) {
      text.append(" and the ")
          .append(count(alsoMoving.size(), "allocation"))
          .append(" (")
          .append(amount(total(alsoMoving)))
          .append(") still to move off ")
          .append(count(leavingNodes, "other node"))
          .append(" out of service");
    }
    String where = " of pool " + host.nodePool() + " in " + host.datacenter();
    if (targets == 0) {
      return text.append(" have nowhere to go: no other node")
          .append(where)
          .append(" is ready, eligible and in service")
          .toString();
    }
    long cpu = rooms.stream().mapToLong(Resources::cpuShares).max().orElse(0);
    long memory = rooms.stream().mapToLong(Resources::memoryMB).max().orElse(0);
    return text.append(" do not fit on the ")
        .append(count(targets, "other ready node"))
        .append(where)
        .append(" (largest room ")
        .append(amount(Resources.of(Math.max(0, cpu), Math.max(0, memory))))
        .append("; ")
        .append(stranded.name() == null ? stranded.id() : stranded.name())
        .append(" (")
        .append(amount(stranded.resources()))
        .append(") is the first left without room, larger ones placed first)")
        .toString();
  }

  private static Resources total(List<Allocation> allocations) {
    return allocations.stream().map(Allocation::resources).reduce(Resources.NONE, Resources::plus);
  }

  private static String amount(Resources r) {
    return r.cpuShares() + " MHz, " + r.memoryMB() + " MB";
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
