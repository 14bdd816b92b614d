package dev.laborchestrator.sim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Nomad Variables and their locks (Nomad 1.7+) as the servers keep them: the rules of
 * nomad/variables_endpoint.go ({@code Apply}, {@code RenewLock}), the check-and-set and lock checks
 * of nomad/state/state_store_variables.go, the validation and lock defaults of
 * nomad/structs/variables.go, and the TTL timers of nomad/locks.go. Guarded by the {@link Cluster}
 * lock; every method expects the caller to hold it.
 *
 * <p>Errors are {@link ApiError}s with the status and text the HTTP agent sends; conflicts are
 * results, since they carry a body.
 */
final class Variables {

  static final String DEFAULT_NAMESPACE = "default";

  /** structs/variables.go: lock TTLs must lie within 10s..24h; 15s for TTL and delay when unset. */
  static final long MIN_TTL_NANOS = TimeUnit.SECONDS.toNanos(10);

  static final long MAX_TTL_NANOS = TimeUnit.HOURS.toNanos(24);
  static final long DEFAULT_LOCK_NANOS = TimeUnit.SECONDS.toNanos(15);

  /** structs/variables.go {@code maxVariableSize}: keys and values, unencrypted. */
  private static final int MAX_SIZE = 65536;

  /** structs/variables.go {@code validVariablePath}. */
  private static final Pattern VALID_PATH = Pattern.compile("^[a-zA-Z0-9\\-_~/]{1,128}$");

  /** structs.VariableLock: TTL and delay are Go durations in nanoseconds. */
  record Lock(String id, long ttlNanos, long delayNanos) {}

  /** A variable as stored: {@code items} is never null (an acquire without items stores none). */
  static final class Variable {
    final String namespace;
    final String path;
    Map<String, String> items = Map.of();
    Lock lock;
    long createIndex;
    long createTime;
    long modifyIndex;
    long modifyTime;

    Variable(String namespace, String path) {
      this.namespace = namespace;
      this.path = path;
    }

    Variable copy() {
      Variable copy = new Variable(namespace, path);
      copy.items = items;
      copy.lock = lock;
      copy.createIndex = createIndex;
      copy.createTime = createTime;
      copy.modifyIndex = modifyIndex;
      copy.modifyTime = modifyTime;
      return copy;
    }
  }

  /**
   * The body of a write: {@code items} null when the request had none, {@code lock} null when it
   * had no Lock block (its ID empty and durations 0 when they were not given).
   */
  record Request(String namespace, String path, Map<String, String> items, Lock lock) {}

  /**
   * The outcome of an apply: the Raft index it took, and either what was written ({@code output},
   * null for a delete) or the conflicting variable ({@code conflict}: the current one, or a zero
   * value that carries only namespace and path).
   */
  record Result(long index, Variable output, Variable conflict) {}

  /** nomad/lock/ttl.go: a TTL timer, keyed by lock ID. */
  private static final class Timer {
    final String namespace;
    final String path;
    final long delayNanos;
    long firesAt;

    Timer(String namespace, String path, long delayNanos, long firesAt) {
      this.namespace = namespace;
      this.path = path;
      this.delayNanos = delayNanos;
      this.firesAt = firesAt;
    }
  }

  /** A lock whose TTL ran out, waiting for its lock delay before it is removed. */
  private record Invalidation(String namespace, String path, long at) {}

  private final double timeScale;
  private final LongSupplier commit;
  private final Supplier<String> newId;
  private final Cluster.SubjectLog log;
  private final Map<String, Variable> byKey = new TreeMap<>();
  private final Map<String, Timer> ttlTimers = new LinkedHashMap<>();
  private final List<Invalidation> invalidations = new ArrayList<>();
  private long tableIndex;

