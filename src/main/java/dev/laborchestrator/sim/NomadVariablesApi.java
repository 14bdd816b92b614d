package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.GoJson.field;
import static dev.laborchestrator.sim.GoJson.requestObject;
import static dev.laborchestrator.sim.GoJson.stringField;
import static dev.laborchestrator.sim.GoJson.stringMap;
import static dev.laborchestrator.sim.GoJson.typeError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.laborchestrator.sim.ApiServer.Call;
import dev.laborchestrator.sim.ApiServer.Reply;
import dev.laborchestrator.sim.Variables.Lock;
import dev.laborchestrator.sim.Variables.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Nomad's {@code /v1/var/:path} and {@code /v1/vars} (website/content/api-docs/variables/
 * variables.mdx and locks.mdx; command/agent/variable_endpoint.go). The rules live in {@link
 * Variables}; this is the HTTP side: parameters, bodies, status codes and headers.
 *
 * <p>Documents are {@code structs.VariableDecrypted} as the agent's codec writes them: {@code
 * Namespace}, {@code Path}, {@code Lock} (omitted when empty), {@code CreateIndex}, {@code
 * CreateTime}, {@code ModifyIndex}, {@code ModifyTime} (unix nanoseconds), {@code Items} (omitted
 * when empty). Only a management token sees a variable's {@code Lock} in reads and lists, or in a
 * write's answer when it did not give the lock's ID itself.
 */
final class NomadVariablesApi {

  static final String VAR_PREFIX = "/v1/var/";
  static final String VARS = "/v1/vars";

  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final String ACQUIRE = "lock-acquire";
  private static final String RENEW = "lock-renew";
  private static final String RELEASE = "lock-release";

  private final ApiServer api;
  private final Cluster cluster;

  NomadVariablesApi(ApiServer api, Cluster cluster) {
    this.api = api;
    this.cluster = cluster;
  }

  /** variables.mdx "List Variables": metadata only, sorted by namespace and path. */
  Reply list(Call call, boolean management) throws InterruptedException {
    if (!"GET".equals(call.method())) {
      throw new ApiError(405, NomadApi.INVALID_METHOD);
    }
    String prefix = call.param("prefix") == null ? "" : call.param("prefix");
    String namespace = requestNamespace(call);
    Cluster.Read<ArrayNode> read =
        api.blockingRead(
            call,
            c -> c.variablesLocked().tableIndex(),
            c -> {
              ArrayNode list = F.arrayNode();
              c.variablesLocked()
                  .list(namespace, prefix)
                  .forEach(v -> list.add(render(v, false, management)));
              return list;
            });
    return Reply.json(200, read.value(), NomadViews.queryMeta(read.index()));
  }

  /** variable_endpoint.go VariableSpecificRequest. */
  Reply specific(Call call, boolean management) throws InterruptedException {
    String path = call.path().substring(VAR_PREFIX.length());
    if (path.isEmpty()) {
      throw new ApiError(400, "missing variable path");
    }
    switch (call.method()) {
      case "GET":
        return read(call, path, management);
      case "PUT":
      case "POST":
        String operation = lockOperation(call);
        String cas = call.param("cas");
        if (cas != null && !cas.isEmpty() && operation != null) {
          throw new ApiError(400, "CAS can't be used with lock operations");
        }
        if (operation == null) {
          return upsert(call, path, management);
        }
        return operation.equals(RENEW) ? renew(call, path) : lockOperation(call, path, operation);
      case "DELETE":
        return delete(call, path);
      default:
        throw new ApiError(400, NomadApi.INVALID_METHOD); // sic: 400, not 405
    }
  }

