package dev.laborchestrator.rollout;

import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.plan.Plan.PlannedHost;
import dev.laborchestrator.plan.Plan.Wave;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs a plan: wave after wave; within a wave, hosts in plan order as soon as their dependencies
 * are done, at most {@code maxParallel} at once, a critical host alone. After a failure no new host
 * starts; hosts in flight finish or fail.
 */
public final class RolloutEngine {
  private final Ports ports;
  private final RolloutSettings settings;
  private final RolloutListener listener;
  private final Checkpoints checkpoints;
  private volatile boolean stopping;
  private volatile ExecutorService pool;
  private volatile StartHold startHold = StartHold.NONE;

  /** Why a {@link StartHold} ended this run early (checkpoint kept, status RUNNING), or null. */
  private volatile String heldStop;

  /** The hold last reported to the listener, so that it is said once, not on every re-check. */
  private String reportedHold;

  /**
   * Hosts this rollout has taken (or may have taken) out of service: the gates do not hold them
   * against it.
   */
  private final Set<String> busy = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private RolloutState current;

  /** Set when this run handed its own node over to a successor. */
  private volatile RolloutState.Handoff handoff;

  /** Set when this run left its own node's host unrolled: no other node could run a successor. */
  private volatile String leftBehind;

  public RolloutEngine(
      Ports ports, RolloutSettings settings, RolloutListener listener, Checkpoints checkpoints) {
    this.ports = ports;
    this.settings = settings;
    this.listener = listener;
    this.checkpoints = checkpoints;
  }

  public RolloutEngine(Ports ports, RolloutSettings settings, RolloutListener listener) {
    this(ports, settings, listener, Checkpoints.NONE);
  }

  /**
   * Asked before any host starts (maintenance window, pause flag, alert gate); {@link
   * StartHold#NONE} by default.
   */
  public RolloutEngine withStartHold(StartHold hold) {
    this.startHold = java.util.Objects.requireNonNull(hold, "hold");
    return this;
  }

  /**
   * Why a {@link StartHold} stopped this run before every host was rolled (hosts in flight
   * finished; the checkpoint is kept with status RUNNING), or empty.
   */
  public java.util.Optional<String> heldStop() {
    return java.util.Optional.ofNullable(heldStop);
  }

  /** A new rollout of {@code plan}. */
  public RolloutResult run(Plan plan, String rolloutId) throws InterruptedException {
    return run(plan, rolloutId, null);
  }

  /**
   * Runs {@code plan}; with {@code resume}, hosts continue from their checkpoint: DONE and SKIPPED
   * hosts are not touched again, a host in the middle continues in its state, a FAILED host (only
   * passed in for {@code --retry-failed}) goes back into the state it failed in.
   */
  public RolloutResult run(Plan plan, String rolloutId, RolloutState resume)
      throws InterruptedException {
    Instant now = ports.clock().now();
    if (resume == null) {
      List<HostCheckpoint> hosts =
          plan.hosts().stream()
              .map(
                  h ->
                      HostCheckpoint.pending(
                          h.hostname(),
                          h.node().map(n -> n.id()).orElse(null),
                          h.node().map(n -> n.eligibleBefore()).orElse(false),
                          now))
              .toList();
      current =
          new RolloutState(
              rolloutId, RolloutState.Status.RUNNING, settings.expectRevision(), now, now, hosts);
    } else {
      current = resume.with(RolloutState.Status.RUNNING, now);
    }
    checkpoints.save(current);

    if (resume != null) {
      resume.hosts().stream()
          .filter(h -> h.state().outOfService() || h.state() == HostState.FAILED)
          .forEach(h -> busy.add(h.hostname()));
    }
    HostRollout.Context context =
        new HostRollout.Context(
            ports,
            settings,
            listener,
            rolloutId,
            this::record,
            new Gates(ports, plan),
            () -> Set.copyOf(busy));
    Map<String, HostRollout> rollouts = new LinkedHashMap<>();
    List<PlannedHost> all = plan.hosts();
    int toRoll = (int) all.stream().filter(h -> !h.skipped()).count();
    int number = 0;
    for (PlannedHost host : all) {
      String position =
          host.skipped()
              ? "skipped"
              : "host " + ++number + " of " + toRoll + " (" + host.hostname() + ")";
      HostCheckpoint checkpoint =
          resume == null
              ? null
              : resume
                  .host(host.hostname())
                  .filter(
                      c ->
                          c.state() != HostState.PENDING
                              || !c.timeIn().isEmpty()
                              || handedOver(resume, c.hostname()))
                  .orElse(null);
      rollouts.put(host.hostname(), new HostRollout(host, context, position, checkpoint));
    }
    pool =
        Executors.newFixedThreadPool(
            plan.maxParallel(),
            r -> {
              Thread thread = new Thread(r, "rollout");
              thread.setDaemon(true);
              return thread;
            });
    boolean failed = false;
    try {
      Set<String> finished = new HashSet<>();
      for (Wave wave : plan.waves()) {
        failed = runWave(wave, plan.maxParallel(), rollouts, finished, pool);
        if (failed || stopping || heldStop != null) {
          break;
        }
      }
    } finally {
      pool.shutdownNow();
    }
    List<HostReport> reports = new ArrayList<>();
    rollouts.values().forEach(r -> reports.add(r.report()));
    RolloutResult result = new RolloutResult(rolloutId, reports);
    boolean stopped =
        heldStop != null
            || rollouts.values().stream().anyMatch(HostRollout::stopped)
            || handoff != null
            || leftBehind != null;
    if (!stopped) {
      RolloutState.Status status =
          result.succeeded() ? RolloutState.Status.DONE : RolloutState.Status.FAILED;
      synchronized (this) {
        current = current.with(status, ports.clock().now());
        checkpoints.save(current);
      }
    }
    return result;
  }

