package dev.laborchestrator.port;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Nomad's node API as the controller uses it. Implementations turn HTTP and shape problems into
 * {@link ApiException}; reads may be retried by the implementation, writes only where Nomad makes
 * them idempotent (a repeated drain or eligibility update is).
 */
public interface NomadNodes {
  /** {@code GET /v1/nodes}. */
  List<NodeStub> listNodes();

  /**
   * {@code GET /v1/nodes}, blocking when {@code query} asks for it: returns once any node changed.
   * Each stub's {@code ModifyIndex} tells which nodes did. The default reads at once (index 0).
   */
  default Indexed<List<NodeStub>> listNodes(BlockingQuery query) {
    return new Indexed<>(listNodes(), 0);
  }

  /** {@code GET /v1/node/:id}, blocking when {@code query} asks for it. */
  Indexed<NomadNode> readNode(String nodeId, BlockingQuery query);

  /** {@code GET /v1/node/:id/allocations}, blocking when {@code query} asks for it. */
  Indexed<List<Allocation>> nodeAllocations(String nodeId, BlockingQuery query);

  /**
   * {@code GET /v1/nodes?resources=true}: every node's stub with its {@code NodeResources} and
   * {@code ReservedResources} (api/nodes.go {@code NodeListStub}, filled only when the {@code
   * resources} field is asked for; structs.go {@code Node.Stub}). What a capacity check reads.
   */
  default List<NodeStub> listNodesWithResources() {
    throw new UnsupportedOperationException("listing node resources is not supported here");
  }

  /**
   * {@code GET /v1/allocations?resources=true&task_states=false&namespace=*}: the stub of every
   * allocation of every namespace the token may read, with its {@code NodeID}, {@code JobType} and
   * {@code AllocatedResources}. Terminal allocations are included until Nomad garbage-collects
   * them.
   */
  default List<Allocation> listAllocations() {
    throw new UnsupportedOperationException("listing allocations is not supported here");
  }

  /**
   * {@code GET /v1/evaluations?status=blocked&namespace=*}: the evaluations waiting for room
   * (api-docs/evaluations.mdx "List Evaluations").
   */
  default List<Evaluation> blockedEvaluations() {
    throw new UnsupportedOperationException("listing blocked evaluations is not supported here");
  }

  /**
   * {@code GET /v1/allocation/:id}; empty when Nomad does not know the ID (garbage-collected, or in
   * a namespace the token may not read).
   */
  default Optional<Allocation> readAllocation(String allocId) {
    throw new UnsupportedOperationException("reading an allocation is not supported here");
  }

  /** {@code POST /v1/node/:id/drain} with a drain spec and {@code MarkEligible: false}. */
  void drain(String nodeId, DrainRequest request);

  /** {@code POST /v1/node/:id/eligibility}. Nomad refuses it while the node is draining. */
  void setEligibility(String nodeId, boolean eligible);

  /**
   * {@code POST /v1/job/:job_id/periodic/force}: launches a child of the periodic job {@code jobId}
   * now, even while another child runs ({@code prohibit_overlap} is only checked for scheduled
   * launches). Sent once: a repeat would launch a second child. Returns the evaluation's ID.
   */
  default String forcePeriodicLaunch(String jobId) {
    throw new UnsupportedOperationException("forcing a periodic launch is not supported here");
  }

  /**
   * {@code POST /v1/client/metadata?node_id=}: sets the node's dynamic metadata (Nomad 1.5+, needs
   * {@code node:write}). Only the keys given change; a null value unsets its key. The node's client
   * applies it and re-registers the node, so the write fails while the client is down. Idempotent.
   *
   * <p>A default that refuses, so that fakes which never show progress on the node need not
   * implement it; callers treat any runtime exception as a failed write.
   */
  default void setNodeMeta(String nodeId, Map<String, String> meta) {
    throw new UnsupportedOperationException("dynamic node metadata is not supported here");
  }
}
