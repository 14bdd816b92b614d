package dev.laborchestrator.sim;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One Nomad client node and its Consul agent. Guarded by the {@link Cluster} lock. */
final class NodeModel {

  static final String READY = "ready";
  static final String DOWN = "down";
  static final String INITIALIZING = "initializing";
  static final String META_REVISION = "nixos.revision";
  static final String META_BOOT_ID = "lab.boot-id";

  /** structs.go {@code MaxRetainedNodeEvents}: a node keeps its last 10 events. */
  static final int MAX_NODE_EVENTS = 10;

  final String id;
  final String name;
  final String consulName;
  final String address;
  final boolean server;
  final boolean publishesBootId;
  final SimFaults faults = new SimFaults();
  final Map<String, String> meta = new LinkedHashMap<>();
  final Map<String, String> attributes = new LinkedHashMap<>();

  /** The system jobs that place an allocation on this node whenever it can take one. */
  final List<String> systemJobs = new ArrayList<>();

  final List<String> checkSpecs;
  final Deque<NodeEvent> nodeEvents = new ArrayDeque<>();
  final long createIndex;

  String status = READY;
  long statusUpdatedAt;
  boolean eligible;
  Drain drain;
  LastDrain lastDrain;
  long modifyIndex;
  Reboot reboot;
  int reboots;

  /** The revisions of earlier NixOS generations, the latest first: what a rollback boots into. */
  final Deque<String> generations = new ArrayDeque<>();

  /** This boot is a rollback, so the bad generation's faults do not apply to it. */
  boolean rollbackBoot;

  /** The reason of Consul node maintenance on this host's agent; null while it is off. */
  String maintenanceReason;

  /**
   * Dynamic metadata the client holds (client/meta_endpoint.go {@code metaDynamic}): set through
   * {@code /v1/client/metadata}, persisted by the client, so it outlives a reboot. A null value
   * unsets a key of the static (agent configuration) meta.
   */
  final Map<String, String> dynamicMeta = new LinkedHashMap<>();

  /**
   * Meta changes the client has applied but not yet registered with the servers (null: removed).
   * The client re-registers the node a moment later (client.go {@code watchNodeUpdates}).
   */
  final Map<String, String> unregisteredMeta = new LinkedHashMap<>();

  /** Null while the Consul agent is deregistered (the host is rebooting). */
  List<CheckModel> checks;

  /** Wall-clock millis from which critical checks pass; -1 when nothing is pending. */
  long checksPassAt = -1;

  NodeModel(SimNode spec, String id, String address, long index, long nowMillis) {
    this.id = id;
    this.name = spec.name();
    this.consulName = spec.consulNameOrDefault();
    this.address = address;
    this.server = spec.server();
    this.publishesBootId = spec.publishesBootId();
    this.checkSpecs = List.copyOf(spec.checks());
    this.eligible = spec.eligible();
    this.javaDriver = spec.javaDriver();
    this.downFor = spec.downForOrNull();
    this.createIndex = index;
    this.modifyIndex = index;
    this.statusUpdatedAt = nowMillis / 1000;
    this.capacity = new Capacity(spec);
    this.builds = new Builds(spec, spec.revision());
  }

  /** The client fingerprinted the java driver, which the controller's job needs. */
  final boolean javaDriver;

  /** How long this host stays down on a reboot; null for the lab's {@link SimTiming#downFor()}. */
  final java.time.Duration downFor;

  boolean ready() {
    return READY.equals(status);
  }

  /** Where the scheduler may place new allocations (structs.go {@code Node.Ready}). */
  boolean schedulable() {
    return ready() && drain == null && eligible;
  }

  boolean checksPassing() {
    return checks != null && checks.stream().allMatch(CheckModel::passing);
  }

  /** The Consul agent runs (and its HTTP API answers) from its return until the host goes down. */
  boolean agentRunning() {
    return checks != null;
  }

  /** The node's Meta as its client sees it: the registered Meta with the unregistered changes. */
  Map<String, String> clientMeta() {
    Map<String, String> merged = new LinkedHashMap<>(meta);
    unregisteredMeta.forEach(
        (k, v) -> {
          if (v == null) {
            merged.remove(k);
          } else {
            merged.put(k, v);
          }
        });
    return merged;
  }

  String httpAddr() {
    return address + ":4646";
  }

  void addNodeEvent(String subsystem, String message, long index, long nowMillis) {
    nodeEvents.addLast(new NodeEvent(subsystem, message, index, Instant.ofEpochMilli(nowMillis)));
    while (nodeEvents.size() > MAX_NODE_EVENTS) {
      nodeEvents.removeFirst();
    }
  }