  /**
   * @param timeScale lock TTLs and lock delays run for this fraction of their nominal length
   * @param commit takes the next Raft index
   */
  Variables(double timeScale, LongSupplier commit, Supplier<String> newId, Cluster.SubjectLog log) {
    this.timeScale = timeScale;
    this.commit = commit;
    this.newId = newId;
    this.log = log;
  }

  // ---- reads ----

  Variable get(String namespace, String path) {
    return byKey.get(key(namespace, path));
  }

  /** The variables table index, at least 1 (server.go {@code setReplyQueryMeta}). */
  long tableIndex() {
    return Math.max(1, tableIndex);
  }

  /** What a read of one variable blocks on: its ModifyIndex, else the table index. */
  long indexOf(String namespace, String path) {
    Variable variable = get(namespace, path);
    return variable == null ? tableIndex() : variable.modifyIndex;
  }

  /** By namespace and path; namespace {@code *} lists every namespace. */
  List<Variable> list(String namespace, String prefix) {
    return byKey.values().stream()
        .filter(v -> "*".equals(namespace) || v.namespace.equals(namespace))
        .filter(v -> v.path.startsWith(prefix))
        .sorted(Comparator.comparing((Variable v) -> v.namespace).thenComparing(v -> v.path))
        .map(Variable::copy)
        .toList();
  }

  // ---- writes (variables_endpoint.go Apply, then the state store) ----

  /**
   * {@code PUT /v1/var/:path} without a lock operation; {@code cas} null for a plain set.
   * canonicalizeAndValidate refuses a Lock block with a TTL or delay (locks are made with
   * lock-acquire); a Lock block with just an ID is how the holder writes a locked variable, and it
   * is stored with the default TTL and delay, as {@code Canonicalize} fills them in.
   */
  Result set(Request request, Long cas, long nowMillis) {
    if (request.lock() != null
        && (request.lock().ttlNanos() != 0 || request.lock().delayNanos() != 0)) {
      throw rpc400(2, "variable should not contain lock definition");
    }
    Lock lock = request.lock() == null ? null : canonical(request.lock());
    validate(request, lock);
    long index = commit.getAsLong();
    Variable existing = get(request.namespace(), request.path());
    if (cas != null) {
      // state_store_variables.go varSetCASTxn
      if (cas == 0 && existing != null) {
        return conflict(index, existing.copy());
      }
      if (cas != 0 && existing == null) {
        return conflict(index, zero(request.namespace(), request.path()));
      }
      if (existing != null && cas != existing.modifyIndex) {
        return conflict(index, existing.copy());
      }
    }
    Result result = write(index, existing, request, lock, nowMillis);
    if (result.output() != null) {
      log.record(
          SimEvent.Type.VAR_WRITTEN,
          request.path(),
          "modifyIndex=" + index + (cas == null ? "" : " cas=" + cas),
          nowMillis);
    }
    return result;
  }

  /**
   * {@code ?lock-acquire}: takes the lock, creating the variable if needed, and overwrites its
   * items with the request's (none when it has none: state_store_variables.go VarLockAcquire
   * "overwrites the variable, data included"). Held by another lock ID: a conflict with a zero
   * value.
   */
  Result acquire(Request request, long nowMillis) {
    Lock lock = canonical(request.lock() == null ? new Lock("", 0, 0) : request.lock());
    validateForLock(request, lock);
    long index = commit.getAsLong();
    Variable existing = get(request.namespace(), request.path());
    if (existing != null && isLocked(existing.lock, lock)) {
      return conflict(index, zero(request.namespace(), request.path()));
    }
    Result result = write(index, existing, request, lock, nowMillis);
    // nomad/locks.go CreateVariableLockTTLTimer: TTL*2 "to give a client a grace period"; a lock ID
    // that already has a timer keeps it.
    ttlTimers.computeIfAbsent(
        lock.id(),
        id ->
            new Timer(
                request.namespace(),
                request.path(),
                lock.delayNanos(),
                nowMillis + scaled(2 * lock.ttlNanos())));
    log.record(SimEvent.Type.LOCK_ACQUIRED, request.path(), describe(lock), nowMillis);
    return result;
  }

