package dev.laborchestrator.nomad;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.HttpApi;
import dev.laborchestrator.http.HttpApi.Exchange;
import dev.laborchestrator.http.HttpApi.Retries;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.http.JsonShapes;
import dev.laborchestrator.port.Allocation;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.DrainRequest;
import dev.laborchestrator.port.Evaluation;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NodeStub;
import dev.laborchestrator.port.NomadNode;
import dev.laborchestrator.port.NomadNodes;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@link NomadNodes} over Nomad's HTTP API ({@code /v1/nodes}, {@code /v1/node/:id}, its {@code
 * allocations}, {@code drain} and {@code eligibility}; {@code /v1/client/metadata}). Reads,
 * eligibility and metadata updates are retried on transient failures; a drain is sent once.
 */
public final class NomadHttpClient implements NomadNodes {
  private static final String[] NODE_FIELDS = {"ID", "Name", "Status"};

  private final HttpApi api;

  public NomadHttpClient(ApiSettings settings, HttpOptions options) {
    this(settings, options, null, null);
  }

  /**
   * @param region sent as {@code ?region=} when not null or blank ({@code NOMAD_REGION})
   * @param namespace sent as {@code ?namespace=} when not null or blank ({@code NOMAD_NAMESPACE})
   */
  public NomadHttpClient(
      ApiSettings settings, HttpOptions options, String region, String namespace) {
    this(new NomadConnection(settings, options, region, namespace));
  }

  /** Shares the connection (and its OkHttp client) with the other Nomad adapters. */
  public NomadHttpClient(NomadConnection connection) {
    this.api = connection.api();
  }

  @Override
  public List<NodeStub> listNodes() {
    return api.get(
        List.of("v1", "nodes"),
        body -> JsonShapes.listOf(body, "node", NodeStub.class, NODE_FIELDS));
  }

  @Override
  public Indexed<List<NodeStub>> listNodes(BlockingQuery query) {
    return api.getIndexed(
        List.of("v1", "nodes"),
        query,
        body -> JsonShapes.listOf(body, "node", NodeStub.class, NODE_FIELDS));
  }

  @Override
  public Indexed<NomadNode> readNode(String nodeId, BlockingQuery query) {
    return api.getIndexed(
        List.of("v1", "node", nodeId),
        query,
        body -> JsonShapes.objectOf(body, "node", NomadNode.class, NODE_FIELDS));
  }

  @Override
  public Indexed<List<Allocation>> nodeAllocations(String nodeId, BlockingQuery query) {
    return api.getIndexed(
        List.of("v1", "node", nodeId, "allocations"),
        query,
        body -> JsonShapes.listOf(body, "allocation", Allocation.class, "ID", "ClientStatus"));
  }

  /**
   * {@code GET /v1/nodes?resources=true}: command/agent/node_endpoint.go {@code NodesRequest} reads
   * {@code resources} into {@code NodeStubFields}, and structs.go {@code Node.Stub} copies {@code
   * NodeResources} and {@code ReservedResources} only then.
   */
  @Override
  public List<NodeStub> listNodesWithResources() {
    return api.getIndexed(
            List.of("v1", "nodes"),
            Map.of("resources", "true"),
            BlockingQuery.NONE,
            (method, path, header) -> {},
            body -> JsonShapes.listOf(body, "node", NodeStub.class, NODE_FIELDS))
        .value();
  }

  /**
   * {@code GET /v1/allocations} (allocations.mdx "List Allocations"): {@code resources=true} adds
   * {@code AllocatedResources}, {@code task_states=false} drops the bulky {@code TaskStates}
   * (command/agent/alloc_endpoint.go {@code AllocsRequest}); {@code namespace=*} lists every
   * namespace the token may {@code read-job} in (nomad/alloc_endpoint.go {@code List}), and
   * silently leaves out the others.
   */
  @Override
  public List<Allocation> listAllocations() {
    return api.getIndexed(
            List.of("v1", "allocations"),
            Map.of("resources", "true", "task_states", "false", "namespace", "*"),
            BlockingQuery.NONE,
            (method, path, header) -> {},
            body ->
                JsonShapes.listOf(
                    body, "allocation", Allocation.class, "ID", "NodeID", "ClientStatus"))
        .value();
  }

