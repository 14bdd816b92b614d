package dev.laborchestrator.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.laborchestrator.sim.NodeModel.Drain;
import dev.laborchestrator.sim.NodeModel.LastDrain;
import dev.laborchestrator.sim.NodeModel.Reboot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * The simulated cluster state (Nomad's nodes and allocations, Consul's checks) and the engine that
 * moves it along in time. One lock guards everything; a change wakes every blocking query, which
 * then re-reads the index of the resource it watches. Methods without {@code Locked} in their
 * contract take the lock themselves; the accessors used by renderers assume the caller holds it
 * (they run inside {@link #read}).
 */
final class Cluster {

  static final String DATACENTER = "dc1";
  static final String SERVICE = "service";
  static final String BATCH = "batch";
  static final String SYSTEM = "system";

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final SimTiming timing;
  private final SimFaults global;
  private final LongSupplier clock;
  private final Random ids;
  private final Random faultDice;
  private final Map<String, NodeModel> byName = new LinkedHashMap<>();
  private final Map<String, NodeModel> byId = new LinkedHashMap<>();
  private final Map<String, NodeModel> byConsulName = new HashMap<>();
  private final List<AllocModel> allocs = new ArrayList<>();

  /**
   * The same allocations by node ID, then by ID: bookkeeping only, so that the per-node reads of
   * every tick stay cheap in a lab of a thousand nodes.
   */
  private final Map<String, List<AllocModel>> allocsByNode = new HashMap<>();

  private final Map<String, AllocModel> allocsById = new HashMap<>();

  /** The evaluations of replacements, blocked ones included, in the order they were made. */
  private final List<EvalModel> evals = new ArrayList<>();

  private long evalsIndex = 1;

  private final Map<String, Long> jobCreateIndex = new HashMap<>();
  private final List<SimEvent> events = new ArrayList<>();
  private final List<SimRequest> requests = new ArrayList<>();
  private final Variables variables;
  private final AutopilotModel autopilot;
  private final EventBuffer eventBuffer;

  /** Nomad writes committed since the last publication, whose events are not rendered yet. */
  private final List<Change> unpublished = new ArrayList<>();

  private long raftIndex = 10;
  private long nodesIndex;
  private long allocsIndex;
  private long consulIndex = 10;
  private boolean dirty;

  /**
   * @param lockTimeScale lock TTLs and lock delays last this fraction of their nominal length
   */
  Cluster(
      SimTiming timing,
      SimFaults global,
      long seed,
      List<SimNode> specs,
      double lockTimeScale,
      LongSupplier clock,
      int eventBufferSize) {
    this.timing = timing;
    this.eventBuffer = new EventBuffer(eventBufferSize);
    this.global = global;
    this.clock = clock;
    this.ids = new Random(seed);
    this.faultDice = new Random(seed ^ 0x5DEECE66DL);
    long now = clock.getAsLong();
    Map<String, String> addresses = addresses(specs);
    for (SimNode spec : specs) {
      register(spec, addresses.get(spec.name()), now);
    }
    this.variables = new Variables(lockTimeScale, this::commit, this::newId, this::recordSubject);
    this.autopilot = new AutopilotModel(nodesLocked(), now);
    autopilot.update(now, raftIndex, consulIndex, this::recordSubject);
    publishChanges();
  }

  // ---- construction ----

  /**
   * Each host's address: the builder's, else the next free one of 127.0.0.11, 127.0.0.12, ... so
   * that every host's Consul agent can listen on an address of its own.
   */
  private static Map<String, String> addresses(List<SimNode> specs) {
    Map<String, String> addresses = new HashMap<>();
    Map<String, String> owners = new HashMap<>();
    for (SimNode spec : specs) {
      if (spec.address() != null) {
        String owner = owners.putIfAbsent(spec.address(), spec.name());
        if (owner != null) {
          throw new IllegalArgumentException(
              owner + " and " + spec.name() + " both have address " + spec.address());
        }
        addresses.put(spec.name(), spec.address());
      }
    }
    int next = 11;
    for (SimNode spec : specs) {
      if (spec.address() == null) {
        String address;
        do {
          address = "127.0." + (next / 256) + "." + (next % 256);
          next++;
        } while (owners.containsKey(address));
        owners.put(address, spec.name());
        addresses.put(spec.name(), address);
      }
    }
    return addresses;
  }

  private void register(SimNode spec, String address, long now) {
    if (byName.containsKey(spec.name())) {
      throw new IllegalArgumentException("two nodes are named " + spec.name());
    }
    if (byConsulName.containsKey(spec.consulNameOrDefault())) {
      throw new IllegalArgumentException(
          "two nodes have Consul name " + spec.consulNameOrDefault());
    }
    String id =
        UUID.nameUUIDFromBytes(("sim-nomad-node/" + spec.name()).getBytes(StandardCharsets.UTF_8))
            .toString();
    NodeModel node = new NodeModel(spec, id, address, commit(), now);
    nodesIndex = node.createIndex;
    changed(node.createIndex, NODE_REGISTRATION, node);
    node.meta.putAll(spec.meta());
    node.meta.put(NodeModel.META_REVISION, spec.revision());
    if (node.publishesBootId) {
      node.meta.put(NodeModel.META_BOOT_ID, newId());
    }
    fillAttributes(node);
    node.addNodeEvent("Cluster", "Node registered", node.createIndex, now);
    byName.put(node.name, node);
    byId.put(node.id, node);
    byConsulName.put(node.consulName, node);
    node.checks = freshChecks(node, CheckModel.PASSING);
    for (int i = 0; i < spec.serviceAllocs(); i++) {
      startInitialAlloc(node, node.name + "-service-" + i, SERVICE, now);
    }
    for (int i = 0; i < spec.batchAllocs(); i++) {
      startInitialAlloc(node, node.name + "-batch-" + i, BATCH, now);
    }
    for (int i = 0; i < spec.systemAllocs(); i++) {
      String job = "system-" + i;
      node.systemJobs.add(job);
      startInitialAlloc(node, job, SYSTEM, now);
    }
    record(node, SimEvent.Type.NODE_REGISTERED, "", now);
  }

  /** Attributes as a NixOS client fingerprints them (nodes.mdx "Read Node" sample). */
  private static void fillAttributes(NodeModel node) {
    Map<String, String> a = node.attributes;
    a.put("consul.datacenter", DATACENTER);
    a.put("consul.version", "1.20.2");
    a.put("cpu.arch", "amd64");
    a.put("cpu.numcores", "4");
    a.put("driver.exec", "1");
    if (node.javaDriver) {
      a.put("driver.java", "1");
      a.put("driver.java.version", "21.0.5");
    }
    a.put("driver.raw_exec", "1");
    a.put("kernel.name", "linux");
    a.put("nomad.advertise.address", node.httpAddr());
    a.put("nomad.version", "1.10.5");
    a.put("os.name", "nixos");
    a.put("os.version", "24.11");
    a.put("unique.consul.name", node.consulName);
    a.put("unique.hostname", node.name);
    a.put("unique.network.ip-address", node.address);
  }

  private void startInitialAlloc(NodeModel node, String jobId, String type, long now) {
    AllocModel alloc = newAlloc(node, jobId, type, "", now);
    alloc.clientStatus = AllocModel.RUNNING;
    alloc.startAt = -1;
    if (alloc.service()) {
      alloc.healthy = true; // running long before the lab starts: its health was reported then
    }
  }

  /**
   * The checks of an agent that (re)joins. Node maintenance is persisted by the agent and restored
   * when it restarts (agent/index.mdx "Enable Maintenance Mode"), so its check comes back with it.
   */
  private List<CheckModel> freshChecks(NodeModel node, String nonSerfStatus) {
    List<CheckModel> checks = new ArrayList<>();
    checks.add(CheckModel.serfHealth());
    node.checkSpecs.forEach(spec -> checks.add(CheckModel.parse(spec)));
    consulIndex++;
    dirty = true;
    for (CheckModel check : checks) {
      check.status = check.serf() ? CheckModel.PASSING : nonSerfStatus;
      check.createIndex = consulIndex;
      check.modifyIndex = consulIndex;
    }
    if (node.maintenanceReason != null) {
      checks.add(maintenanceCheck(node.maintenanceReason));
    }
    return checks;
  }

  private CheckModel maintenanceCheck(String reason) {
    CheckModel check = CheckModel.nodeMaintenance(reason);
    check.createIndex = consulIndex;
    check.modifyIndex = consulIndex;
    return check;
  }

  // ---- reads (blocking queries) ----

  record Read<T>(long index, T value) {}

  /** Records an event about something other than a host: a variable, a lock, autopilot. */
  interface SubjectLog {
    void record(SimEvent.Type type, String subject, String detail, long nowMillis);
  }

  /**
   * A blocking query: waits while the watched index is not above {@code minIndex} and time is left,
   * then renders. {@code minIndex <= 0} never waits (Nomad's and Consul's blockingRPC).
   */
  <T> Read<T> read(
      long minIndex, long waitNanos, ToLongFunction<Cluster> index, Function<Cluster, T> render)
      throws InterruptedException {
    lock.lock();
    try {
      long current = index.applyAsLong(this);
      long remaining = waitNanos;
      while (minIndex > 0 && current <= minIndex && remaining > 0) {
        remaining = changed.awaitNanos(remaining);
        current = index.applyAsLong(this);
      }
      return new Read<>(current, render.apply(this));
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code body} under the lock and wakes blocking queries if it changed anything. */
  <T> T locked(Function<Cluster, T> body) {
    lock.lock();
    try {
      T result = body.apply(this);
      signalIfDirty();
      return result;
    } finally {
      lock.unlock();
    }
  }

  long nowMillis() {
    return clock.getAsLong();
  }

  List<NodeModel> nodesLocked() {
    return List.copyOf(byName.values());
  }

  NodeModel nodeByNameLocked(String name) {
    return byName.get(name);
  }

  Variables variablesLocked() {
    return variables;
  }

  AutopilotModel autopilotLocked() {
    return autopilot;
  }

  NodeModel nodeByIdLocked(String id) {
    return byId.get(id);
  }

  NodeModel nodeByConsulNameLocked(String consulName) {
    return byConsulName.get(consulName);
  }

  List<AllocModel> allocsOnLocked(String nodeId) {
    return List.copyOf(allocsByNode.getOrDefault(nodeId, List.of()));
  }

  /** The index of the nodes table: what {@code GET /v1/nodes} reports and blocks on. */
  long nodesIndexLocked() {
    return nodesIndex;
  }

  /**
   * nomad/node_endpoint.go {@code GetAllocs}: the highest ModifyIndex of the node's allocations,
   * else the allocs table index.
   */
  long allocsIndexLocked(String nodeId) {
    return allocsByNode.getOrDefault(nodeId, List.of()).stream()
        .mapToLong(a -> a.modifyIndex)
        .max()
        .orElse(Math.max(allocsIndex, 1));
  }

  /** Consul's checks table index, which {@code /v1/health/node/:node} reports and blocks on. */
  long consulIndexLocked() {
    return consulIndex;
  }

  // ---- Nomad writes ----

  record WriteResult(long index, List<String> evalIds, long evalCreateIndex) {}

  /**
   * nomad/node_endpoint.go {@code UpdateDrain} and state_store.go {@code updateNodeDrainImpl}.
   *
   * @param deadlineNanos the DrainSpec deadline; ignored when {@code drain} is false
   */
  WriteResult drain(
      String nodeId,
      boolean drain,
      long deadlineNanos,
      boolean ignoreSystemJobs,
      boolean markEligible,
      Map<String, String> meta,
      String accessorId) {
    lock.lock();
    try {
      NodeModel node = requireNode(nodeId);
      long now = clock.getAsLong();
      Instant at = Instant.ofEpochMilli(now);
      Drain old = node.drain;
      Drain next = null;
      if (drain) {
        Instant startedAt = old != null ? old.startedAt : at;
        Instant force = deadlineNanos > 0 ? at.plusNanos(deadlineNanos) : null;
        next = new Drain(deadlineNanos, ignoreSystemJobs, startedAt, force);
        next.nextMigrationAt = old != null ? old.nextMigrationAt : now + perAllocMillis(node);
        next.batchDoneAt = old != null ? old.batchDoneAt : now + perAllocMillis(node);
      }
      String message =
          old == null && next != null
              ? "Node drain strategy set"
              : old != null && next != null
                  ? "Node drain strategy updated"
                  : old != null ? "Node drain disabled" : null;
      long index = commitNode(node, NODE_DRAIN);
      node.statusUpdatedAt = now / 1000;
      if (message != null) {
        node.addNodeEvent("Drain", message, index, now);
      }
      boolean wasEligible = node.eligible;
      node.drain = next;
      if (next != null) {
        node.eligible = false;
      } else if (markEligible) {
        node.eligible = true;
      }
      if (old != null || next != null) {
        Instant second = at.truncatedTo(ChronoUnit.SECONDS);
        if (old == null) {
          node.lastDrain = new LastDrain(second, meta);
        } else if (node.lastDrain == null) {
          node.lastDrain = new LastDrain(old.startedAt.truncatedTo(ChronoUnit.SECONDS), meta);
        }
        node.lastDrain.updatedAt = second;
        if (meta != null && !meta.isEmpty()) {
          node.lastDrain.meta = meta;
        }
        if (!accessorId.isEmpty()) {
          node.lastDrain.accessorId = accessorId;
        }
        node.lastDrain.status = next != null ? "draining" : "canceled";
      }
      if (next != null) {
        String detail =
            "deadline="
                + Duration.ofNanos(deadlineNanos)
                + " ignoreSystemJobs="
                + ignoreSystemJobs
                + (meta == null ? "" : " meta=" + meta);
        record(
            node,
            old == null ? SimEvent.Type.DRAIN_STARTED : SimEvent.Type.DRAIN_UPDATED,
            detail,
            now);
      } else if (old != null) {
        record(node, SimEvent.Type.DRAIN_CANCELED, markEligible ? "MarkEligible" : "", now);
      }
      recordEligibilityChange(node, wasEligible, "drain api", now);
      WriteResult result = new WriteResult(index, null, 0);
      // node_endpoint.go UpdateDrain: evaluations only when a drain cancel marks the node eligible.
      if (!wasEligible && markEligible && next == null) {
        result = new WriteResult(index, List.of(newId()), commit());
      }
      signalIfDirty();
      return result;
    } finally {
      lock.unlock();
    }
  }

  /** nomad/node_endpoint.go {@code UpdateEligibility}. */
  WriteResult setEligibility(String nodeId, String eligibility) {
    lock.lock();
    try {
      if (!"eligible".equals(eligibility) && !"ineligible".equals(eligibility)) {
        throw new ApiError(500, "invalid scheduling eligibility \"" + eligibility + "\"");
      }
      NodeModel node = requireNode(nodeId);
      boolean wanted = "eligible".equals(eligibility);
      if (node.drain != null && wanted) {
        throw new ApiError(500, drainingRefusal());
      }
      if (node.eligible == wanted) {
        return new WriteResult(0, null, 0); // "Nothing to do": Nomad returns an empty reply
      }
      long index = changeEligibility(node, wanted, "api");
      WriteResult result =
          wanted
              ? new WriteResult(index, List.of(newId()), commit())
              : new WriteResult(index, null, 0);
      signalIfDirty();
      return result;
    } finally {
      lock.unlock();
    }
  }

  /** An operator's direct change (Nomad CLI or UI): same rules, not an API request of the run. */
  void operatorSetEligibility(String name, boolean eligible) {
    lock.lock();
    try {
      NodeModel node = requireNamed(name);
      if (node.drain != null && eligible) {
        throw new IllegalStateException(drainingRefusal());
      }
      if (node.eligible != eligible) {
        changeEligibility(node, eligible, "operator");
        signalIfDirty();
      }
    } finally {
      lock.unlock();
    }
  }

  /** nomad/node_endpoint.go: the error text of an eligible request on a draining node. */
  private static String drainingRefusal() {
    return "can not set node's scheduling eligibility to eligible while it is draining";
  }

  private long changeEligibility(NodeModel node, boolean eligible, String by) {
    long now = clock.getAsLong();
    long index = commitNode(node, NODE_ELIGIBILITY);
    node.statusUpdatedAt = now / 1000;
    node.eligible = eligible;
    node.addNodeEvent(
        "Cluster",
        eligible
            ? "Node marked as eligible for scheduling"
            : "Node marked as ineligible for scheduling",
        index,
        now);
    recordEligibilityChange(node, !eligible, by, now);
    return index;
  }

  private void recordEligibilityChange(NodeModel node, boolean before, String by, long now) {
    if (node.eligible != before) {
      record(
          node,
          SimEvent.Type.ELIGIBILITY_CHANGED,
          (node.eligible ? "eligible" : "ineligible") + " by " + by,
          now);
    }
  }

  // ---- the controller's own job ----

  /** The periodic jobs the lab knows: the controller's, as jobs/lab-orchestrator.nomad names it. */
  static final String CONTROLLER_JOB = "lab-orchestrator";

  /** A periodic child placed by a forced launch: its job, allocation and node. */
  record Launch(String jobId, String allocId, String nodeName, String nodeId) {}

  /** The answer of a forced launch; {@code launch} is null while its evaluation is blocked. */
  record Forced(String evalId, long index, Launch launch) {}

  /**
   * A periodic child of the controller's job running on {@code nodeName}: a batch allocation that
   * runs until {@link #allocExited} (on a draining node, until the drain's deadline stops it).
   */
  Launch startControllerAlloc(String nodeName) {
    return locked(
        c -> {
          NodeModel node = requireNamed(nodeName);
          long now = clock.getAsLong();
          AllocModel alloc = newAlloc(node, childJobId(now), BATCH, "", now);
          alloc.clientStatus = AllocModel.RUNNING;
          alloc.startAt = -1;
          alloc.runsUntilExit = true;
          record(node, SimEvent.Type.ALLOC_PLACED, alloc.name + " (the controller)", now);
          return new Launch(alloc.jobId, alloc.id, node.name, node.id);
        });
  }

  /** The task of allocation {@code allocId} exited: the allocation is complete (or failed). */
  void allocExited(String allocId, boolean success) {
    locked(
        c -> {
          AllocModel alloc = allocsById.get(allocId);
          if (alloc == null) {
            throw new IllegalArgumentException("no allocation " + allocId);
          }
          if (alloc.active()) {
            long now = clock.getAsLong();
            alloc.clientStatus = success ? AllocModel.COMPLETE : "failed";
            commitAlloc(alloc, now, ALLOCATION_UPDATED);
            record(byId.get(alloc.nodeId), SimEvent.Type.ALLOC_COMPLETED, alloc.name, now);
          }
          return null;
        });
  }

  /**
   * nomad/periodic_endpoint.go {@code Force} -> nomad/periodic.go {@code ForceRun}: the child
   * {@code <job>/periodic-<unix seconds>} is created and evaluated at once. Only the scheduled
   * launch ({@code dispatch}) checks {@code prohibit_overlap} through {@code RunningChildren}; a
   * forced one runs even while another child still runs (CLI docs: "even if it violates the job's
   * prohibit_overlap setting"). The batch scheduler places the child on a ready, eligible,
   * non-draining node with the java driver (the task's driver; structs.go Node.Ready); when none
   * fits, the evaluation is blocked and nothing runs until one does (not modelled further: the
   * launch stays unplaced).
   */
  Forced forcePeriodic(String jobId) {
    lock.lock();
    try {
      if (!CONTROLLER_JOB.equals(jobId)) {
        throw new ApiError(404, "job not found");
      }
      long now = clock.getAsLong();
      NodeModel target =
          byName.values().stream()
              .filter(n -> n.schedulable() && n.javaDriver)
              .min(
                  Comparator.comparingLong(
                      n -> allocsOnLocked(n.id).stream().filter(AllocModel::active).count()))
              .orElse(null);
      String child = childJobId(now);
      Launch launch = null;
      if (target != null) {
        AllocModel alloc = newAlloc(target, child, BATCH, "", now);
        alloc.runsUntilExit = true;
        record(target, SimEvent.Type.ALLOC_PLACED, alloc.name + " (forced launch)", now);
        launch = new Launch(child, alloc.id, target.name, target.id);
      }
      recordSubject(
          SimEvent.Type.PERIODIC_FORCED,
          jobId,
          child + (target == null ? ": evaluation blocked, no node fits" : " on " + target.name),
          now);
      long index = commit();
      signalIfDirty();
      return new Forced(newId(), index, launch);
    } finally {
      lock.unlock();
    }
  }

  private String childJobId(long now) {
    return CONTROLLER_JOB + "/periodic-" + now / 1000;
  }

  // ---- the control endpoint ----

  enum RebootOutcome {
    ACCEPTED,
    UNKNOWN_HOST,
    ALREADY_REBOOTING,
    NO_PREVIOUS_GENERATION
  }

  /**
   * Triggers a rebuild and reboot of {@code hostname}; {@code revision} may be null. A rebuild onto
   * another revision makes a new NixOS generation, so the current revision becomes the one a
   * rollback returns to.
   */
  RebootOutcome reboot(String hostname, String revision) {
    lock.lock();
    try {
      NodeModel node = byName.get(hostname);
      if (node == null) {
        return RebootOutcome.UNKNOWN_HOST;
      }
      if (node.reboot != null) {
        return RebootOutcome.ALREADY_REBOOTING;
      }
      long now = clock.getAsLong();
      if (hasFault(node, SimFaults::fakeReboot)) {
        record(node, SimEvent.Type.REBOOT_STARTED, "fake: the host will not restart", now);
        return RebootOutcome.ACCEPTED;
      }
      String current = node.meta.get(NodeModel.META_REVISION);
      revision = stagedRevision(node, revision);
      if (revision != null && !revision.equals(current)) {
        node.generations.push(current);
      }
      startReboot(
          node,
          new Reboot(revision, false, now + timing.rebootGoesDown().toMillis()),
          revision == null ? "revision unchanged" : "revision " + revision,
          now);
      return RebootOutcome.ACCEPTED;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Boots {@code hostname} into its previous NixOS generation ({@code nixos-rebuild --rollback
   * boot}, then a reboot): it comes back on the revision it had before its last rebuild, and the
   * faults of the bad generation (a check that stays critical, a wrong revision) do not apply to
   * that boot; the host's own are cleared when it boots (until then the bad generation still runs).
   */
  BootResult rollback(String hostname) {
    lock.lock();
    try {
      NodeModel node = byName.get(hostname);
      if (node == null) {
        return new BootResult(RebootOutcome.UNKNOWN_HOST, null);
      }
      if (node.reboot != null) {
        return new BootResult(RebootOutcome.ALREADY_REBOOTING, null);
      }
      if (node.generations.isEmpty()) {
        return new BootResult(RebootOutcome.NO_PREVIOUS_GENERATION, null);
      }
      long now = clock.getAsLong();
      String target = node.generations.peek();
      if (hasFault(node, SimFaults::fakeReboot)) {
        record(node, SimEvent.Type.REBOOT_STARTED, "fake: the host will not restart", now);
        return new BootResult(RebootOutcome.ACCEPTED, target);
      }
      node.generations.pop();
      startReboot(
          node,
          new Reboot(target, true, now + timing.rebootGoesDown().toMillis()),
          "rollback to " + target,
          now);
      return new BootResult(RebootOutcome.ACCEPTED, target);
    } finally {
      lock.unlock();
    }
  }

  /** The outcome of a reboot or rollback and the revision it boots into (null when refused). */
  record BootResult(RebootOutcome outcome, String revision) {}

  private void startReboot(NodeModel node, Reboot reboot, String detail, long now) {
    node.reboot = reboot;
    node.reboots++;
    record(node, SimEvent.Type.REBOOT_STARTED, detail, now);
    autopilot.update(now, raftIndex, consulIndex, this::recordSubject);
  }

  // ---- builds and activation (issue 9) ----

  /** The outcome of a build, or why none ran. */
  enum BuildOutcome {
    BUILT,
    FAILED,
    UNKNOWN_HOST,
    BUSY
  }

  /** A finished build: its store path and whether booting it needs a reboot. */
  record BuildResult(
      BuildOutcome outcome, String revision, String storePath, boolean rebootNeeded, String error) {
    static BuildResult refused(BuildOutcome outcome, String error) {
      return new BuildResult(outcome, null, null, false, error);
    }
  }

  /**
   * Builds {@code hostname}'s system of {@code revision} (null: the revision it runs), as {@code
   * nixos-rebuild build} or {@code nix build} on the host would, while the host keeps running: it
   * takes the host's build time, then the system is staged (built, not activated). Whether a reboot
   * is needed follows nixos/modules/tasks/auto-upgrade.nix: the built system's kernel, initrd and
   * kernel-modules differ from {@code /run/booted-system}'s. Waits up to {@code waitNanos} for the
   * build to end; a build still running then is answered {@code BUSY}.
   */
  BuildResult build(String hostname, String revision, long waitNanos) throws InterruptedException {
    lock.lock();
    try {
      NodeModel node = byName.get(hostname);
      if (node == null) {
        return BuildResult.refused(BuildOutcome.UNKNOWN_HOST, "no host named " + hostname);
      }
      NodeModel.Builds builds = node.builds;
      if (node.reboot != null || !node.ready()) {
        return BuildResult.refused(BuildOutcome.BUSY, hostname + " is not up");
      }
      if (builds.current != null && !builds.current.done) {
        return BuildResult.refused(BuildOutcome.BUSY, hostname + " is already building");
      }
      long now = clock.getAsLong();
      String rev = revision == null ? node.meta.get(NodeModel.META_REVISION) : revision;
      NodeModel.Build build =
          new NodeModel.Build(
              ++builds.seq,
              rev,
              storePath(node.name, rev),
              builds.kernelFor(rev),
              now + builds.buildMillis);
      builds.current = build;
      record(node, SimEvent.Type.BUILD_STARTED, "revision " + rev, now);
      advanceBuild(node, now);
      dirty = true;
      signalIfDirty();
      long remaining = waitNanos;
      while (!build.done && remaining > 0) {
        remaining = changed.awaitNanos(remaining);
      }
      if (!build.done) {
        return BuildResult.refused(BuildOutcome.BUSY, hostname + " is still building");
      }
      return build.failed
          ? BuildResult.refused(BuildOutcome.FAILED, "build of " + rev + " failed on " + hostname)
          : new BuildResult(BuildOutcome.BUILT, rev, build.storePath, build.rebootNeeded, null);
    } finally {
      lock.unlock();
    }
  }

  private void advanceBuild(NodeModel node, long now) {
    NodeModel.Build build = node.builds.current;
    if (build == null || build.done || now < build.doneAt) {
      return;
    }
    build.done = true;
    dirty = true;
    if (hasFault(node, SimFaults::buildFails)) {
      build.failed = true;
      record(node, SimEvent.Type.BUILD_FAILED, "revision " + build.revision, now);
      return;
    }
    build.rebootNeeded = !build.kernel.equals(node.builds.bootedKernel);
    node.builds.staged = build;
    record(
        node,
        SimEvent.Type.BUILD_FINISHED,
        "revision "
            + build.revision
            + (build.rebootNeeded ? ", reboot needed " : ", no reboot needed ")
            + build.storePath,
        now);
  }

  /** What a reboot without a revision boots: the staged build's revision, if any. */
  private static String stagedRevision(NodeModel node, String revision) {
    NodeModel.Build staged = node.builds.staged;
    return revision == null && staged != null ? staged.revision : revision;
  }

  /** The host booted the system of its revision: that system's kernel is now the booted one. */
  private static void booted(NodeModel node) {
    String revision = node.meta.get(NodeModel.META_REVISION);
    node.builds.bootedKernel = node.builds.kernelFor(revision);
    NodeModel.Build staged = node.builds.staged;
    if (staged != null && staged.revision.equals(revision)) {
      node.builds.staged = null;
    }
  }

  /** The store path of the build staged on {@code hostname} (what a boot would boot), or null. */
  String stagedPath(String hostname) {
    return locked(
        c -> {
          NodeModel node = byName.get(hostname);
          return node == null || node.builds.staged == null ? null : node.builds.staged.storePath;
        });
  }

  /** The refusal of a switch, or null when it was done. */
  enum SwitchOutcome {
    SWITCHED,
    UNKNOWN_HOST,
    NOTHING_BUILT,
    NOT_UP,
    OTHER_PATH
  }

  /**
   * {@code switch-to-configuration switch} of the staged build ({@code storePath} null: whatever
   * was built last): the host keeps running, so its boot id and kernel stay, its {@code
   * nixos.revision} becomes the build's and its services restart, so their Consul checks are
   * critical until they pass again. The client's new metadata reaches the servers by a
   * re-registration that keeps the node's status and adds no node event (node_endpoint.go {@code
   * Register}; state_store.go {@code upsertNodeTxn} adds "Node re-registered" only for a node that
   * was down).
   */
  SwitchOutcome switchTo(String hostname, String storePath) {
    return locked(
        c -> {
          NodeModel node = byName.get(hostname);
          if (node == null) {
            return SwitchOutcome.UNKNOWN_HOST;
          }
          NodeModel.Build staged = node.builds.staged;
          if (staged == null) {
            return SwitchOutcome.NOTHING_BUILT;
          }
          if (storePath != null && !storePath.equals(staged.storePath)) {
            return SwitchOutcome.OTHER_PATH;
          }
          if (node.reboot != null || !node.ready() || !node.agentRunning()) {
            return SwitchOutcome.NOT_UP;
          }
          long now = clock.getAsLong();
          String current = node.meta.get(NodeModel.META_REVISION);
          if (!staged.revision.equals(current)) {
            node.generations.push(current);
          }
          // The switched system's client registers again with its new meta.
          commitNode(node, NODE_REGISTRATION);
          node.statusUpdatedAt = now / 1000;
          node.meta.put(NodeModel.META_REVISION, staged.revision);
          node.builds.staged = null;
          record(node, SimEvent.Type.SWITCHED, "revision " + staged.revision, now);
          restartServices(node, now);
          return SwitchOutcome.SWITCHED;
        });
  }

  /** The service checks go critical while their services restart, and pass again later. */
  private void restartServices(NodeModel node, long now) {
    boolean any = false;
    for (CheckModel check : node.checks) {
      if (!check.serviceName.isEmpty() && check.passing()) {
        if (!any) {
          consulIndex++;
          dirty = true;
          any = true;
        }
        check.status = CheckModel.CRITICAL;
        check.modifyIndex = consulIndex;
      }
    }
    if (any) {
      node.checksPassAt = now + timing.checksPassAfter().toMillis();
      record(node, SimEvent.Type.CHECKS_CHANGED, "services restarting", now);
    }
  }

  /**
   * A store path as Nix names a NixOS system: {@code /nix/store/<32 nix-base32 characters>-
   * nixos-system-<host>-<revision>}, the hash standing for the build's inputs.
   */
  static String storePath(String host, String revision) {
    String alphabet = "0123456789abcdfghijklmnpqrsvwxyz";
    byte[] digest;
    try {
      digest =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest((host + "/" + revision).getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    StringBuilder hash = new StringBuilder();
    for (int i = 0; i < 32; i++) {
      hash.append(alphabet.charAt((digest[i] & 0xff) % 32));
    }
    String name = (host + "-" + revision).replaceAll("[^A-Za-z0-9+._?=-]", "_");
    return "/nix/store/" + hash + "-nixos-system-" + name;
  }

  // ---- Consul node maintenance ----

  /**
   * agent/agent.go {@code EnableNodeMaintenance} / {@code DisableNodeMaintenance} on the host's own
   * agent: idempotent; enabling adds the critical {@code _node_maintenance} check with the reason
   * (a default text when none is given), disabling removes it.
   */
  void maintenance(String hostname, boolean enable, String reason) {
    locked(
        c -> {
          NodeModel node = requireNamed(hostname);
          if (enable == (node.maintenanceReason != null) || !node.agentRunning()) {
            return null;
          }
          long now = clock.getAsLong();
          consulIndex++;
          dirty = true;
          if (enable) {
            node.maintenanceReason =
                reason.isEmpty()
                    ? "Maintenance mode is enabled for this node, but no reason was provided."
                        + " This is a default message."
                    : reason;
            node.checks.add(maintenanceCheck(node.maintenanceReason));
            record(node, SimEvent.Type.MAINTENANCE_ON, node.maintenanceReason, now);
          } else {
            node.maintenanceReason = null;
            node.checks.removeIf(CheckModel::maintenance);
            record(node, SimEvent.Type.MAINTENANCE_OFF, "", now);
          }
          return null;
        });
  }

  // ---- dynamic node metadata ----

  /**
   * client/meta_endpoint.go {@code Apply} on the node's client (reached through a server with
   * {@code node_id}): merges {@code changes} into the client's dynamic metadata (a null value
   * unsets its key; a null for a key of the static meta is kept, so the removal persists) and
   * triggers a re-registration, which {@link #tick} carries out. The reply is the client's view:
   * merged Meta, Dynamic and Static.
   *
   * <p>Through a server, command/agent/meta_endpoint.go answers 404 with {@code ErrNoNodeConn} ("No
   * path to node") while the client is not connected: here, while the node is down.
   */
  Map<String, Map<String, String>> applyNodeMeta(String nodeId, Map<String, String> changes) {
    return locked(
        c -> {
          NodeModel node = connectedClient(nodeId);
          Map<String, String> registered = node.clientMeta();
          changes.forEach(
              (k, v) -> {
                boolean isStatic = registered.containsKey(k) && !node.dynamicMeta.containsKey(k);
                if (v == null && !isStatic) {
                  node.dynamicMeta.remove(k);
                } else {
                  node.dynamicMeta.put(k, v);
                }
                node.unregisteredMeta.put(k, v);
              });
          return nodeMetaReply(node);
        });
  }

  /** client/meta_endpoint.go {@code Read}: the client's merged Meta, Dynamic and Static. */
  Map<String, Map<String, String>> readNodeMeta(String nodeId) {
    return locked(c -> nodeMetaReply(connectedClient(nodeId)));
  }

  /** The node whose client a server can forward a client RPC to. */
  private NodeModel connectedClient(String nodeId) {
    NodeModel node = byId.get(nodeId);
    if (node == null) {
      throw new ApiError(500, "Unknown node " + nodeId);
    }
    if (NodeModel.DOWN.equals(node.status)) {
      throw new ApiError(404, "No path to node");
    }
    return node;
  }

  private static Map<String, Map<String, String>> nodeMetaReply(NodeModel node) {
    Map<String, String> merged = node.clientMeta();
    Map<String, String> statics = new LinkedHashMap<>(merged);
    statics.keySet().removeAll(node.dynamicMeta.keySet());
    Map<String, Map<String, String>> reply = new LinkedHashMap<>();
    reply.put("Meta", merged);
    reply.put("Dynamic", new LinkedHashMap<>(node.dynamicMeta));
    reply.put("Static", statics);
    return reply;
  }

  /** The node's Meta as the servers have it ({@code GET /v1/node/:id}). */
  Map<String, String> nodeMeta(String name) {
    lock.lock();
    try {
      return new LinkedHashMap<>(requireNamed(name).meta);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The client re-registers a node whose metadata changed (client.go {@code watchNodeUpdates} ->
   * {@code retryRegisterNode}; several changes in a row make one registration). What a
   * re-registration of a node that stays up changes, and what it does not:
   *
   * <ul>
   *   <li>nomad/node_endpoint.go {@code Register} sets {@code StatusUpdatedAt} to the time of the
   *       registration, and keeps the node's status ("Don't allow the Register method to update the
   *       node status. Only the UpdateStatus method should be able to do this.");
   *   <li>nomad/state/state_store.go {@code upsertNodeTxn} moves the node's ModifyIndex and the
   *       nodes index, keeps eligibility, drain strategy, LastDrain and the node's Events, and adds
   *       an Event ("Node re-registered") only when the node was {@code down}: none here.
   * </ul>
   *
   * A node that is down registers its metadata when it comes back ({@link #comeBack}).
   */
  private void registerNodeMeta(NodeModel node, long now) {
    if (node.unregisteredMeta.isEmpty() || NodeModel.DOWN.equals(node.status)) {
      return;
    }
    // client.go watchNodeUpdates -> Node.Register: a NodeRegistration event (fleet-facts §3).
    commitNode(node, NODE_REGISTRATION);
    node.statusUpdatedAt = now / 1000;
    applyUnregisteredMeta(node);
    record(
        node,
        SimEvent.Type.NODE_META_UPDATED,
        new java.util.TreeMap<>(node.dynamicMeta).toString(),
        now);
  }

  private static void applyUnregisteredMeta(NodeModel node) {
    Map<String, String> merged = node.clientMeta();
    node.meta.clear();
    node.meta.putAll(merged);
    node.unregisteredMeta.clear();
  }

  // ---- autopilot ----

  void forceAutopilotUnhealthy(boolean unhealthy) {
    locked(
        c -> {
          autopilot.force(unhealthy);
          autopilot.update(clock.getAsLong(), raftIndex, consulIndex, this::recordSubject);
          return null;
        });
  }

  // ---- time ----

  /** Moves the simulation to the current wall-clock time. Called every few milliseconds. */
  void tick() {
    lock.lock();
    try {
      long now = clock.getAsLong();
      for (NodeModel node : byName.values()) {
        advanceReboot(node, now);
        advanceChecks(node, now);
        registerNodeMeta(node, now);
      }
      advanceAllocs(now);
      advanceHealth(now);
      for (NodeModel node : byName.values()) {
        advanceDrain(node, now);
        advanceBuild(node, now);
      }
      placeBlocked(now);
      for (NodeModel node : byName.values()) {
        placeSystemAllocs(node, now);
      }
      variables.tick(now);
      autopilot.update(now, raftIndex, consulIndex, this::recordSubject);
      signalIfDirty();
    } finally {
      lock.unlock();
    }
  }

  private void advanceReboot(NodeModel node, long now) {
    Reboot reboot = node.reboot;
    if (reboot == null || now < reboot.phaseEndsAt) {
      return;
    }
    switch (reboot.phase) {
      case GOING_DOWN -> {
        goDown(node, now);
        reboot.phase = Reboot.Phase.DOWN;
        reboot.phaseEndsAt =
            now + (node.downFor != null ? node.downFor : timing.downFor()).toMillis();
      }
      case DOWN -> {
        if (!hasFault(node, SimFaults::neverReturns)) {
          comeBack(node, reboot, now);
          reboot.phase = Reboot.Phase.INITIALIZING;
          reboot.phaseEndsAt = now + timing.initializingFor().toMillis();
        }
      }
      case INITIALIZING -> {
        node.reboot = null;
        // client.go: the client reports ready through Node.UpdateStatus.
        setStatus(node, NodeModel.READY, null, NODE_STREAM_EVENT, now);
      }
    }
  }

  /**
   * The host stops: Nomad misses its heartbeats and marks it down (heartbeat.go "Node heartbeat
   * missed"), its allocations are lost and replaced elsewhere, and its Consul agent leaves, which
   * deregisters the node (design §4: "during a reboot the node may have no checks").
   */
  private void goDown(NodeModel node, long now) {
    setStatus(node, NodeModel.DOWN, "Node heartbeat missed", NODE_STREAM_EVENT, now);
    for (AllocModel alloc : allocsOnLocked(node.id)) {
      if (alloc.active()) {
        alloc.clientStatus = AllocModel.LOST;
        alloc.desiredStatus = "stop";
        alloc.desiredDescription = "alloc is lost since its node is down";
        // The node's evaluation plans the lost allocations' stop (and their replacements).
        commitAlloc(alloc, now, PLAN_RESULT);
        record(node, SimEvent.Type.ALLOC_LOST, alloc.name, now);
        if (!alloc.system()) {
          placeReplacement(alloc, "node-update", node.id, now);
        }
      }
    }
    node.checks = null;
    node.checksPassAt = -1;
    consulIndex++;
    dirty = true;
    record(node, SimEvent.Type.CHECKS_CHANGED, "deregistered", now);
  }

  /**
   * The host has booted: its Nomad client registers again with fresh metadata (a new boot id, the
   * built revision) and stays initializing for a while; its Consul agent joins with serfHealth
   * passing and the other checks critical until they first succeed.
   */
  private void comeBack(NodeModel node, Reboot reboot, long now) {
    if (node.publishesBootId) {
      node.meta.put(NodeModel.META_BOOT_ID, newId());
    }
    node.rollbackBoot = reboot.rollback;
    if (reboot.rollback) {
      node.faults.checkStaysCritical(false).returnsRevision(null);
    }
    Optional<String> revision =
        reboot.rollback
            ? Optional.of(reboot.revision)
            : faultValue(node, SimFaults::returnsRevision)
                .or(() -> Optional.ofNullable(reboot.revision));
    revision.ifPresent(r -> node.meta.put(NodeModel.META_REVISION, r));
    booted(node);
    // The client registers with the dynamic metadata it persisted (client/meta_endpoint.go
    // stateDB.PutNodeMeta), including changes it could not register before it went down.
    applyUnregisteredMeta(node);
    // A booted client registers afresh (client/client.go registerAndHeartbeat -> Node.Register,
    // status initializing); nomad/state/state_store.go upsertNodeTxn appends "Node re-registered"
    // because the stored node was down. ("Node reregistered by heartbeat", node_endpoint.go
    // UpdateStatus, is a client that was marked down heartbeating again without a restart.) A
    // client that re-registers while up (dynamic metadata, client.go watchNodeUpdates) leaves
    // the events alone: only the down -> up transition adds one.
    setStatus(node, NodeModel.INITIALIZING, "Node re-registered", NODE_REGISTRATION, now);
    node.checks = freshChecks(node, CheckModel.CRITICAL);
    node.checksPassAt = now + timing.checksPassAfter().toMillis();
    long critical = node.checks.stream().filter(c -> !c.passing()).count();
    record(node, SimEvent.Type.CHECKS_CHANGED, "registered, " + critical + " critical", now);
  }

  private void advanceChecks(NodeModel node, long now) {
    if (node.checks == null || node.checksPassAt < 0 || now < node.checksPassAt) {
      return;
    }
    CheckModel stuck =
        !node.rollbackBoot && hasFault(node, SimFaults::checkStaysCritical)
            ? stuckCheck(node)
            : null;
    boolean any = false;
    for (CheckModel check : node.checks) {
      if (check != stuck && !check.passing() && !check.maintenance()) {
        if (!any) {
          consulIndex++;
          dirty = true;
          any = true;
        }
        check.status = CheckModel.PASSING;
        check.modifyIndex = consulIndex;
      }
    }
    if (stuck == null) {
      node.checksPassAt = -1;
    }
    if (any) {
      record(
          node,
          SimEvent.Type.CHECKS_CHANGED,
          stuck == null ? "passing" : "passing except " + stuck.checkId,
          now);
    }
  }

  private static CheckModel stuckCheck(NodeModel node) {
    return node.checks.stream()
        .filter(c -> !c.serf() && !c.maintenance())
        .findFirst()
        .orElse(node.checks.get(0));
  }

  private void advanceAllocs(long now) {
    // Nothing here adds an allocation, so no copy of the list is needed.
    for (int i = 0; i < allocs.size(); i++) {
      AllocModel alloc = allocs.get(i);
      if (alloc.startAt < 0 && alloc.stopAt < 0) {
        continue;
      }
      NodeModel node = byId.get(alloc.nodeId);
      if (AllocModel.PENDING.equals(alloc.clientStatus)
          && alloc.startAt >= 0
          && now >= alloc.startAt
          && node.ready()) {
        alloc.clientStatus = AllocModel.RUNNING;
        alloc.startAt = -1;
        commitAlloc(alloc, now, ALLOCATION_UPDATED);
        scheduleHealth(alloc, now);
      } else if (alloc.stopAt >= 0 && now >= alloc.stopAt && alloc.active()) {
        alloc.clientStatus = AllocModel.COMPLETE;
        alloc.stopAt = -1;
        commitAlloc(alloc, now, ALLOCATION_UPDATED);
        record(node, SimEvent.Type.ALLOC_STOPPED, alloc.name, now);
      }
    }
  }

  /**
   * nomad/drainer: service allocations migrate one at a time (watch_jobs.go, migrate max_parallel
   * 1); batch allocations are never marked for migration but run until they finish or the deadline
   * passes (watch_jobs.go "We don't mark batch for drain"; node drain docs: "will not be
   * replaced"); when the deadline passes everything the drain covers is stopped at once (drainer.go
   * handleDeadlinedNodes). The drain completes as soon as no non-system allocation is pending or
   * running (draining_node.go IsDone); only then are system allocations told to stop, so they
   * outlive the DrainStrategy.
   */
  private void advanceDrain(NodeModel node, long now) {
    Drain drain = node.drain;
    if (drain == null) {
      return;
    }
    if (drain.forcedAt(now)) {
      for (AllocModel alloc : allocsOnLocked(node.id)) {
        if (alloc.active() && drain.covers(alloc)) {
          if (SERVICE.equals(alloc.jobType)) {
            migrate(node, alloc, "deadline", now);
          } else {
            stopForDrain(alloc, now);
            record(node, SimEvent.Type.ALLOC_STOPPED, alloc.name + " (drain deadline)", now);
          }
        }
      }
      completeDrain(node, drain, now);
      return;
    }
    if (now >= drain.nextMigrationAt) {
      // watch_jobs.go handleTaskGroup: only an allocation whose DeploymentStatus has health
      // (HasHealth: Healthy true or false) counts as healthy and so may be drained; one without
      // waits for the deadline.
      allocsOnLocked(node.id).stream()
          .filter(a -> a.active() && SERVICE.equals(a.jobType) && "run".equals(a.desiredStatus))
          .filter(a -> a.healthy != null)
          .findFirst()
          .ifPresent(alloc -> migrate(node, alloc, "drain", now));
      drain.nextMigrationAt = now + perAllocMillis(node);
    }
    if (now >= drain.batchDoneAt) {
      for (AllocModel alloc : allocsOnLocked(node.id)) {
        if (alloc.active() && BATCH.equals(alloc.jobType) && !alloc.runsUntilExit) {
          alloc.clientStatus = AllocModel.COMPLETE;
          commitAlloc(alloc, now, ALLOCATION_UPDATED);
          record(node, SimEvent.Type.ALLOC_COMPLETED, alloc.name, now);
        }
      }
    }
    if (allocsOnLocked(node.id).stream().noneMatch(a -> a.active() && !a.system())) {
      completeDrain(node, drain, now);
    }
  }

  private void migrate(NodeModel node, AllocModel alloc, String why, long now) {
    stopForDrain(alloc, now);
    AllocModel replacement = placeReplacement(alloc, "node-drain", node.id, now);
    String target = replacement == null ? "blocked: no node can take it" : replacement.nodeName;
    record(
        node, SimEvent.Type.ALLOC_MIGRATED, alloc.name + " -> " + target + " (" + why + ")", now);
  }

  /**
   * How a drain stops an allocation, one raft apply per step: the drainer marks it for migration
   * (nomad/drainer/drainer.go AllocUpdateDesiredTransition: AllocationUpdateDesiredStatus), the
   * scheduler's plan stops it (PlanResult), the client reports it complete (AllocationUpdated).
   */
  private void stopForDrain(AllocModel alloc, long now) {
    alloc.migrate = true;
    commitAlloc(alloc, now, ALLOCATION_UPDATE_DESIRED_STATUS);
    alloc.desiredStatus = "stop";
    alloc.desiredDescription = "alloc is being migrated";
    commitAlloc(alloc, now, PLAN_RESULT);
    alloc.clientStatus = AllocModel.COMPLETE;
    commitAlloc(alloc, now, ALLOCATION_UPDATED);
  }

  /** drainer.go: NodesDrainComplete clears the strategy; the node stays ineligible. */
  private void completeDrain(NodeModel node, Drain drain, long now) {
    // BatchNodeUpdateDrainRequestType: a NodeDrain event whose node has no DrainStrategy.
    long index = commitNode(node, NODE_DRAIN);
    node.drain = null;
    node.statusUpdatedAt = now / 1000;
    node.lastDrain.status = "complete";
    node.lastDrain.updatedAt = Instant.ofEpochMilli(now).truncatedTo(ChronoUnit.SECONDS);
    node.addNodeEvent("Drain", "Node drain complete", index, now);
    record(node, SimEvent.Type.DRAIN_COMPLETE, "", now);
    if (!drain.ignoreSystemJobs) {
      long stopAt = now + timing.systemAllocStopLag().toMillis();
      for (AllocModel alloc : allocsOnLocked(node.id)) {
        if (alloc.active() && alloc.system() && "run".equals(alloc.desiredStatus)) {
          alloc.desiredStatus = "stop";
          alloc.desiredDescription = "alloc is being migrated";
          alloc.migrate = true;
          alloc.stopAt = stopAt;
          commitAlloc(alloc, now, ALLOCATION_UPDATE_DESIRED_STATUS);
        }
      }
    }
  }

  /**
   * The evaluation that places the replacement of {@code original} (triggered by {@code node-drain}
   * or {@code node-update}), through {@link Placement}. When no node fits, the evaluation completes
   * with {@code FailedTGAllocs} and a chained {@code blocked} evaluation waits until one does
   * (api-docs/evaluations.mdx "Read Evaluation": TriggeredBy {@code queued-allocs}, "created to
   * place remaining allocations"; nomad/blocked_evals.go unblocks it when capacity changes).
   * Returns the replacement, or null while it is blocked.
   */
  private AllocModel placeReplacement(
      AllocModel original, String triggeredBy, String nodeId, long now) {
    EvalModel eval =
        new EvalModel(
            newId(), original, triggeredBy, nodeId, "", EvalModel.COMPLETE, commitEval(), now);
    evals.add(eval);
    Placement.Result placement = Placement.choose(byName.values(), this::allocsOnLocked, original);
    if (placement.target() != null) {
      return placeFor(original, placement.target(), now);
    }
    eval.failed = placement.metric();
    EvalModel blocked =
        new EvalModel(
            newId(), original, "queued-allocs", "", eval.id, EvalModel.BLOCKED, commitEval(), now);
    blocked.statusDescription = "created to place remaining allocations";
    blocked.failed = placement.metric();
    blocked.waiting = original;
    eval.blockedEval = blocked.id;
    evals.add(blocked);
    record(
        byId.get(original.nodeId),
        SimEvent.Type.EVAL_BLOCKED,
        original.jobId + ": " + exhaustion(placement.metric()),
        now);
    return null;
  }

  private AllocModel placeFor(AllocModel original, NodeModel target, long now) {
    AllocModel replacement = place(target, original.jobId, original.jobType, original.id, now);
    replacement.spec = original.spec;
    original.nextAllocation = replacement.id;
    return replacement;
  }

  private static String exhaustion(Placement.Metric metric) {
    return metric.nodesEvaluated() == 0
        ? "no ready node in the pool and datacenter"
        : metric.nodesExhausted() + " node(s) exhausted " + metric.dimensionExhausted();
  }

  /** Blocked evaluations whose allocation now fits are placed and complete. */
  private void placeBlocked(long now) {
    for (EvalModel eval : evals) {
      if (!eval.blocked()) {
        continue;
      }
      Placement.Result placement =
          Placement.choose(byName.values(), this::allocsOnLocked, eval.waiting);
      if (placement.target() != null) {
        placeFor(eval.waiting, placement.target(), now);
        eval.status = EvalModel.COMPLETE;
        eval.statusDescription = "";
        eval.waiting = null;
        eval.modifyIndex = commitEval();
        eval.modifyTimeNanos = now * 1_000_000;
      }
    }
  }

  private long commitEval() {
    evalsIndex = commit();
    return evalsIndex;
  }

  /** The evaluations, oldest first. */
  List<EvalModel> evalsLocked() {
    return List.copyOf(evals);
  }

  /** The evals table index: what {@code GET /v1/evaluations} reports and blocks on. */
  long evalsIndexLocked() {
    return evalsIndex;
  }

  /** Every allocation, oldest first ({@code GET /v1/allocations}). */
  List<AllocModel> allocsLocked() {
    return List.copyOf(allocs);
  }

  /** The allocs table index: what {@code GET /v1/allocations} reports and blocks on. */
  long allocsTableIndexLocked() {
    return Math.max(allocsIndex, 1);
  }

  /**
   * client/allocrunner/health_hook.go with client/allochealth/tracker.go: once a placed service
   * allocation runs, its client watches it for the group's {@code min_healthy_time} (the migrate
   * block outside deployments) and then reports {@code DeploymentStatus.Healthy}: true, or false
   * when its tasks or checks are not healthy by the deadline. {@code NEVER} models a client that
   * never reports.
   */
  private void scheduleHealth(AllocModel alloc, long now) {
    if (alloc.service()
        && alloc.healthy == null
        && alloc.spec.health() != SimNode.ReplacementHealth.NEVER) {
      alloc.healthAt = now + alloc.spec.healthyAfterMillis();
    }
  }

  private void advanceHealth(long now) {
    for (AllocModel alloc : allocs) {
      if (alloc.healthAt >= 0 && now >= alloc.healthAt) {
        alloc.healthAt = -1;
        if (!AllocModel.RUNNING.equals(alloc.clientStatus)) {
          continue;
        }
        alloc.healthy = alloc.spec.health() == SimNode.ReplacementHealth.HEALTHY;
        // The client reports health with its allocation updates (Node.UpdateAlloc).
        commitAlloc(alloc, now, ALLOCATION_UPDATED);
        record(
            byId.get(alloc.nodeId),
            alloc.healthy ? SimEvent.Type.ALLOC_HEALTHY : SimEvent.Type.ALLOC_UNHEALTHY,
            alloc.name + (alloc.previousAllocation.isEmpty() ? "" : " (replacement)"),
            now);
      }
    }
  }

  /**
   * The system scheduler places a system job on every ready, eligible node that lacks it
   * (node_endpoint.go creates node evaluations when a node becomes ready or eligible); an
   * ineligible node gets none back after a reboot until it is eligible again.
   */
  private void placeSystemAllocs(NodeModel node, long now) {
    if (!node.schedulable()) {
      return;
    }
    for (String job : node.systemJobs) {
      boolean present = false;
      for (AllocModel a : allocsByNode.getOrDefault(node.id, List.of())) {
        present |= a.jobId.equals(job) && a.active() && "run".equals(a.desiredStatus);
      }
      if (!present) {
        place(node, job, SYSTEM, "", now);
      }
    }
  }

  /** A new pending allocation on {@code node}, recorded as placed. */
  private AllocModel place(NodeModel node, String jobId, String type, String previous, long now) {
    AllocModel alloc = newAlloc(node, jobId, type, previous, now);
    record(
        node,
        SimEvent.Type.ALLOC_PLACED,
        alloc.name + (previous.isEmpty() ? "" : " replacing " + previous.substring(0, 8)),
        now);
    return alloc;
  }

  /**
   * An allocation of {@code jobId} (a batch job) on {@code nodeName} that has reached {@code
   * clientStatus} and stays there: what a test needs to stand for another process, such as an
   * earlier controller run. Returns its ID.
   */
  String registerAlloc(String nodeName, String jobId, String clientStatus) {
    lock.lock();
    try {
      NodeModel node = requireNamed(nodeName);
      long now = nowMillis();
      AllocModel alloc = newAlloc(node, jobId, BATCH, "", now);
      alloc.clientStatus = clientStatus;
      alloc.startAt = -1;
      record(node, SimEvent.Type.ALLOC_PLACED, alloc.name + " " + clientStatus, now);
      signalIfDirty();
      return alloc.id;
    } finally {
      lock.unlock();
    }
  }

  /** The allocation with this ID, or null (never placed, or garbage-collected). */
  AllocModel allocLocked(String id) {
    return allocsById.get(id);
  }

  private AllocModel newAlloc(
      NodeModel node, String jobId, String type, String previous, long now) {
    long index = commit();
    long jobIndex = jobCreateIndex.computeIfAbsent(jobId, j -> index);
    String taskGroup = SYSTEM.equals(type) ? "agent" : "app";
    AllocModel alloc =
        new AllocModel(
            newId(), newId(), jobId, type, taskGroup, jobIndex, node, previous, index, now);
    alloc.clientStatus = AllocModel.PENDING;
    alloc.startAt = now + timing.allocStart().toMillis();
    alloc.spec = node.capacity.jobs;
    allocsIndex = index;
    allocs.add(alloc);
    allocsByNode.computeIfAbsent(alloc.nodeId, n -> new ArrayList<>()).add(alloc);
    allocsById.put(alloc.id, alloc);
    changed(index, PLAN_RESULT, alloc);
    return alloc;
  }

  private void setStatus(
      NodeModel node, String status, String nodeEvent, String eventType, long now) {
    long index = commitNode(node, eventType);
    node.status = status;
    node.statusUpdatedAt = now / 1000;
    if (nodeEvent != null) {
      node.addNodeEvent("Cluster", nodeEvent, index, now);
    }
    record(node, SimEvent.Type.STATUS_CHANGED, status, now);
  }

  // ---- faults ----

  enum Fault {
    NONE,
    ERROR_500,
    ERROR_503,
    DROP_BEFORE,
    /** The request is carried out, then the connection closes before the answer is sent. */
    DROP_AFTER
  }

  /**
   * Drops the request when the APIs are unreachable, else rolls the global error rate, then that of
   * the node the request names (may be null).
   */
  Fault rollFault(Function<Cluster, NodeModel> namedLocked) {
    lock.lock();
    try {
      NodeModel named = namedLocked.apply(this);
      if (global.unreachable() || (named != null && named.faults.unreachable())) {
        return Fault.DROP_BEFORE;
      }
      boolean hit = roll(global.errorRate()) || (named != null && roll(named.faults.errorRate()));
      return hit ? Fault.values()[1 + faultDice.nextInt(Fault.values().length - 1)] : Fault.NONE;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether the Nomad Variables API is down on its own ({@link SimFaults#variablesUnreachable}).
   */
  boolean variablesUnreachable() {
    return global.variablesUnreachable();
  }

  /** The status new event streams are refused with ({@link SimFaults#refuseEventStreams}), or 0. */
  int eventStreamRefusal() {
    return global.eventStreamRefusal();
  }

  private boolean roll(double rate) {
    return rate > 0 && faultDice.nextDouble() < rate;
  }

  private boolean hasFault(NodeModel node, Predicate<SimFaults> fault) {
    return fault.test(node.faults) || fault.test(global);
  }

  private <T> Optional<T> faultValue(NodeModel node, Function<SimFaults, Optional<T>> value) {
    return value.apply(node.faults).or(() -> value.apply(global));
  }

  private long perAllocMillis(NodeModel node) {
    return faultValue(node, SimFaults::slowDrain).orElse(timing.drainPerAlloc()).toMillis();
  }

  // ---- the record ----

  void recordRequest(SimRequest request) {
    lock.lock();
    try {
      requests.add(request);
    } finally {
      lock.unlock();
    }
  }

  List<SimRequest> requests() {
    lock.lock();
    try {
      return requests.stream().sorted(Comparator.comparingLong(SimRequest::atMillis)).toList();
    } finally {
      lock.unlock();
    }
  }

  List<SimEvent> events() {
    lock.lock();
    try {
      return List.copyOf(events);
    } finally {
      lock.unlock();
    }
  }

  SimFaults faults(String name) {
    lock.lock();
    try {
      return requireNamed(name).faults;
    } finally {
      lock.unlock();
    }
  }

  SimNodeState state(String name) {
    lock.lock();
    try {
      NodeModel node = requireNamed(name);
      Map<String, Integer> active = new LinkedHashMap<>();
      for (String type : List.of(SERVICE, BATCH, SYSTEM)) {
        active.put(type, activeCount(node, a -> a.jobType.equals(type)));
      }
      Map<String, String> checks = new LinkedHashMap<>();
      if (node.checks != null) {
        node.checks.forEach(c -> checks.put(c.checkId, c.status));
      }
      return new SimNodeState(
          node.name,
          node.id,
          node.consulName,
          node.status,
          node.eligible,
          node.drain != null,
          node.meta.get(NodeModel.META_BOOT_ID),
          node.meta.get(NodeModel.META_REVISION),
          active,
          checks,
          node.reboot != null,
          node.reboots,
          node.address);
    } finally {
      lock.unlock();
    }
  }

  private void record(NodeModel node, SimEvent.Type type, String detail, long now) {
    events.add(
        new SimEvent(
            now,
            node.name,
            type,
            detail,
            node.ready(),
            node.eligible,
            node.drain != null,
            node.checksPassing(),
            activeCount(node, a -> !a.system()),
            activeCount(node, AllocModel::system)));
  }

  /** The {@link SubjectLog}: snapshot flags are false and zero, the subject names no host. */
  private void recordSubject(SimEvent.Type type, String subject, String detail, long now) {
    events.add(new SimEvent(now, subject, type, detail, false, false, false, false, 0, 0));
  }

  private int activeCount(NodeModel node, Predicate<AllocModel> filter) {
    return (int) allocsOnLocked(node.id).stream().filter(a -> a.active() && filter.test(a)).count();
  }

  // ---- helpers ----

  private NodeModel requireNode(String nodeId) {
    NodeModel node = byId.get(nodeId);
    if (node == null) {
      throw new ApiError(500, "node not found"); // node_endpoint.go: an uncoded RPC error
    }
    return node;
  }

  private NodeModel requireNamed(String name) {
    NodeModel node = byName.get(name);
    if (node == null) {
      throw new IllegalArgumentException("no simulated node named " + name);
    }
    return node;
  }

  private long commit() {
    // The writes of the previous index are done: its events show them as they were committed.
    publishChanges();
    dirty = true;
    return ++raftIndex;
  }

  /** A write of {@code node}, which the caller then makes; {@code eventType} as Nomad names it. */
  private long commitNode(NodeModel node, String eventType) {
    long index = commit();
    node.modifyIndex = index;
    nodesIndex = index;
    changed(index, eventType, node);
    return index;
  }

  /** A write of {@code alloc}, which the caller has made; {@code eventType} as Nomad names it. */
  private void commitAlloc(AllocModel alloc, long now, String eventType) {
    long index = commit();
    alloc.touch(index, now);
    allocsIndex = index;
    changed(index, eventType, alloc);
    publishChanges(); // the caller made its change before committing it
  }

  // ---- the event stream ----

  // nomad/structs/event.go Type* constants, as nomad/state/events.go MsgTypeEvents maps raft
  // message types to them. Node status changes are NodeStreamEvent: the docs' "NodeEvent" was
  // renamed in Nomad 1.0 and is never sent (fleet-facts §1).
  static final String NODE_REGISTRATION = "NodeRegistration";
  static final String NODE_ELIGIBILITY = "NodeEligibility";
  static final String NODE_DRAIN = "NodeDrain";
  static final String NODE_STREAM_EVENT = "NodeStreamEvent";
  static final String PLAN_RESULT = "PlanResult";
  static final String ALLOCATION_UPDATED = "AllocationUpdated";
  static final String ALLOCATION_UPDATE_DESIRED_STATUS = "AllocationUpdateDesiredStatus";

  /** A committed write of a node or an allocation whose event is still to be rendered. */
  private record Change(long index, String type, Object subject) {}

  private void changed(long index, String type, Object subject) {
    unpublished.add(new Change(index, type, subject));
  }

  /**
   * Renders the events of the writes committed so far, one frame per raft index, into the event
   * buffer (nomad/state/events.go eventsFromChanges, eventFromChange).
   */
  private void publishChanges() {
    if (unpublished.isEmpty()) {
      return;
    }
    long index = unpublished.get(0).index();
    List<EventBuffer.Event> frame = new ArrayList<>();
    for (Change change : unpublished) {
      if (change.index() != index) {
        eventBuffer.publish(index, frame);
        frame = new ArrayList<>();
        index = change.index();
      }
      frame.add(render(change));
    }
    eventBuffer.publish(index, frame);
    unpublished.clear();
  }

  /**
   * nomad/state/events.go eventFromChange: a node event has Key = node ID, no namespace and no
   * FilterKeys, Payload {"Node": the sanitized node}; an allocation event has Key = alloc ID,
   * FilterKeys = [JobID, DeploymentID], Payload {"Allocation": the alloc with Job = null}.
   */
  private static EventBuffer.Event render(Change change) {
    ObjectNode event = JsonNodeFactory.instance.objectNode();
    String topic;
    String key;
    String namespace;
    List<String> filterKeys;
    ObjectNode payload = JsonNodeFactory.instance.objectNode();
    if (change.subject() instanceof NodeModel node) {
      topic = "Node";
      key = node.id;
      namespace = "";
      filterKeys = null;
      payload.set("Node", NomadViews.node(node));
    } else {
      AllocModel alloc = (AllocModel) change.subject();
      topic = "Allocation";
      key = alloc.id;
      namespace = "default";
      filterKeys = List.of(alloc.jobId, "");
      ObjectNode view = NomadViews.alloc(alloc);
      view.putNull("Job");
      payload.set("Allocation", view);
    }
    event.put("Topic", topic);
    event.put("Type", change.type());
    event.put("Key", key);
    event.put("Namespace", namespace);
    if (filterKeys == null) {
      event.putNull("FilterKeys");
    } else {
      filterKeys.forEach(event.putArray("FilterKeys")::add);
    }
    event.put("Index", change.index());
    event.set("Payload", payload);
    try {
      return new EventBuffer.Event(
          topic,
          key,
          namespace,
          filterKeys == null ? List.of() : filterKeys,
          ApiServer.JSON.writeValueAsString(event));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render a simulated event", e);
    }
  }

  EventBuffer eventBuffer() {
    return eventBuffer;
  }

  private void signalIfDirty() {
    publishChanges();
    if (dirty) {
      dirty = false;
      changed.signalAll();
    }
  }

  private String newId() {
    return new UUID(ids.nextLong(), ids.nextLong()).toString();
  }
}
