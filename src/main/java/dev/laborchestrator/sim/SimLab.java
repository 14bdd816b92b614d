package dev.laborchestrator.sim;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A simulated lab: a Nomad and a Consul HTTP API on loopback over one shared, stateful cluster,
 * which drains, reboots and heals in real time as the documented APIs do. Besides nodes,
 * allocations and checks it keeps Nomad Variables with their locks, the servers' autopilot health,
 * and a Consul agent per host on the host's own loopback address.
 *
 * <pre>{@code
 * try (SimLab lab = SimLab.builder()
 *     .node(SimNode.named("web-1").serviceAllocs(2).systemAllocs(1).checks("http: web"))
 *     .build()) {
 *   lab.start();
 *   // point the controller at lab.nomadAddress() and lab.consulAddress(); reboot hosts with
 *   // SimCtl reboot <nomadAddress> <host> [revision] (or roll them back with SimCtl rollback);
 *   // then check lab.events()
 * }
 * }</pre>
 *
 * <p>The record ({@link #events()}, {@link #requests()}) is what tests check the controller's
 * safety rules against. Everything here is thread-safe.
 */
public final class SimLab implements AutoCloseable {

  /** How often the simulation advances; far below any step of {@link SimTiming#fast()}. */
  private static final long TICK_MILLIS = 5;

  /**
   * A tick walks every node: a lab of hundreds ticks less often (1 ms per 50 nodes), so that the
   * sim does not take the CPU the controller under test needs. Events keep the tick's time.
   */
  private static final int NODES_PER_TICK_MILLI = 50;

  private final Cluster cluster;
  private final SimFaults global;
  private final NomadApi nomad;
  private final ConsulApi consul;
  private final SimConsulAcl consulAcl;
  private final Map<String, ConsulAgentApi> agents = new LinkedHashMap<>();
  private final SimAutopilot autopilot;
  private final ScheduledExecutorService ticker;
  private final boolean consulAgents;
  private boolean started;
  private boolean closed;

  private SimLab(Builder builder) {
    this.global = new SimFaults();
    this.cluster =
        new Cluster(
            builder.timing,
            global,
            builder.seed,
            builder.nodes,
            builder.lockTimeScale,
            builder.clock,
            builder.eventBufferSize);
    String accessorId =
        UUID.nameUUIDFromBytes(("sim-accessor/" + builder.seed).getBytes(StandardCharsets.UTF_8))
            .toString();
    this.nomad = new NomadApi(cluster, builder.nomadToken, builder.nomadWorkloadToken, accessorId);
    this.nomad.eventHeartbeat = builder.eventHeartbeat;
    this.consulAcl = new SimConsulAcl(builder.consulToken, builder.consulPermissions);
    this.consul = new ConsulApi(cluster, consulAcl);
    this.autopilot = new SimAutopilot(cluster);
    this.consulAgents = builder.consulAgents;
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "sim-clock");
              thread.setDaemon(true);
              return thread;
            });
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Opens both APIs, then each host's Consul agent on the host's address and the Consul API's port,
   * and starts the clock. Returns this lab. When an agent's address cannot be had (not a local
   * address, or taken) the lab is closed and an {@link IllegalStateException} says which.
   */
  public synchronized SimLab start() {
    if (closed) {
      throw new IllegalStateException("the lab is closed");
    }
    if (!started) {
      nomad.start();
      consul.start();
      if (consulAgents) {
        openAgents();
      }
      long every = Math.max(TICK_MILLIS, nodeCount() / NODES_PER_TICK_MILLI);
      ticker.scheduleAtFixedRate(this::tick, every, every, TimeUnit.MILLISECONDS);
      started = true;
    }
    return this;
  }

  private int nodeCount() {
    return cluster.locked(c -> c.nodesLocked().size());
  }

  private void openAgents() {
    int port = consul.port();
    for (String name : cluster.locked(c -> c.nodesLocked().stream().map(n -> n.name).toList())) {
      SimNodeState node = cluster.state(name);
      try {
        agents.put(
            node.name(), new ConsulAgentApi(cluster, node.name(), node.address(), port, consulAcl));
      } catch (UncheckedIOException | IllegalArgumentException e) {
        close();
        throw new IllegalStateException(
            "cannot open the Consul agent of "
                + node.name()
                + " on "
                + node.address()
                + ":"
                + port
                + "; every simulated host needs a local address of its own other than 127.0.0.1"
                + " (leave SimNode.address unset to get one): "
                + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()),
            e);
      }
    }
    agents.values().forEach(ApiServer::start);
  }

  private void tick() {
    try {
      cluster.tick();
    } catch (RuntimeException e) {
      // An exception would cancel the schedule and freeze the lab; report it and go on.
      e.printStackTrace();
    }
  }

  /**
   * Moves the simulation to the clock's time now, as the background tick does every few
   * milliseconds: with a {@link Builder#clock scripted clock}, a test advances its clock and then
   * calls this to see what became due.
   */
  void tickNow() {
    cluster.tick();
  }

  /** {@code http://127.0.0.1:PORT}: the value for {@code NOMAD_ADDR}. */
  public String nomadAddress() {
    requireStarted();
    return nomad.address();
  }

  /** {@code http://127.0.0.1:PORT}: the value for {@code CONSUL_HTTP_ADDR}. */
  public String consulAddress() {
    requireStarted();
    return consul.address();
  }

  /**
   * {@code http://<host address>:<Consul port>}: the host's own Consul agent, where {@code PUT
   * /v1/agent/maintenance} puts that host (and only it) into node maintenance.
   */
  public String consulAgentAddress(String node) {
    requireStarted();
    ConsulAgentApi agent = agents.get(node);
    if (agent == null) {
      throw new IllegalArgumentException("no simulated node named " + node);
    }
    return agent.address();
  }

  /**
   * Triggers a rebuild and reboot of {@code host} onto {@code revision} (null: unchanged), as
   * {@link SimCtl} does through the control endpoint, without an HTTP request: for a caller in the
   * lab's own process. Not an API request of the run. Returns null when accepted, else why not.
   */
  public String reboot(String host, String revision) {
    return switch (cluster.reboot(host, revision)) {
      case ACCEPTED -> null;
      case UNKNOWN_HOST -> "no host named " + host;
      case ALREADY_REBOOTING -> host + " is already rebooting";
      case NO_PREVIOUS_GENERATION -> host + " has no previous generation to roll back to";
    };
  }

  /**
   * Builds and stages {@code host}'s system of {@code revision}, as {@code POST
   * /sim/v1/build/<host>} does ({@link BuildControl}), without an HTTP request: for a caller in the
   * lab's own process (the benchmark). Returns once the build is over.
   */
  public Built build(String host, String revision) throws InterruptedException {
    Cluster.BuildResult result = cluster.build(host, revision, TimeUnit.MINUTES.toNanos(30));
    return new Built(result.storePath(), result.rebootNeeded(), result.error());
  }

  /**
   * A build's outcome: the staged store path and whether booting it needs a reboot, or why there is
   * none ({@code error} not null).
   */
  public record Built(String storePath, boolean rebootNeeded, String error) {}

  /**
   * Switches {@code host} to its staged build {@code storePath} without a reboot, as {@code POST
   * /sim/v1/switch/<host>} does, in-process. Returns null when switched, else why not.
   */
  public String switchTo(String host, String storePath) {
    Cluster.SwitchOutcome outcome = cluster.switchTo(host, storePath);
    return outcome == Cluster.SwitchOutcome.SWITCHED ? null : host + ": " + outcome;
  }

  /** The Consul token's permissions; a test may change them at any time. */
  public SimConsulAcl consulAcl() {
    return consulAcl;
  }

  /** The servers' Raft health as autopilot reports it, and a knob to make it unhealthy. */
  public SimAutopilot autopilot() {
    return autopilot;
  }

  /**
   * The items of the Nomad variable at {@code path} in the default namespace, or empty when there
   * is none (a variable made by a lock acquire without items has an empty map).
   */
  public Optional<Map<String, String>> variable(String path) {
    return cluster.locked(
        c ->
            Optional.ofNullable(c.variablesLocked().get(Variables.DEFAULT_NAMESPACE, path))
                .map(v -> Map.copyOf(v.items)));
  }

  /** The faults of one host; mutable at any time. */
  public SimFaults faults(String node) {
    return cluster.faults(node);
  }

  /**
   * Faults for every host and every API request (not the control endpoints); {@link
   * SimFaults#unreachable(boolean)} here takes the whole Nomad and Consul APIs away.
   */
  public SimFaults globalFaults() {
    return global;
  }

  /**
   * Changes a node's eligibility directly, as an operator would with {@code nomad node
   * eligibility}: recorded as an event, not as an API request of the run. Refused with Nomad's
   * error text ({@link IllegalStateException}) when making a draining node eligible.
   */
  public void operatorSetEligibility(String node, boolean eligible) {
    cluster.operatorSetEligibility(node, eligible);
  }

  /**
   * Registers an allocation of batch job {@code jobId} on {@code node} in {@code clientStatus}
   * ({@code running}, {@code complete}, {@code failed}, {@code lost}), which stays so: for instance
   * the allocation of an earlier controller run. Returns its ID.
   */
  public String registerAllocation(String node, String jobId, String clientStatus) {
    return cluster.registerAlloc(node, jobId, clientStatus);
  }

  /** A snapshot of one host. */
  /** A periodic child of the controller's job placed on a node, as the lab reports it. */
  public record Launch(String jobId, String allocId, String nodeName, String nodeId) {}

  /**
   * The controller's own allocation: a periodic child of {@code lab-orchestrator} running on {@code
   * node} as a batch allocation until {@link #allocExited} (on a draining node Nomad does not
   * migrate it: it runs until the drain's deadline stops it).
   */
  public Launch startController(String node) {
    Cluster.Launch l = cluster.startControllerAlloc(node);
    return new Launch(l.jobId(), l.allocId(), l.nodeName(), l.nodeId());
  }

  /** The task of allocation {@code allocId} exited (0: complete, else failed). */
  public void allocExited(String allocId, boolean success) {
    cluster.allocExited(allocId, success);
  }

  /**
   * Called (on the API's thread) for every forced launch of the controller's periodic job that
   * Nomad placed: a test starts the successor process there, with the node it was placed on.
   */
  public void onPeriodicLaunch(java.util.function.Consumer<Launch> hook) {
    nomad.onLaunch = l -> hook.accept(new Launch(l.jobId(), l.allocId(), l.nodeName(), l.nodeId()));
  }

  /** Whether the workload token's policy grants {@code submit-job} (default true, as shipped). */
  public void workloadMaySubmitJobs(boolean allowed) {
    nomad.workloadMaySubmitJobs = allowed;
  }

  /**
   * Whether the workload token's policy grants {@code node:read} (default true, as shipped):
   * without it node reads and the event stream's {@code Node} topic are refused with 403.
   */
  public void workloadMayReadNodes(boolean allowed) {
    nomad.workloadMayReadNodes = allowed;
  }

  /**
   * Whether the workload token's policy grants {@code namespace:read-job} (default true): without
   * it the event stream's {@code Allocation} topic is refused with 403.
   */
  public void workloadMayReadJobs(boolean allowed) {
    nomad.workloadMayReadJobs = allowed;
  }

  /**
   * The Nomad server ends every open {@code /v1/event/stream} now (as on a leader change or an ACL
   * update: "subscription closed by server, client should resubscribe"); new streams may open.
   */
  public void endEventStreams() {
    cluster.eventBuffer().endStreams();
  }

  /** The raft indexes of the frames the event buffer holds now, oldest first. */
  public List<Long> eventBufferIndexes() {
    return cluster.eventBuffer().indexes();
  }

  public SimNodeState node(String name) {
    return cluster.state(name);
  }

  /**
   * A node's Meta as the Nomad servers have it ({@code GET /v1/node/:id}): static meta and the
   * dynamic metadata its client has registered.
   */
  public Map<String, String> nodeMeta(String name) {
    return cluster.nodeMeta(name);
  }

  /** The record, in order. */
  public List<SimEvent> events() {
    return cluster.events();
  }

  public List<SimEvent> eventsFor(String node) {
    return events().stream().filter(e -> e.node().equals(node)).toList();
  }

  /** Every Nomad and Consul API request, by arrival time; never the control endpoint. */
  public List<SimRequest> requests() {
    return cluster.requests();
  }

  /** The requests that are not {@code GET}. */
  public List<SimRequest> mutatingRequests() {
    return requests().stream().filter(SimRequest::mutating).toList();
  }

  /**
   * The most nodes out of service at once (not ready, draining, or ineligible), replaying the
   * record from the lab's start; nodes in {@code ignore} (say, those an operator had made
   * ineligible) are left out.
   */
  public int maxNodesOutOfService(Set<String> ignore) {
    Map<String, Boolean> outOfService = new HashMap<>();
    int max = 0;
    for (SimEvent event : events()) {
      if (!event.aboutNode() || ignore.contains(event.node())) {
        continue;
      }
      outOfService.put(event.node(), event.outOfService());
      int now = (int) outOfService.values().stream().filter(Boolean::booleanValue).count();
      max = Math.max(max, now);
    }
    return max;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ticker.shutdownNow();
    cluster.eventBuffer().close();
    nomad.close();
    consul.close();
    agents.values().forEach(ApiServer::close);
  }

  private synchronized void requireStarted() {
    if (!started) {
      throw new IllegalStateException("call start() first");
    }
  }

  /** Configuration of a lab; {@link #build()} registers the nodes, {@link #start()} opens it. */
  public static final class Builder {
    private SimTiming timing = SimTiming.fast();
    private String nomadToken;
    private String nomadWorkloadToken;
    private String consulToken;
    private Set<SimConsulAcl.Permission> consulPermissions =
        EnumSet.allOf(SimConsulAcl.Permission.class);
    private long seed = 1;
    private double lockTimeScale = 1;
    private LongSupplier clock = System::currentTimeMillis;
    private int eventBufferSize = 100;
    private Duration eventHeartbeat = Duration.ofSeconds(30);
    private boolean consulAgents = true;
    private final List<SimNode> nodes = new ArrayList<>();

    private Builder() {}

    public Builder timing(SimTiming timing) {
      this.timing = Objects.requireNonNull(timing);
      return this;
    }

    /** Turns Nomad ACLs on: every request needs this token. */
    public Builder nomadToken(String token) {
      this.nomadToken = requireToken(token);
      return this;
    }

    /**
     * A second Nomad token, allowed everything but without management rights, like the workload
     * identity of the controller's job: reads and lists of variables do not show their {@code
     * Lock}, nor does a write's answer unless it carried the lock's ID. Needs {@link #nomadToken}.
     */
    public Builder nomadWorkloadToken(String token) {
      this.nomadWorkloadToken = requireToken(token);
      return this;
    }

    /**
     * Lock TTLs and lock delays of Nomad variables last {@code scale} times their nominal length
     * (default 1): with 0.01 a lock with the minimum TTL of 10s is lost 200 ms after its last
     * renewal (Nomad waits twice the TTL) and then held for a tenth of its lock delay. The API
     * still validates and reports the nominal values.
     */
    public Builder lockTimeScale(double scale) {
      if (!(scale > 0 && scale <= 1000)) {
        throw new IllegalArgumentException("lockTimeScale must be within (0, 1000]: " + scale);
      }
      this.lockTimeScale = scale;
      return this;
    }

    /**
     * The lab's time in epoch milliseconds (default: the system clock). A test that wants the lab's
     * timers (lock TTLs, lock delays, reboots, drains) to move only when it says so gives a clock
     * it advances itself and calls {@link SimLab#tickNow()}. Blocking queries still wait in real
     * time.
     */
    Builder clock(LongSupplier epochMillis) {
      this.clock = Objects.requireNonNull(epochMillis);
      return this;
    }

    /**
     * Turns Consul ACLs on: reads need this token (without one they are filtered empty), and so do
     * writes (without one they are refused).
     */
    public Builder consulToken(String token) {
      this.consulToken = requireToken(token);
      return this;
    }

    /**
     * What the {@link #consulToken} may do (default: everything the controller needs); changeable
     * later through {@link SimLab#consulAcl()}.
     */
    public Builder consulPermissions(SimConsulAcl.Permission... permissions) {
      this.consulPermissions = Set.of(permissions);
      return this;
    }

    /**
     * How many frames the Nomad event buffer keeps (default 100, Nomad's {@code
     * event_buffer_size}); a stream resumed from an older index starts at the oldest one.
     */
    public Builder eventBufferSize(int frames) {
      if (frames < 1) {
        throw new IllegalArgumentException("eventBufferSize must be at least 1: " + frames);
      }
      this.eventBufferSize = frames;
      return this;
    }

    /** The event stream's heartbeat interval (default 30 s, as Nomad's); shorter for tests. */
    public Builder eventHeartbeat(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("eventHeartbeat must be positive: " + interval);
      }
      this.eventHeartbeat = interval;
      return this;
    }

    /**
     * Whether each host gets its own Consul agent API on its address (default true). A lab of
     * hundreds of hosts whose controller never uses node maintenance (the only thing the agents
     * serve) leaves them closed: each is an HTTP server with its own threads.
     */
    public Builder consulAgents(boolean open) {
      this.consulAgents = open;
      return this;
    }

    /** Seed for identifiers and fault dice. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder node(SimNode node) {
      nodes.add(Objects.requireNonNull(node));
      return this;
    }

    /** Changes the node {@code name} added before (no java driver, no boot id, ...). */
    public Builder editNode(String name, java.util.function.Consumer<SimNode> edit) {
      SimNode node =
          nodes.stream()
              .filter(n -> n.name().equals(name))
              .findFirst()
              .orElseThrow(() -> new IllegalArgumentException("no node named " + name));
      edit.accept(node);
      return this;
    }

    public SimLab build() {
      if (nodes.isEmpty()) {
        throw new IllegalStateException("a lab needs at least one node");
      }
      if (nomadWorkloadToken != null
          && (nomadToken == null || nomadToken.equals(nomadWorkloadToken))) {
        throw new IllegalStateException("a workload token needs a different nomadToken");
      }
      return new SimLab(this);
    }

    private static String requireToken(String token) {
      if (token == null || token.isBlank()) {
        throw new IllegalArgumentException("a token cannot be blank");
      }
      return token;
    }
  }
}