  /** structs.go {@code NodeEvent}. */
  record NodeEvent(String subsystem, String message, long createIndex, Instant timestamp) {}

  /** structs.go {@code DrainStrategy}; {@code forceDeadline} is null for none. */
  static final class Drain {
    final long deadlineNanos;
    final boolean ignoreSystemJobs;
    final Instant startedAt;
    final Instant forceDeadline;
    long nextMigrationAt;
    long batchDoneAt;

    Drain(long deadlineNanos, boolean ignoreSystemJobs, Instant startedAt, Instant forceDeadline) {
      this.deadlineNanos = deadlineNanos;
      this.ignoreSystemJobs = ignoreSystemJobs;
      this.startedAt = startedAt;
      this.forceDeadline = forceDeadline;
    }

    /** structs.go {@code DeadlineTime}: negative forces at once, zero never forces. */
    boolean forcedAt(long nowMillis) {
      return deadlineNanos < 0
          || (forceDeadline != null && nowMillis >= forceDeadline.toEpochMilli());
    }

    boolean covers(AllocModel alloc) {
      return !(alloc.system() && ignoreSystemJobs);
    }
  }

  /** structs.go {@code DrainMetadata}: times have whole seconds, as Nomad stores them. */
  static final class LastDrain {
    String status;
    Instant startedAt;
    Instant updatedAt;
    String accessorId = "";
    Map<String, String> meta;

    LastDrain(Instant startedAt, Map<String, String> meta) {
      this.startedAt = startedAt;
      this.meta = meta;
    }
  }

  /** A reboot under way: the phase the host is in and when it ends. */
  static final class Reboot {
    enum Phase {
      GOING_DOWN,
      DOWN,
      INITIALIZING
    }

    final String revision;
    final boolean rollback;
    Phase phase = Phase.GOING_DOWN;
    long phaseEndsAt;

    Reboot(String revision, boolean rollback, long phaseEndsAt) {
      this.revision = revision;
      this.rollback = rollback;
      this.phaseEndsAt = phaseEndsAt;
    }
  }

  // ---- issue 9: resources, placement domain, builds ----

  /** Where the node is and what it holds (nodes.mdx "Read Node": NodeResources, NodePool). */
  final Capacity capacity;

  /** The host's builds and the kernel it booted. */
  final Builds builds;

  /**
   * The node's datacenter, pool and resources, and what its own jobs are like (the size of their
   * allocations and how their health turns out).
   */
  static final class Capacity {
    final String datacenter;
    final String nodePool;
    final int cpuShares;
    final int memoryMB;
    final int reservedCpuShares;
    final int reservedMemoryMB;
    final AllocModel.JobSpec jobs;

    Capacity(SimNode spec) {
      datacenter = spec.datacenter();
      nodePool = spec.nodePool();
      cpuShares = spec.cpuShares();
      memoryMB = spec.memoryMB();
      reservedCpuShares = spec.reservedCpuShares();
      reservedMemoryMB = spec.reservedMemoryMB();
      jobs =
          new AllocModel.JobSpec(
              datacenter,
              nodePool,
              spec.allocCpuShares(),
              spec.allocMemoryMB(),
              spec.healthyAfter().toMillis(),
              spec.replacementHealth(),
              spec.pinnedAllocs());
    }
  }

  /**
   * A host's NixOS builds: the one under way or last finished, the one built and not yet activated
   * ({@code staged}), and the kernel the host booted (what {@code /run/booted-system/kernel} points
   * to).
   */
  static final class Builds {
    final long buildMillis;
    final boolean kernelChanges;
    String bootedKernel;
    Build current;
    Build staged;
    long seq;

    Builds(SimNode spec, String revision) {
      buildMillis = spec.buildTime().toMillis();
      kernelChanges = spec.kernelChanges();
      bootedKernel = kernelOf(revision);
    }

    /** The kernel a system of {@code revision} has on this host. */
    String kernelFor(String revision) {
      return kernelChanges ? kernelOf(revision) : bootedKernel;
    }

    private static String kernelOf(String revision) {
      return "linux-" + revision;
    }
  }

  /** One build of a host's system. */
  static final class Build {
    final long id;
    final String revision;
    final String storePath;
    final String kernel;
    final long doneAt;
    boolean done;
    boolean failed;
    boolean rebootNeeded;

    Build(long id, String revision, String storePath, String kernel, long doneAt) {
      this.id = id;
      this.revision = revision;
      this.storePath = storePath;
      this.kernel = kernel;
      this.doneAt = doneAt;
    }
  }
}
