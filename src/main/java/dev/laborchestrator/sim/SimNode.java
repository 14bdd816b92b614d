package dev.laborchestrator.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The description of one simulated host: its Nomad client, the allocations running on it and the
 * Consul checks registered on it. A fluent, mutable specification read once by {@link
 * SimLab.Builder#build()}.
 *
 * <p>A check is written {@code "<type>: <service>"} (for instance {@code "http: web"}), which
 * registers a service check of that type, or as a plain name, which registers a node check. The
 * string is the check's {@code Name} either way.
 */
public final class SimNode {

  private final String name;
  private String consulName;
  private String address;
  private final Map<String, String> meta = new LinkedHashMap<>();
  private String revision = "initial";
  private boolean publishesBootId = true;
  private boolean javaDriver = true;
  private boolean eligible = true;
  private boolean server;
  private int serviceAllocs;
  private int batchAllocs;
  private int systemAllocs;
  private final List<String> checks = new ArrayList<>();
  private java.time.Duration downFor;
  private String datacenter = "dc1";
  private String nodePool = "default";
  private int cpuShares = 8000;
  private int memoryMB = 16000;
  private int reservedCpuShares;
  private int reservedMemoryMB;
  private int allocCpuShares = 100;
  private int allocMemoryMB = 128;
  private Duration healthyAfter = Duration.ZERO;
  private ReplacementHealth replacementHealth = ReplacementHealth.HEALTHY;
  private boolean pinnedAllocs;
  private Duration buildTime = Duration.ZERO;
  private boolean kernelChanges = true;

  private SimNode(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a node needs a name");
    }
    this.name = name;
  }

  /** A node whose Nomad {@code Name} (and hostname) is {@code name}. */
  public static SimNode named(String name) {
    return new SimNode(name);
  }

  /** The node's Consul name ({@code Attributes["unique.consul.name"]}); defaults to the name. */
  public SimNode consulName(String consulName) {
    this.consulName = Objects.requireNonNull(consulName);
    return this;
  }

  /**
   * IP address: the stub's {@code Address}, the node's {@code HTTPAddr} ({@code addr:4646}) and
   * where its own Consul agent listens ({@code http://addr:<the lab's Consul port>}), so it must be
   * a local address other than 127.0.0.1. Unset, the lab gives each host its own: 127.0.0.11,
   * 127.0.0.12, ... in the order the nodes were added (all of 127.0.0.0/8 is local on Linux).
   */
  public SimNode address(String address) {
    this.address = Objects.requireNonNull(address);
    return this;
  }

  /** Extra node metadata; {@code nixos.revision} and {@code lab.boot-id} are set by the lab. */
  public SimNode meta(Map<String, String> meta) {
    this.meta.putAll(meta);
    return this;
  }

  /** Initial {@code Meta["nixos.revision"]}. */
  public SimNode revision(String revision) {
    this.revision = Objects.requireNonNull(revision);
    return this;
  }

  /** Whether the host publishes {@code Meta["lab.boot-id"]}, renewed on every real reboot. */
  public SimNode publishesBootId(boolean publishesBootId) {
    this.publishesBootId = publishesBootId;
    return this;
  }

  /**
   * Whether the client fingerprinted the java driver ({@code Attributes["driver.java"] = "1"}): the
   * controller's task needs it, so only such nodes can run the controller.
   */
  public SimNode javaDriver(boolean javaDriver) {
    this.javaDriver = javaDriver;
    return this;
  }

  /** Initial {@code SchedulingEligibility}; {@code false} models an operator's earlier choice. */
  public SimNode eligible(boolean eligible) {
    this.eligible = eligible;
    return this;
  }

  /**
   * The host also runs a Nomad server and a Consul server: it appears in both APIs' {@code
   * /v1/operator/autopilot/health}, healthy while it is up and not rebooting.
   */
  public SimNode server(boolean server) {
    this.server = server;
    return this;
  }

  public SimNode serviceAllocs(int count) {
    this.serviceAllocs = nonNegative(count);
    return this;
  }

  public SimNode batchAllocs(int count) {
    this.batchAllocs = nonNegative(count);
    return this;
  }

  public SimNode systemAllocs(int count) {
    this.systemAllocs = nonNegative(count);
    return this;
  }

  /** Consul checks besides {@code serfHealth}; all pass initially. */
  public SimNode checks(String... checks) {
    for (String check : checks) {
      if (check == null || check.isBlank()) {
        throw new IllegalArgumentException("a check needs a name");
      }
      this.checks.add(check);
    }
    return this;
  }

  /**
   * How long this host stays {@code down} on a reboot, instead of {@link SimTiming#downFor()}:
   * hosts that take different times to boot (a benchmark draws them from a range).
   */
  public SimNode downFor(java.time.Duration downFor) {
    if (downFor.isNegative()) {
      throw new IllegalArgumentException("downFor cannot be negative: " + downFor);
    }
    this.downFor = downFor;
    return this;
  }

  /** The node's {@code Datacenter} (default {@code dc1}); its jobs are placed only there. */
  public SimNode datacenter(String datacenter) {
    this.datacenter = requireText(datacenter, "datacenter");
    return this;
  }

  /** The node's {@code NodePool} (default {@code default}); its jobs are placed only there. */
  public SimNode nodePool(String nodePool) {
    this.nodePool = requireText(nodePool, "nodePool");
    return this;
  }

  /** {@code NodeResources.Cpu.CpuShares} (MHz), default 8000. */
  public SimNode cpu(int cpuShares) {
    this.cpuShares = nonNegative(cpuShares);
    return this;
  }

  /** {@code NodeResources.Memory.MemoryMB}, default 16000. */
  public SimNode memory(int memoryMB) {
    this.memoryMB = nonNegative(memoryMB);
    return this;
  }

  /** {@code ReservedResources}: what the client keeps for the OS (default none). */
  public SimNode reserved(int cpuShares, int memoryMB) {
    this.reservedCpuShares = nonNegative(cpuShares);
    this.reservedMemoryMB = nonNegative(memoryMB);
    return this;
  }

  /**
   * The size of each allocation of this node's jobs (its task's {@code Cpu}/{@code MemoryMB},
   * default 100 MHz and 128 MB); a replacement keeps the size of the allocation it replaces.
   */
  public SimNode allocSize(int cpuShares, int memoryMB) {
    this.allocCpuShares = nonNegative(cpuShares);
    this.allocMemoryMB = nonNegative(memoryMB);
    return this;
  }

  /**
   * The {@code migrate { min_healthy_time }} of this node's service jobs (default 0): a placed
   * allocation's {@code DeploymentStatus.Healthy} is set this long after it started running.
   */
  public SimNode healthyAfter(Duration healthyAfter) {
    if (healthyAfter == null || healthyAfter.isNegative()) {
      throw new IllegalArgumentException("healthyAfter must be zero or more");
    }
    this.healthyAfter = healthyAfter;
    return this;
  }

  /**
   * Whether this node's service jobs can only run on it, as with a {@code host_volume} only it has
   * (scheduler/feasible/feasible.go {@code HostVolumeChecker}: a node without the volume is not
   * feasible): their allocations are never placed elsewhere, and a lost one waits, blocked, until
   * the node is ready and eligible again. The work of a {@code recreate} host.
   */
  public SimNode pinnedAllocs(boolean pinned) {
    this.pinnedAllocs = pinned;
    return this;
  }

  boolean pinnedAllocs() {
    return pinnedAllocs;
  }

  /** What the health of a placed allocation of this node's service jobs turns out to be. */
  public SimNode replacementHealth(ReplacementHealth replacementHealth) {
    this.replacementHealth = java.util.Objects.requireNonNull(replacementHealth);
    return this;
  }

  /**
   * Consul services registered on this host's agent, one instance each, with an {@code http} check
   * (unless {@link #checks} already names one for the service): instances of one name on several
   * hosts are one service with several instances.
   */
  public SimNode services(String... services) {
    for (String service : services) {
      requireText(service, "service");
      boolean checked =
          checks.stream().map(CheckModel::parse).anyMatch(c -> c.serviceName.equals(service));
      if (!checked) {
        checks.add("http: " + service);
      }
    }
    return this;
  }

  /** How long building this host's new system takes ({@code /sim/v1/build}), default 0. */
  public SimNode buildTime(Duration buildTime) {
    if (buildTime == null || buildTime.isNegative()) {
      throw new IllegalArgumentException("buildTime must be zero or more");
    }
    this.buildTime = buildTime;
    return this;
  }

  /**
   * Whether a new revision brings another kernel, initrd and kernel modules (default true): if not,
   * a build reports that no reboot is needed.
   */
  public SimNode kernelChanges(boolean kernelChanges) {
    this.kernelChanges = kernelChanges;
    return this;
  }

  /** How a placed service allocation's health ends (client/allochealth). */
  public enum ReplacementHealth {
    /** {@code Healthy: true} once it has run for {@link #healthyAfter}. */
    HEALTHY,
    /** {@code Healthy: false} after {@link #healthyAfter}, as when its healthy_deadline passes. */
    UNHEALTHY,
    /** {@code DeploymentStatus} stays null: the client never reports health. */
    NEVER
  }

  public String name() {
    return name;
  }

  /** The builder's {@link #downFor(java.time.Duration)}, or null for the lab's timing. */
  java.time.Duration downForOrNull() {
    return downFor;
  }

  String consulNameOrDefault() {
    return consulName == null ? name : consulName;
  }

  /** The address the builder set, or null for one the lab chooses. */
  String address() {
    return address;
  }

  boolean server() {
    return server;
  }

  Map<String, String> meta() {
    return meta;
  }

  String revision() {
    return revision;
  }

  boolean publishesBootId() {
    return publishesBootId;
  }

  boolean eligible() {
    return eligible;
  }

  boolean javaDriver() {
    return javaDriver;
  }

  int serviceAllocs() {
    return serviceAllocs;
  }

  int batchAllocs() {
    return batchAllocs;
  }

  int systemAllocs() {
    return systemAllocs;
  }

  List<String> checks() {
    return checks;
  }

  String datacenter() {
    return datacenter;
  }

  String nodePool() {
    return nodePool;
  }

  int cpuShares() {
    return cpuShares;
  }

  int memoryMB() {
    return memoryMB;
  }

  int reservedCpuShares() {
    return reservedCpuShares;
  }

  int reservedMemoryMB() {
    return reservedMemoryMB;
  }

  int allocCpuShares() {
    return allocCpuShares;
  }

  int allocMemoryMB() {
    return allocMemoryMB;
  }

  Duration healthyAfter() {
    return healthyAfter;
  }

  ReplacementHealth replacementHealth() {
    return replacementHealth;
  }

  Duration buildTime() {
    return buildTime;
  }

  boolean kernelChanges() {
    return kernelChanges;
  }

  private static String requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("a " + what + " needs a name");
    }
    return value;
  }

  private static int nonNegative(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("counts and sizes cannot be negative: " + count);
    }
    return count;
  }
}