  /** variables.mdx "Read Variable": blocks on the variable's ModifyIndex; 404 when absent. */
  private Reply read(Call call, String path, boolean management) throws InterruptedException {
    String namespace = requestNamespace(call);
    Cluster.Read<ObjectNode> read =
        api.blockingRead(
            call,
            c -> c.variablesLocked().indexOf(namespace, path),
            c -> {
              Variable variable = c.variablesLocked().get(namespace, path);
              return variable == null ? null : render(variable, true, management);
            });
    Map<String, String> meta = NomadViews.queryMeta(read.index());
    if (read.value() == null) {
      Reply notFound = Reply.text(404, "variable not found");
      return new Reply(404, meta, notFound.contentType(), notFound.body());
    }
    return Reply.json(200, read.value(), meta);
  }

  /**
   * variables.mdx "Create Variable": needs Items; with {@code ?cas=} a check-and-set (0: only if
   * absent). A conflict is 409 with the conflicting variable (Items included, the token may read
   * them) and its ModifyIndex as {@code X-Nomad-Index}.
   */
  private Reply upsert(Call call, String path, boolean management) {
    Variables.Request request = request(call, path);
    if (request.items() == null || request.items().isEmpty()) {
      throw new ApiError(400, "variable missing required Items object");
    }
    Long cas = cas(call);
    Variables.Result result =
        cluster.locked(c -> c.variablesLocked().set(request, cas, c.nowMillis()));
    if (result.conflict() != null) {
      return conflict(result.conflict(), true);
    }
    // A write that carried a Lock block either gave the held lock's ID or made the lock itself.
    return written(result, request.lock() != null || management);
  }

  /**
   * locks.mdx "Lock Variable", acquire and release. A conflict (held by another lock ID, or a
   * release with the wrong ID) is 409 with a zero-value variable, and without {@code
   * X-Nomad-Index}: the handler sets it only after the status line is out.
   */
  private Reply lockOperation(Call call, String path, String operation) {
    Variables.Request request = request(call, path);
    Variables.Result result =
        cluster.locked(
            c ->
                operation.equals(ACQUIRE)
                    ? c.variablesLocked().acquire(request, c.nowMillis())
                    : c.variablesLocked().release(request, c.nowMillis()));
    if (result.conflict() != null) {
      return conflict(result.conflict(), false);
    }
    return written(result, true);
  }

  /**
   * locks.mdx {@code lock-renew}: the body's {@code Lock.ID} renews the lease; the variable is
   * found in the query's namespace only (the handler ignores the body's). The answer is the
   * variable's metadata with its lock, and has no {@code X-Nomad-Index}.
   */
  private Reply renew(Call call, String path) {
    Variables.Request request = request(call, path);
    String lockId = request.lock() == null ? "" : request.lock().id();
    String namespace = requestNamespace(call);
    Variable renewed =
        cluster.locked(c -> c.variablesLocked().renew(namespace, path, lockId, c.nowMillis()));
    return Reply.json(200, render(renewed, false, true), Map.of());
  }

  /** variables.mdx "Delete Variable": 204 without a body; a CAS conflict as for a write. */
  private Reply delete(Call call, String path) {
    Long cas = cas(call);
    String namespace = requestNamespace(call);
    Variables.Result result =
        cluster.locked(c -> c.variablesLocked().delete(namespace, path, cas, c.nowMillis()));
    if (result.conflict() != null) {
      return conflict(result.conflict(), true);
    }
    return new Reply(204, index(result.index()), "application/json", new byte[0]);
  }

  // ---- requests ----

  /**
   * The body as {@code structs.VariableDecrypted}; the path is always the URL's. The body's
   * Namespace, when set, wins over {@code ?namespace=} (variables_endpoint.go Apply takes the
   * variable's own namespace first).
   */
  private static Variables.Request request(Call call, String path) {
    JsonNode body = requestObject(ApiServer.jsonBody(call), "structs.VariableDecrypted");
    String namespace = stringField(body, "Namespace");
    if (namespace.isEmpty()) {
      namespace = requestNamespace(call);
    }
    return new Variables.Request(namespace, path, stringMap(body, "Items"), lock(body));
  }

