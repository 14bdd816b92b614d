package dev.laborchestrator.nomad;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.laborchestrator.http.HttpApi;
import dev.laborchestrator.http.HttpApi.Answer;
import dev.laborchestrator.http.HttpApi.Exchange;
import dev.laborchestrator.http.JsonShapes;
import dev.laborchestrator.http.RetryPolicy;
import dev.laborchestrator.http.UnexpectedShape;
import dev.laborchestrator.port.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One Nomad Variable, {@code /v1/var/:path?namespace=}: the requests and answer shapes of Nomad's
 * Variables and Locks APIs that {@link NomadVariables} and {@link NomadVariableLock} use. Every
 * request here is sent once; the callers decide what may be repeated.
 */
final class VariableResource {
  /** Nomad's rule for variable paths: RFC 3986 unreserved characters and '/', 1..128 bytes. */
  private static final Pattern VALID_PATH = Pattern.compile("^[a-zA-Z0-9_~/-]{1,128}$");

  private final HttpApi api;
  private final String namespace;
  private final String path;
  private final List<String> segments;

  VariableResource(NomadConnection connection, String path) {
    if (path == null
        || !VALID_PATH.matcher(path).matches()
        || path.startsWith("/")
        || path.endsWith("/")
        || path.contains("//")) {
      throw new IllegalArgumentException(
          "not a Nomad variable path: "
              + path
              + " (letters, digits, - _ ~ and / between segments, at most 128)");
    }
    this.api = connection.api();
    this.namespace = connection.namespace();
    this.path = path;
    List<String> all = new ArrayList<>(List.of("v1", "var"));
    all.addAll(List.of(path.split("/")));
    this.segments = List.copyOf(all);
  }

  String path() {
    return path;
  }

  String urlPath() {
    return "/" + String.join("/", segments);
  }

  RetryPolicy retry() {
    return api.retry();
  }

  /** {@code GET /v1/var/:path}: the variable, or empty on 404. */
  Optional<Variable> read() {
    Reply reply = send(Exchange.get(segments).answering(404), true);
    return Optional.ofNullable(reply.status() == 404 ? null : reply.variable());
  }

  /**
   * {@code GET /v1/var/:path} as a blocking query: the variable (empty on 404) and the index to
   * block on next. Nomad answers a 404 with the variables table's index, so one can wait for a
   * variable to appear (nomad/variables_endpoint.go Read: {@code replySetIndex(TableVariables)}).
   */
  dev.laborchestrator.port.Indexed<Optional<Variable>> read(
      dev.laborchestrator.port.BlockingQuery query) {
    return api.sendIndexed(
        Exchange.get(segments).query("namespace", namespace).answering(404),
        query,
        answer ->
            answer.status() == 404 ? Optional.empty() : Optional.ofNullable(read(answer.json())));
  }

  /** {@code PUT /v1/var/:path?cas=<index>} with the items; 409 is answered, not thrown. */
  Reply casWrite(Map<String, String> items, long expectedIndex) {
    return send(
        Exchange.put(segments, new Body(namespace, path, items, null))
            .query("cas", Long.toString(expectedIndex))
            .answering(409),
        true);
  }

  /** {@code DELETE /v1/var/:path?cas=<index>}; 409 is answered, not thrown. */
  Reply casDelete(long expectedIndex) {
    return send(
        Exchange.delete(segments).query("cas", Long.toString(expectedIndex)).answering(409), false);
  }

  /**
   * {@code PUT /v1/var/:path?lock-acquire} with items and {@code Lock {TTL, LockDelay, ID}}; 409
   * (held by someone else) is answered, not thrown.
   */
  Reply lockAcquire(Map<String, String> items, Lock lock) {
    return send(
        Exchange.put(segments, new Body(namespace, path, items, lock))
            .query("lock-acquire", null)
            .answering(409),
        true);
  }

  /**
   * {@code PUT /v1/var/:path?lock-renew} or {@code ?lock-release} with {@code Lock {ID}} and no
   * items (a release with items is refused); 404 (no variable) and 409 (not locked, or locked with
   * another ID) are answered, not thrown.
   */
  Reply lockOperation(String operation, String lockId) {
    return send(
        Exchange.put(segments, new Body(namespace, path, null, Lock.id(lockId)))
            .query(operation, null)
            .answering(404, 409),
        false);
  }

  private Reply send(Exchange exchange, boolean variableRequired) {
    return api.send(
        exchange.query("namespace", namespace),
        answer -> {
          if (answer.successful()) {
            Variable variable = read(answer.json());
            if (variable == null && variableRequired) {
              throw new UnexpectedShape("no variable in the answer");
            }
            return new Reply(answer.status(), variable);
          }
          return new Reply(answer.status(), answer.status() == 409 ? conflict(answer) : null);
        });
  }

  private static Variable read(JsonNode body) {
    if (body.isMissingNode() || body.isNull()) {
      return null;
    }
    return JsonShapes.objectOf(body, "variable", Variable.class);
  }

  /** The conflicting variable of a 409; null when Nomad answered with only an error text. */
  private static Variable conflict(Answer answer) {
    try {
      JsonNode body = answer.json();
      return body.isObject() ? read(body) : null;
    } catch (UnexpectedShape e) {
      return null;
    }
  }

  /** An answer: its status and, when there is one, the variable (or conflicting variable) in it. */
  record Reply(int status, Variable variable) {
    boolean successful() {
      return status >= 200 && status < 300;
    }
  }

  /** A variable as Nomad answers it. {@code Lock} is only shown to its holder and to management. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Variable(
      @JsonProperty("Namespace") String namespace,
      @JsonProperty("Path") String path,
      @JsonProperty("CreateIndex") long createIndex,
      @JsonProperty("ModifyIndex") long modifyIndex,
      @JsonProperty("Items") Map<String, String> items,
      @JsonProperty("Lock") Lock lock) {
    Variable {
      items = items == null ? null : Map.copyOf(items);
    }

    /** Nomad's zero value for a variable it does not show (absent, or locked by another ID). */
    boolean zeroValue() {
      return modifyIndex == 0 && createIndex == 0;
    }

    Map<String, String> itemsOrEmpty() {
      return items == null ? Map.of() : items;
    }

    String lockId() {
      return lock == null || lock.id() == null || lock.id().isBlank() ? null : lock.id();
    }
  }

  /** {@code Lock}: TTL and LockDelay as Go durations ("15s"), and the lock's ID. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"TTL", "LockDelay", "ID"})
  record Lock(
      @JsonProperty("TTL") String ttl,
      @JsonProperty("LockDelay") String lockDelay,
      @JsonProperty("ID") String id) {
    static Lock id(String id) {
      return new Lock(null, null, id);
    }
  }

  /** A request body: {@code Namespace}, {@code Path}, and {@code Items} and/or {@code Lock}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"Namespace", "Path", "Items", "Lock"})
  record Body(
      @JsonProperty("Namespace") String namespace,
      @JsonProperty("Path") String path,
      @JsonProperty("Items") Map<String, String> items,
      @JsonProperty("Lock") Lock lock) {}

  static ApiException shape(String method, VariableResource variable, String problem) {
    return ApiException.shape(method, variable.urlPath(), problem);
  }
}