  /**
   * {@code ?lock-release}: removes the lock at once and keeps the items (VarLockRelease); the lock
   * delay applies only to a lock whose TTL ran out, never after a release (locks.mdx: release makes
   * it "modifiable without restrictions again").
   */
  Result release(Request request, long nowMillis) {
    if (request.lock() == null || request.lock().id().isEmpty()) {
      throw rpc400(1, "missing lock information");
    }
    if (request.items() != null) {
      throw rpc400(1, "lock release operation doesn't take variable items");
    }
    String pathError = pathError(request.path());
    if (pathError != null) {
      throw new ApiError(400, pathError);
    }
    long index = commit.getAsLong();
    Variable existing = get(request.namespace(), request.path());
    // The state store's own errors are uncoded, so the agent answers them with 500.
    if (existing == null) {
      throw new ApiError(500, "variable doesn't exist");
    }
    if (existing.lock == null) {
      throw new ApiError(500, "variable doesn't hold a lock");
    }
    if (!existing.lock.id().equals(request.lock().id())) {
      return conflict(index, zero(request.namespace(), request.path()));
    }
    ttlTimers.remove(existing.lock.id());
    existing.lock = null;
    existing.modifyIndex = index;
    tableIndex = index;
    log.record(SimEvent.Type.LOCK_RELEASED, request.path(), "released by its holder", nowMillis);
    Variable output = existing.copy();
    output.items = Map.of(); // the output carries the request's items, which a release has none of
    return new Result(index, output, null);
  }

  /**
   * {@code ?lock-renew} (variables_endpoint.go RenewLock): restarts the TTL timer, which takes no
   * Raft write. A lock whose timer already fired cannot be renewed ("attempting to modify locked
   * variable") though it is still held until its lock delay ends.
   */
  Variable renew(String namespace, String path, String lockId, long nowMillis) {
    if (lockId.isEmpty()) {
      throw new ApiError(500, multiError(List.of("missing lock ID")));
    }
    Variable existing = get(namespace, path);
    if (existing == null) {
      throw new ApiError(404, "variable doesn't exist");
    }
    if (existing.lock == null) {
      throw new ApiError(409, "variable doesn't hold a lock");
    }
    Timer timer = ttlTimers.get(lockId);
    if (!existing.lock.id().equals(lockId) || timer == null) {
      throw new ApiError(409, "attempting to modify locked variable");
    }
    timer.firesAt = nowMillis + scaled(2 * existing.lock.ttlNanos());
    log.record(SimEvent.Type.LOCK_RENEWED, path, describe(existing.lock), nowMillis);
    return existing.copy();
  }

  /**
   * {@code DELETE /v1/var/:path} (VarDelete, VarDeleteCAS): deleting what is not there succeeds; a
   * locked variable cannot be deleted (the request carries no lock ID).
   */
  Result delete(String namespace, String path, Long cas, long nowMillis) {
    long index = commit.getAsLong();
    Variable existing = get(namespace, path);
    if (cas != null) {
      if (cas == 0 && existing == null) {
        return new Result(index, null, null);
      }
      if (existing == null) {
        return conflict(index, zero(namespace, path));
      }
      if (cas == 0 || cas != existing.modifyIndex) {
        return conflict(index, existing.copy());
      }
    }
    if (existing == null) {
      return new Result(index, null, null);
    }
    if (existing.lock != null) {
      return conflict(index, zero(namespace, path));
    }
    byKey.remove(key(namespace, path));
    tableIndex = index;
    log.record(SimEvent.Type.VAR_DELETED, path, "at index " + index, nowMillis);
    return new Result(index, null, null);
  }

  // ---- time (nomad/locks.go) ----