  /** The handoff this run made of its own node, if it made one. */
  public java.util.Optional<RolloutState.Handoff> handoff() {
    return java.util.Optional.ofNullable(handoff);
  }

  /** The host of the controller's own node, when this run left it unrolled (no successor). */
  public java.util.Optional<String> leftBehind() {
    return java.util.Optional.ofNullable(leftBehind);
  }

  /** A handed-over host keeps its checkpoint: its eligibility before the rollout is in there. */
  private static boolean handedOver(RolloutState state, String hostname) {
    return state.handoff() != null && state.handoff().hostname().equals(hostname);
  }

  /**
   * Only the controller's own node is left. Nomad does not migrate a batch allocation off a
   * draining node (nomad/drainer/watch_jobs.go handleTaskGroup skips batch jobs; they are stopped
   * at the drain's deadline and, with {@code reschedule { attempts = 0 }}, not replaced), so
   * draining it would stall for the deadline and then kill this run. Instead: if another node could
   * run the controller, record the handoff, mark the node ineligible (not drained) so that Nomad
   * must place the successor elsewhere, and let the caller start the successor; else leave the host
   * unrolled.
   */
  private void handOver(PlannedHost host) {
    String nodeId = host.requireNode().id();
    List<String> successors;
    try {
      List<dev.laborchestrator.port.NomadNode> nodes = new ArrayList<>();
      for (dev.laborchestrator.port.NodeStub stub :
          Patience.DEFAULT.call(() -> ports.nomad().listNodes())) {
        nodes.add(
            Patience.DEFAULT.call(
                () ->
                    ports
                        .nomad()
                        .readNode(stub.id(), dev.laborchestrator.port.BlockingQuery.NONE)
                        .value()));
      }
      successors = Successors.among(nodes, nodeId);
    } catch (dev.laborchestrator.port.ApiException e) {
      leftBehind = host.hostname();
      listener.note(
          host.hostname(),
          "left unrolled: could not read the nodes to hand over: " + e.getMessage());
      return;
    }
    if (successors.isEmpty()) {
      leftBehind = host.hostname();
      listener.note(
          host.hostname(),
          "left unrolled: it runs this controller and no other node can run it (none is ready,"
              + " eligible, not draining and has the java driver)");
      return;
    }
    RolloutState.Handoff made =
        new RolloutState.Handoff(host.hostname(), nodeId, ports.clock().now(), successors);
    synchronized (this) {
      current = current.with(made, made.at());
      checkpoints.save(current);
    }
    Patience.DEFAULT.call(
        () -> {
          ports.nomad().setEligibility(nodeId, false);
          return null;
        });
    handoff = made;
    listener.note(
        host.hostname(),
        "handed over: node marked ineligible (not drained); a successor run on another node ("
            + String.join(", ", successors)
            + " can run it) rolls it");
  }

  private synchronized void record(HostCheckpoint host) {
    current = current.with(host, host.updatedAt());
    checkpoints.save(current);
  }