  /**
   * {@code GET /v1/evaluations?status=blocked&namespace=*} (evaluations.mdx "List Evaluations").
   * The legacy {@code status} parameter rather than {@code filter}: Nomad refuses the two together
   * (nomad/eval_endpoint.go {@code List}, {@code ErrIncompatibleFiltering}), and without {@code
   * per_page} the list is not paginated.
   */
  @Override
  public List<Evaluation> blockedEvaluations() {
    return api.getIndexed(
            List.of("v1", "evaluations"),
            Map.of("status", "blocked", "namespace", "*"),
            BlockingQuery.NONE,
            (method, path, header) -> {},
            body -> JsonShapes.listOf(body, "evaluation", Evaluation.class, "ID", "Status"))
        .value();
  }

  /**
   * {@code GET /v1/allocation/:id} (allocations.mdx "Read Allocation", ACL namespace {@code
   * read-job}); empty on 404, which Nomad answers for an unknown or garbage-collected ID and also
   * for an allocation in a namespace the token may not read (nomad/alloc_endpoint.go GetAlloc).
   */
  @Override
  public Optional<Allocation> readAllocation(String allocId) {
    try {
      return Optional.of(
          api.get(
              List.of("v1", "allocation", allocId),
              body ->
                  JsonShapes.objectOf(body, "allocation", Allocation.class, "ID", "ClientStatus")));
    } catch (ApiException e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public void drain(String nodeId, DrainRequest request) {
    DrainBody body =
        new DrainBody(
            new DrainSpec(request.deadline().toNanos(), request.ignoreSystemJobs()),
            false,
            request.meta());
    api.post(List.of("v1", "node", nodeId, "drain"), body, Retries.NONE);
  }

  @Override
  public void setEligibility(String nodeId, boolean eligible) {
    EligibilityBody body =
        new EligibilityBody(eligible ? NomadNode.ELIGIBLE : NomadNode.INELIGIBLE);
    api.post(List.of("v1", "node", nodeId, "eligibility"), body, Retries.TRANSIENT_FAILURES);
  }

  /**
   * Sent through the server ({@code node_id}), which forwards it to the node's client; retried on
   * transient failures, as a repeated write sets the same values.
   */
  @Override
  public void setNodeMeta(String nodeId, Map<String, String> meta) {
    Exchange exchange =
        new Exchange(
                "POST", List.of("v1", "client", "metadata"), Map.of(), new MetaBody(meta), Set.of())
            .query("node_id", nodeId);
    api.retry().run(() -> api.send(exchange, answer -> null));
  }

  @Override
  public String forcePeriodicLaunch(String jobId) {
    return api.send(
        new HttpApi.Exchange(
            "POST",
            List.of("v1", "job", jobId, "periodic", "force"),
            Map.of(),
            null,
            java.util.Set.of()),
        answer -> {
          com.fasterxml.jackson.databind.JsonNode eval = answer.json().path("EvalID");
          if (!eval.isTextual()) {
            throw new dev.laborchestrator.http.UnexpectedShape(
                "the periodic force answer has no EvalID");
          }
          return eval.asText();
        });
  }

  @Override
  public String toString() {
    return "NomadHttpClient[" + api + "]";
  }

  @JsonPropertyOrder({"DrainSpec", "MarkEligible", "Meta"})
  record DrainBody(
      @JsonProperty("DrainSpec") DrainSpec drainSpec,
      @JsonProperty("MarkEligible") boolean markEligible,
      @JsonProperty("Meta") Map<String, String> meta) {}

  @JsonPropertyOrder({"Deadline", "IgnoreSystemJobs"})
  record DrainSpec(
      @JsonProperty("Deadline") long deadline,
      @JsonProperty("IgnoreSystemJobs") boolean ignoreSystemJobs) {}

  /** structs.NodeMetaApplyRequest: a null value unsets its key, so nulls are sent as such. */
  record MetaBody(@JsonProperty("Meta") Map<String, String> meta) {}

  record EligibilityBody(@JsonProperty("Eligibility") String eligibility) {}
}