  /**
   * A TTL timer that fires starts the lock delay; when the delay is over the lock is removed from
   * whatever the variable holds then (invalidateVariableLock releases without a lock ID).
   */
  void tick(long nowMillis) {
    Iterator<Map.Entry<String, Timer>> timers = ttlTimers.entrySet().iterator();
    while (timers.hasNext()) {
      Timer timer = timers.next().getValue();
      if (nowMillis >= timer.firesAt) {
        timers.remove();
        invalidations.add(
            new Invalidation(timer.namespace, timer.path, nowMillis + scaled(timer.delayNanos)));
        log.record(
            SimEvent.Type.LOCK_EXPIRED,
            timer.path,
            "not renewed in time; held for the lock delay of "
                + GoDuration.format(timer.delayNanos),
            nowMillis);
      }
    }
    Iterator<Invalidation> pending = invalidations.iterator();
    while (pending.hasNext()) {
      Invalidation due = pending.next();
      if (nowMillis < due.at()) {
        continue;
      }
      pending.remove();
      Variable variable = get(due.namespace(), due.path());
      if (variable != null && variable.lock != null) {
        long index = commit.getAsLong();
        variable.lock = null;
        variable.modifyIndex = index;
        tableIndex = index;
        log.record(SimEvent.Type.LOCK_RELEASED, due.path(), "lock delay over", nowMillis);
      }
    }
  }

  // ---- helpers ----

  /** state_store_variables.go varSetTxn. */
  private Result write(long index, Variable existing, Request request, Lock lock, long nowMillis) {
    if (existing != null && isLocked(existing.lock, lock)) {
      return conflict(index, zero(request.namespace(), request.path()));
    }
    long nowNanos = TimeUnit.MILLISECONDS.toNanos(nowMillis);
    Variable variable = existing;
    if (variable == null) {
      variable = new Variable(request.namespace(), request.path());
      variable.createIndex = index;
      variable.createTime = nowNanos;
      byKey.put(key(request.namespace(), request.path()), variable);
    }
    variable.items = request.items() == null ? Map.of() : Map.copyOf(request.items());
    variable.lock = lock;
    variable.modifyIndex = index;
    variable.modifyTime = nowNanos;
    tableIndex = index;
    return new Result(index, variable.copy(), null);
  }

  /** state_store_variables.go isLocked: held, and the request does not carry its ID. */
  private static boolean isLocked(Lock held, Lock requested) {
    return held != null && (requested == null || !held.id().equals(requested.id()));
  }

  /** structs.VariableLock.Canonicalize: a new ID, and 15s for an unset TTL or delay. */
  private Lock canonical(Lock lock) {
    return new Lock(
        lock.id().isEmpty() ? newId.get() : lock.id(),
        lock.ttlNanos() == 0 ? DEFAULT_LOCK_NANOS : lock.ttlNanos(),
        lock.delayNanos() == 0 ? DEFAULT_LOCK_NANOS : lock.delayNanos());
  }

  /** structs.VariableDecrypted.Validate (the request's items are known not to be empty). */
  private static void validate(Request request, Lock lock) {
    if ("*".equals(request.namespace())) {
      throw rpc400(1, "can not target wildcard (\"*\")namespace");
    }
    if (size(request.items()) > MAX_SIZE) {
      throw rpc400(1, "variables are limited to 64KiB in total size");
    }
    String pathError = pathError(request.path());
    if (pathError != null) {
      throw rpc400(1, pathError);
    }
    if (lock != null) {
      validateLock(lock);
    }
  }

  /** structs.VariableDecrypted.ValidateForLock: no items needed. */
  private static void validateForLock(Request request, Lock lock) {
    if ("*".equals(request.namespace())) {
      throw rpc400(1, multiError(List.of("can not target wildcard (\"*\")namespace")));
    }
    if (size(request.items()) > MAX_SIZE) {
      throw rpc400(1, "variables are limited to 64KiB in total size");
    }
    String pathError = pathError(request.path());
    if (pathError != null) {
      throw rpc400(1, pathError);
    }
    validateLock(lock);
  }