  /**
   * Stops the rollout for a signal: no host starts, hosts in flight stop where they are (their
   * checkpoint already says where), and {@link #run} returns.
   */
  public void stop() {
    stopping = true;
    ExecutorService running = pool;
    if (running != null) {
      running.shutdownNow();
    }
  }

  private boolean runWave(
      Wave wave,
      int maxParallel,
      Map<String, HostRollout> rollouts,
      Set<String> finished,
      ExecutorService pool)
      throws InterruptedException {
    List<PlannedHost> pending = new ArrayList<>();
    for (PlannedHost host : wave.hosts()) {
      HostRollout rollout = rollouts.get(host.hostname());
      if (rollout.state() == HostState.DONE || rollout.state() == HostState.SKIPPED) {
        finished.add(host.hostname());
      } else if (host.skipped() && !rollout.resuming()) {
        rollout.skip();
        finished.add(host.hostname());
      } else {
        pending.add(host);
      }
    }
    ExecutorCompletionService<HostReport> done = new ExecutorCompletionService<>(pool);
    Map<Future<HostReport>, PlannedHost> running = new LinkedHashMap<>();
    boolean failed = false;
    while (!pending.isEmpty() || !running.isEmpty()) {
      boolean held = false;
      if (!failed && !stopping && heldStop == null) {
        List<PlannedHost> next = startable(pending, running.values(), finished, maxParallel);
        StartHold.Hold hold = next.isEmpty() ? StartHold.Hold.GO : startHold.check();
        reportHold(hold, rollouts);
        if (hold.kind() == StartHold.Hold.Kind.STOP) {
          heldStop = hold.reason();
        } else if (hold.kind() == StartHold.Hold.Kind.HOLD) {
          held = true;
        } else {
          for (PlannedHost host : next) {
            pending.remove(host);
            if (host.role() == dev.laborchestrator.plan.Plan.Role.OWN_NODE) {
              handOver(host);
              stopping = true;
              break;
            }
            HostRollout rollout = rollouts.get(host.hostname());
            busy.add(host.hostname());
            running.put(done.submit(rollout::run), host);
          }
        }
      }
      if (running.isEmpty()) {
        if (held) {
          startHold.await();
          continue;
        }
        break;
      }
      Future<HostReport> completed = done.take();
      PlannedHost ran = running.remove(completed);
      HostReport report;
      try {
        report = completed.get();
      } catch (ExecutionException | java.util.concurrent.CancellationException e) {
        if (stopping) {
          continue;
        }
        throw new IllegalStateException("a host rollout crashed", e.getCause());
      }
      if (rollouts.get(ran.hostname()).stopped()) {
        stopping = true;
      } else if (report.state() == HostState.DONE) {
        busy.remove(report.hostname());
        finished.add(report.hostname());
      } else {
        failed = true;
      }
    }
    return failed;
  }

  /** Tells the listener of a new hold or stop, and of a hold lifted; each once. */
  private void reportHold(StartHold.Hold hold, Map<String, HostRollout> rollouts) {
    if (hold.kind() == StartHold.Hold.Kind.GO) {
      if (reportedHold != null) {
        reportedHold = null;
        listener.holdLifted();
      }
      return;
    }
    if (!hold.reason().equals(reportedHold)) {
      reportedHold = hold.reason();
      int left = (int) rollouts.values().stream().filter(r -> !r.state().terminal()).count();
      listener.held(hold.reason(), hold.kind() == StartHold.Hold.Kind.STOP, left);
    }
  }

  /**
   * The hosts that may start now, in plan order. A critical host waits until nothing runs and then
   * runs alone; no later host overtakes it.
   */
  static List<PlannedHost> startable(
      List<PlannedHost> pending,
      java.util.Collection<PlannedHost> running,
      Set<String> finished,
      int maxParallel) {
    List<PlannedHost> start = new ArrayList<>();
    int busy = running.size();
    boolean criticalRunning = running.stream().anyMatch(PlannedHost::critical);
    boolean serverRunning = running.stream().anyMatch(PlannedHost::server);
    for (PlannedHost host : pending) {
      if (criticalRunning || busy >= maxParallel) {
        break;
      }
      if (!finished.containsAll(host.spec().dependencies()) || host.server() && serverRunning) {
        continue;
      }
      serverRunning |= host.server();
      if (host.critical()) {
        if (busy == 0) {
          start.add(host);
        }
        break;
      }
      start.add(host);
      busy++;
    }
    return start;
  }
}
