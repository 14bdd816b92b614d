package dev.laborchestrator.rollout;

import dev.laborchestrator.port.NomadNode;
import java.util.Comparator;
import java.util.List;

/**
 * Which nodes could run the controller's successor when it hands its own node over. The criterion
 * is what the jobspec needs and the controller can see: the node is {@code ready}, eligible, not
 * draining, not the controller's own node, and its client fingerprinted the java driver (attribute
 * {@code driver.java = 1}, the task's driver). Datacenter, node pool and resource constraints of
 * the job are not checked: if none of these nodes fits them, Nomad blocks the successor's
 * evaluation and the run says so.
 */
public final class Successors {
  /** The attribute a Nomad client sets when its java driver is detected and healthy. */
  static final String JAVA_DRIVER = "driver.java";

  private Successors() {}

  public static boolean canRunController(NomadNode node, String ownNodeId) {
    return !node.id().equals(ownNodeId)
        && node.ready()
        && node.eligible()
        && !node.draining()
        && "1".equals(node.attributes().get(JAVA_DRIVER));
  }

  /** The names of the nodes that could run the controller, sorted. */
  public static List<String> among(List<NomadNode> nodes, String ownNodeId) {
    return nodes.stream()
        .filter(n -> canRunController(n, ownNodeId))
        .map(NomadNode::name)
        .sorted(Comparator.naturalOrder())
        .toList();
  }
}