  /**
   * structs.VariableLock.UnmarshalJSON: TTL and LockDelay are Go duration strings, or numbers of
   * nanoseconds; values of other types are ignored.
   */
  private static Lock lock(JsonNode body) {
    JsonNode lock = field(body, "Lock");
    if (lock == null || lock.isNull()) {
      return null;
    }
    if (!lock.isObject()) {
      throw typeError("Lock", "structs.VariableLock", lock);
    }
    return new Lock(
        stringField(lock, "ID"), duration(field(lock, "TTL")), duration(field(lock, "LockDelay")));
  }

  private static long duration(JsonNode value) {
    if (value == null) {
      return 0;
    }
    if (value.isNumber()) {
      return (long) value.asDouble();
    }
    if (!value.isTextual() || value.asText().isEmpty()) {
      return 0;
    }
    try {
      return GoDuration.parseNanos(value.asText());
    } catch (IllegalArgumentException e) {
      throw new ApiError(400, "time: invalid duration \"" + value.asText() + "\"");
    }
  }

  /** variable_endpoint.go getLockOperation: the parameter's presence counts, not its value. */
  private static String lockOperation(Call call) {
    List<String> present = new ArrayList<>();
    for (String operation : List.of(RENEW, ACQUIRE, RELEASE)) {
      if (call.query().containsKey(operation)) {
        present.add(operation);
      }
    }
    if (present.size() > 1) {
      throw new ApiError(400, "multiple lock operations");
    }
    return present.isEmpty() ? null : present.get(0);
  }

  /** variable_endpoint.go parseCAS: null when {@code cas} is absent or empty. */
  private static Long cas(Call call) {
    String cas = call.param("cas");
    if (cas == null || cas.isEmpty()) {
      return null;
    }
    try {
      return Long.parseUnsignedLong(cas);
    } catch (NumberFormatException e) {
      throw new ApiError(
          400, "can not parse cas: strconv.ParseUint: parsing \"" + cas + "\": invalid syntax");
    }
  }

  /** command/agent/http.go parseNamespace. */
  private static String requestNamespace(Call call) {
    String namespace = call.param("namespace");
    return namespace == null || namespace.isEmpty() ? Variables.DEFAULT_NAMESPACE : namespace;
  }

  // ---- answers ----

  /**
   * A write's answer: the written metadata with the request's items, and the lock only when the
   * caller holds it or has a management token (variables_endpoint.go isCallerOwner).
   */
  private static Reply written(Variables.Result result, boolean showLock) {
    return Reply.json(200, render(result.output(), true, showLock), index(result.index()));
  }

  /**
   * A 409. The conflicting variable is shown as the state store returned it, lock included even to
   * a token that could not read it otherwise (variables_endpoint.go makeVariablesApplyResponse
   * strips locks only from successful writes).
   */
  private static Reply conflict(Variable conflict, boolean withIndex) {
    return Reply.json(
        409, render(conflict, true, true), withIndex ? index(conflict.modifyIndex) : Map.of());
  }

  static ObjectNode render(Variable variable, boolean withItems, boolean withLock) {
    ObjectNode o = F.objectNode();
    o.put("Namespace", variable.namespace);
    o.put("Path", variable.path);
    if (withLock && variable.lock != null) {
      ObjectNode lock = o.putObject("Lock");
      lock.put("TTL", GoDuration.format(variable.lock.ttlNanos()));
      lock.put("LockDelay", GoDuration.format(variable.lock.delayNanos()));
      lock.put("ID", variable.lock.id());
    }
    o.put("CreateIndex", variable.createIndex);
    o.put("CreateTime", variable.createTime);
    o.put("ModifyIndex", variable.modifyIndex);
    o.put("ModifyTime", variable.modifyTime);
    if (withItems && variable.items != null && !variable.items.isEmpty()) {
      ObjectNode items = o.putObject("Items");
      variable.items.forEach(items::put);
    }
    return o;
  }

  private static Map<String, String> index(long index) {
    return Map.of("X-Nomad-Index", Long.toString(index));
  }
}
