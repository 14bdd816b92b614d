package dev.laborchestrator.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Nomad endpoints a capacity check reads: {@code GET /v1/allocations} (api-docs/allocations.mdx
 * "List Allocations": {@code resources}, {@code task_states}, {@code prefix}), {@code GET
 * /v1/evaluations} (api-docs/evaluations.mdx "List Evaluations": {@code status}, {@code job},
 * {@code filter}) and {@code GET /v1/evaluation/:id}. All block on their table's index. ACLs: both
 * tokens of the sim may read jobs.
 */
final class CapacityApi {

  private static final String ALLOCATIONS = "/v1/allocations";
  private static final String EVALUATIONS = "/v1/evaluations";
  private static final String EVALUATION_PREFIX = "/v1/evaluation/";

  /** The one filter form simulated: {@code Status == "<status>"} (or {@code !=}). */
  private static final Pattern STATUS_FILTER =
      Pattern.compile("\\s*Status\\s*(==|!=)\\s*\"([a-z]+)\"\\s*");

  private CapacityApi() {}

  static boolean handles(String path) {
    return path.equals(ALLOCATIONS)
        || path.equals(EVALUATIONS)
        || (path.startsWith(EVALUATION_PREFIX) && path.length() > EVALUATION_PREFIX.length());
  }

  static ApiServer.Reply route(ApiServer api, ApiServer.Call call) throws InterruptedException {
    NomadApi.requireMethod(call, "GET");
    String path = call.path();
    if (path.equals(ALLOCATIONS)) {
      return allocations(api, call);
    }
    if (path.equals(EVALUATIONS)) {
      return evaluations(api, call);
    }
    return evaluation(api, call, path.substring(EVALUATION_PREFIX.length()));
  }

  /**
   * command/agent/alloc_endpoint.go {@code AllocsRequest}: {@code resources=true} adds {@code
   * AllocatedResources} to each stub, {@code task_states=false} leaves out {@code TaskStates}.
   */
  private static ApiServer.Reply allocations(ApiServer api, ApiServer.Call call)
      throws InterruptedException {
    boolean withResources = NomadApi.parseBool(call, "resources");
    String states = call.param("task_states");
    boolean withTaskStates =
        states == null || states.isEmpty() || NomadApi.parseBool(call, "task_states");
    String prefix = call.param("prefix") == null ? "" : call.param("prefix");
    Cluster.Read<ArrayNode> read =
        api.blockingRead(
            call,
            Cluster::allocsTableIndexLocked,
            c -> {
              ArrayNode list = JsonNodeFactory.instance.arrayNode();
              c.allocsLocked().stream()
                  .filter(a -> a.id.startsWith(prefix))
                  .forEach(
                      a -> list.add(CapacityViews.allocStub(a, withResources, withTaskStates)));
              return list;
            });
    return ApiServer.Reply.json(200, read.value(), NomadViews.queryMeta(read.index()));
  }

  /**
   * nomad/eval_endpoint.go {@code List}: {@code status} and {@code job} filter the list; a {@code
   * filter} expression together with either is refused (structs/errors.go {@code
   * ErrIncompatibleFiltering}, a 400). Of bexpr, only {@code Status == "x"} and {@code Status !=
   * "x"} are simulated; any other expression is refused with a 400 that says so.
   */
  private static ApiServer.Reply evaluations(ApiServer api, ApiServer.Call call)
      throws InterruptedException {
    String status = blankToNull(call.param("status"));
    String job = blankToNull(call.param("job"));
    String filter = blankToNull(call.param("filter"));
    if (filter != null && (status != null || job != null)) {
      throw new ApiError(400, "Filter expression cannot be used with other filter parameters");
    }
    String wanted = status;
    boolean negate = false;
    if (filter != null) {
      Matcher m = STATUS_FILTER.matcher(filter);
      if (!m.matches()) {
        throw new ApiError(400, "sim: only filter=Status == \"<status>\" is simulated: " + filter);
      }
      negate = m.group(1).equals("!=");
      wanted = m.group(2);
    }
    String statusWanted = wanted;
    boolean not = negate;
    Cluster.Read<ArrayNode> read =
        api.blockingRead(
            call,
            Cluster::evalsIndexLocked,
            c -> {
              ArrayNode list = JsonNodeFactory.instance.arrayNode();
              c.evalsLocked().stream()
                  .filter(e -> statusWanted == null || e.status.equals(statusWanted) != not)
                  .filter(e -> job == null || e.jobId.equals(job))
                  .forEach(e -> list.add(CapacityViews.eval(e)));
              return list;
            });
    return ApiServer.Reply.json(200, read.value(), NomadViews.queryMeta(read.index()));
  }

  /** evaluations.mdx "Read Evaluation"; an unknown ID is 404 "eval not found". */
  private static ApiServer.Reply evaluation(ApiServer api, ApiServer.Call call, String id)
      throws InterruptedException {
    Cluster.Read<EvalModel> read =
        api.blockingRead(
            call,
            Cluster::evalsIndexLocked,
            c -> c.evalsLocked().stream().filter(e -> e.id.equals(id)).findFirst().orElse(null));
    if (read.value() == null) {
      return ApiServer.Reply.text(404, "eval not found");
    }
    return ApiServer.Reply.json(
        200,
        api.cluster.locked(c -> CapacityViews.eval(read.value())),
        NomadViews.queryMeta(read.index()));
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