  /**
   * structs.VariableLock.Validate: only the TTL's range is checked. locks.mdx says TTL and delay
   * must both lie within 10s..24h, but the server only bounds the TTL (the delay must not be
   * negative), and the sim does what the server does.
   */
  private static void validateLock(Lock lock) {
    List<String> errors = new ArrayList<>();
    if (lock.delayNanos() < 0 || lock.ttlNanos() < 0) {
      errors.add("Lock delay and TTL must be positive");
    }
    if (lock.ttlNanos() > MAX_TTL_NANOS || lock.ttlNanos() < MIN_TTL_NANOS) {
      errors.add("TTL must be between 10 seconds and 24 hours");
    }
    if (!errors.isEmpty()) {
      throw rpc400(1, multiError(errors));
    }
  }

  /** structs.ValidatePath, or null when the path is valid. */
  static String pathError(String path) {
    if (path.isEmpty()) {
      return "variable requires path";
    }
    if (!VALID_PATH.matcher(path).matches()) {
      return "invalid path " + goQuote(path);
    }
    String[] parts = path.split("/", -1);
    if (!parts[0].equals("nomad")) {
      return null;
    }
    if (parts.length == 1) {
      return "\"nomad\" is a reserved top-level directory path, but you may write variables to"
          + " \"nomad/jobs\", \"nomad/job-templates\", \"nomad/sentinel\", or below";
    }
    if (parts[1].equals("jobs") || parts[1].equals("sentinel")) {
      return null;
    }
    if (parts[1].equals("job-templates")) {
      return parts.length == 3
          ? null
          : "\"nomad/job-templates\" is a reserved directory path, but you may write variables at"
              + " the level below it, for example, \"nomad/job-templates/template-name\"";
    }
    return "only paths at \"nomad/jobs\" or \"nomad/job-templates\" and below are valid paths"
        + " under the top-level \"nomad\" directory";
  }

  private static long size(Map<String, String> items) {
    if (items == null) {
      return 0;
    }
    long size = 0;
    for (Map.Entry<String, String> item : items.entrySet()) {
      size += item.getKey().getBytes(StandardCharsets.UTF_8).length;
      size += item.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    return size;
  }

  /**
   * A coded RPC error as the agent renders it. Validation errors are wrapped in {@code
   * NewErrRPCCoded} more than once on their way out (canonicalizeAndValidate, then Apply), and
   * http.go strips only the outermost prefix, so the body keeps {@code extraWraps} of them.
   */
  private static ApiError rpc400(int extraWraps, String message) {
    return new ApiError(400, "RPC Error:: 400,".repeat(extraWraps) + message);
  }

  /** go-multierror's default format. */
  private static String multiError(List<String> errors) {
    if (errors.size() == 1) {
      return "1 error occurred:\n\t* " + errors.get(0) + "\n\n";
    }
    return errors.size() + " errors occurred:\n\t* " + String.join("\n\t* ", errors) + "\n\n";
  }

  /** Go's {@code %q} for the characters a rejected path may hold. */
  private static String goQuote(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static Result conflict(long index, Variable conflict) {
    return new Result(index, null, conflict);
  }

  /** The zero value the state store returns as a conflict: only namespace and path. */
  private static Variable zero(String namespace, String path) {
    Variable zero = new Variable(namespace, path);
    zero.items = null;
    return zero;
  }

  private long scaled(long nanos) {
    return (long) Math.ceil(nanos * timeScale / 1_000_000.0);
  }

  private static String describe(Lock lock) {
    return "id="
        + lock.id().substring(0, Math.min(8, lock.id().length()))
        + " ttl="
        + GoDuration.format(lock.ttlNanos())
        + " delay="
        + GoDuration.format(lock.delayNanos());
  }

  private static String key(String namespace, String path) {
    return namespace + "\u0000" + path;
  }
}
