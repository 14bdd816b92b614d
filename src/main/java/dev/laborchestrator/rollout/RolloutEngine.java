package dev.laborchestrator.rollout;

import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.plan.Plan.PlannedHost;
import dev.laborchestrator.plan.Plan.Wave;
import dev.laborchestrator.watch.ClusterWatch;
import dev.laborchestrator.watch.PolledWatch;
import dev.laborchestrator.watch.StreamedWatch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;

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

  /** The one view of the cluster the hosts and the gates share, for the length of a run. */
  private volatile ClusterWatch watch;

  private Gates gates;

  /** Hosts that finished (or stopped) and that the engine has not looked at yet. */
  private final BlockingDeque<Finished> finishedHosts = new LinkedBlockingDeque<>();

  private record Finished(
      HostRollout rollout, HostReport report, RuntimeException crash, boolean build) {}

  /**
   * Builds ahead of the hosts' turns: the hosts (in plan order) whose build was started, and the
   * outcome of those that finished. Only the engine's loop touches it.
   */
  private final Map<String, Boolean> builds = new HashMap<>();

  private final List<PlannedHost> buildOrder = new ArrayList<>();
  private final Set<String> toBuild = new HashSet<>();
  private int buildsAhead;
  private ExecutorService builders;

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
    if (watch == null) {
      watch = watch(ports, settings, listener, plan, resume);
    }
    gates = new Gates(ports, plan, watch, settings.allowLastInstance());
    HostRollout.Context context =
        new HostRollout.Context(
            ports,
            settings,
            listener,
            rolloutId,
            this::record,
            gates,
            () -> Set.copyOf(busy),
            watch);
    Map<String, HostRollout> rollouts = new LinkedHashMap<>();
    List<PlannedHost> all = plan.hosts();
    int toRoll = (int) all.stream().filter(h -> !h.skipped()).count();
    int number = 0;
    for (PlannedHost host : all) {
      String position =
          host.skipped()
              ? "skipped"
              : "host " + ++number + " of " + toRoll + " (" + host.hostname() + ")";
      HostCheckpoint checkpoint = resumed(resume, host.hostname());
      rollouts.put(host.hostname(), new HostRollout(host, context, position, checkpoint));
    }
    buildsAhead =
        ports.executor() != null && ports.executor().buildsAhead()
            ? settings.prebuildAhead(plan.maxParallel())
            : 0;
    if (buildsAhead > 0) {
      for (PlannedHost host : all) {
        if (!host.skipped() && rollouts.get(host.hostname()).state() == HostState.PENDING) {
          buildOrder.add(host);
          toBuild.add(host.hostname());
        }
      }
      builders =
          Executors.newFixedThreadPool(
              buildsAhead,
              r -> {
                Thread thread = new Thread(r, "build");
                thread.setDaemon(true);
                return thread;
              });
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
      for (Wave wave : plan.limits().overlapWaves() ? overlapped(plan.waves()) : plan.waves()) {
        failed = runWave(wave, plan.maxParallel(), plan.limits(), rollouts, finished, pool);
        if (failed || stopping || heldStop != null) {
          break;
        }
      }
    } finally {
      pool.shutdownNow();
      if (builders != null) {
        builders.shutdownNow();
      }
      watch.close();
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

  /**
   * A view of the cluster for a run of {@code plan}: the nodes of every host it may touch, followed
   * through Nomad's event stream where the ports have it (a real run), else by polling on the
   * ports' clock (the engine's unit tests).
   */
  /**
   * Runs with {@code started} as its view of the cluster (from {@link #watch}, which the caller
   * used for its own check before the run); the run closes it when it ends.
   */
  public RolloutEngine withWatch(ClusterWatch started) {
    this.watch = started;
    return this;
  }

  public static ClusterWatch watch(
      Ports ports,
      RolloutSettings settings,
      RolloutListener listener,
      Plan plan,
      RolloutState resume)
      throws InterruptedException {
    List<String> nodeIds =
        plan.hosts().stream()
            .filter(
                h ->
                    h.node().isPresent() && (!h.skipped() || resumed(resume, h.hostname()) != null))
            .map(h -> h.requireNode().id())
            .distinct()
            .toList();
    if (ports.events() == null) {
      return PolledWatch.start(
          ports.nomad(), ports.consul(), nodeIds, ports.clock(), settings.minPoll());
    }
    return Patience.DEFAULT.call(
        () ->
            StreamedWatch.start(
                ports.nomad(),
                ports.events(),
                ports.consul(),
                nodeIds,
                ports.clock(),
                message -> listener.note("cluster watch", message)));
  }

  /**
   * The checkpoint {@code hostname} continues from: one of a host the resumed rollout had started
   * (or handed over), whether or not today's plan would skip it; else null.
   */
  private static HostCheckpoint resumed(RolloutState resume, String hostname) {
    return resume == null
        ? null
        : resume
            .host(hostname)
            .filter(
                c ->
                    c.state() != HostState.PENDING
                        || !c.timeIn().isEmpty()
                        || handedOver(resume, c.hostname()))
            .orElse(null);
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

  private void record(HostCheckpoint host) {
    RolloutState state;
    synchronized (this) {
      current = current.with(host, host.updatedAt());
      state = current;
      if (!checkpoints.writesHostsApart(state)) {
        checkpoints.save(state); // whole states, one after the other, in order
        return;
      }
    }
    checkpoints.saveHost(state, host); // this host's part only, beside the other hosts' writes
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
    ClusterWatch watching = watch;
    if (watching != null) {
      watching.poke();
    }
  }

  /**
   * {@code waves: overlap}: the waves as one, in plan order, which the {@link Scheduler} starts
   * wave by wave (no host while a host of an earlier wave is pending); the controller's own host
   * keeps its wave of its own, last.
   */
  static List<Wave> overlapped(List<Wave> waves) {
    List<PlannedHost> hosts = new ArrayList<>();
    List<Wave> own = new ArrayList<>();
    for (Wave wave : waves) {
      if (wave.hosts().stream().anyMatch(h -> h.role() == Plan.Role.OWN_NODE)) {
        own.add(wave);
      } else {
        hosts.addAll(wave.hosts());
      }
    }
    List<Wave> result = new ArrayList<>();
    if (!hosts.isEmpty()) {
      result.add(new Wave(hosts.get(0).spec().rebootOrder(), hosts));
    }
    result.addAll(own);
    return result;
  }

  /**
   * Runs one wave. The loop wakes when a host finishes, when the view of the cluster changes (while
   * a host waits on the gates), or when a waiting host's time runs out; each time it asks the
   * {@link Scheduler} which hosts may start, and starts those the gates let through at once.
   */
  private boolean runWave(
      Wave wave,
      int maxParallel,
      Plan.Limits limits,
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
    Map<String, PlannedHost> running = new LinkedHashMap<>();
    Map<String, Instant> refusedSince = new HashMap<>();
    Map<String, String> refusedFor = new HashMap<>();
    boolean failed = false;
    while (true) {
      long seen = watch.version();
      for (Finished done = finishedHosts.poll(); done != null; done = finishedHosts.poll()) {
        if (done.build()) {
          String name = done.rollout().hostname();
          boolean built = done.rollout().state() == HostState.BUILDING;
          builds.put(name, built);
          if (!built && done.rollout().state() == HostState.FAILED) {
            pending.removeIf(h -> h.hostname().equals(name));
            failed = true;
          }
          continue;
        }
        running.remove(done.rollout().hostname());
        if (done.crash() != null) {
          if (!stopping) {
            throw new IllegalStateException("a host rollout crashed", done.crash());
          }
        } else if (done.rollout().stopped()) {
          stopping = true;
        } else if (done.report().state() == HostState.DONE) {
          busy.remove(done.report().hostname());
          finished.add(done.report().hostname());
        } else {
          failed = true;
        }
      }
      if (pending.isEmpty() && running.isEmpty()) {
        break;
      }
      boolean held = false;
      Instant now = ports.clock().now();
      Instant wakeAt = null;
      boolean building = false;
      if (!failed && !stopping && heldStop == null) {
        building = startBuilds(rollouts, running.keySet(), finished);
        List<PlannedHost> next =
            Scheduler.built(
                Scheduler.startable(pending, running.values(), finished, maxParallel, limits),
                this::awaitsBuild);
        StartHold.Hold hold = next.isEmpty() ? StartHold.Hold.GO : startHold.check();
        reportHold(hold, rollouts);
        if (hold.kind() == StartHold.Hold.Kind.STOP) {
          heldStop = hold.reason();
        } else if (hold.kind() == StartHold.Hold.Kind.HOLD) {
          held = true;
        } else {
          Integer refusedWave = null; // overlapping waves: a later wave waits for a refused host
          for (PlannedHost host : next) {
            if (Scheduler.laterWave(host, refusedWave)) {
              break;
            }
            if (host.role() == dev.laborchestrator.plan.Plan.Role.OWN_NODE) {
              pending.remove(host);
              handOver(host);
              stopping = true;
              break;
            }
            HostRollout rollout = rollouts.get(host.hostname());
            Optional<String> refusal;
            try {
              refusal = refusal(host);
            } catch (dev.laborchestrator.port.ApiException e) {
              pending.remove(host);
              rollout.refuse("not started, nothing was changed: " + e.getMessage());
              failed = true;
              break;
            }
            if (refusal.isPresent()) {
              Instant since = refusedSince.computeIfAbsent(host.hostname(), h -> now);
              Instant giveUp = since.plus(settings.healthTimeout());
              if (!now.isBefore(giveUp)) {
                pending.remove(host);
                rollout.refuse("not started, nothing was changed: " + refusal.get());
                failed = true;
                break;
              }
              refusedWave = refusedWave == null ? host.spec().rebootOrder() : refusedWave;
              if (!refusal.get().equals(refusedFor.put(host.hostname(), refusal.get()))) {
                listener.note(host.hostname(), "waiting: " + refusal.get());
              }
              // Autopilot is not in the view: while a host waits, it is asked again after 5 s;
              // a refusal of its work that the view may have lifted meanwhile, when it expires.
              Instant recheck =
                  now.plus(Waiting.min(Duration.ofSeconds(5), Duration.between(now, giveUp)));
              Instant expires = gates.refusalExpires(host);
              if (expires != null && expires.isBefore(recheck)) {
                recheck = expires;
              }
              wakeAt = wakeAt == null || recheck.isBefore(wakeAt) ? recheck : wakeAt;
              continue;
            }
            pending.remove(host);
            refusedSince.remove(host.hostname());
            refusedFor.remove(host.hostname());
            busy.add(host.hostname());
            running.put(host.hostname(), host);
            pool.execute(() -> runHost(rollout));
          }
        }
      }
      if (running.isEmpty()) {
        if (held) {
          startHold.await();
          continue;
        }
        if (wakeAt == null && !building) {
          break; // nothing runs, nothing may start, nothing waits on the gates or a build
        }
      }
      if (wakeAt == null) {
        finishedHosts.putFirst(finishedHosts.takeFirst()); // a host finished: the loop takes it
      } else {
        watch.awaitChange(seen, wakeAt);
      }
    }
    return failed;
  }

  private void runHost(HostRollout rollout) {
    HostReport report = null;
    RuntimeException crash = null;
    try {
      report = rollout.run();
    } catch (RuntimeException e) {
      crash = e;
    } finally {
      finishedHosts.add(new Finished(rollout, report, crash, false));
      watch.poke();
    }
  }

  /**
   * Starts builds so that up to {@code buildsAhead} hosts, in plan order, are building or built and
   * waiting for their turn. Returns whether a build is still running.
   */
  private boolean startBuilds(
      Map<String, HostRollout> rollouts, Set<String> running, Set<String> finished) {
    int ahead = 0;
    boolean inFlight = false;
    for (Map.Entry<String, Boolean> build : builds.entrySet()) {
      if (build.getValue() == null) {
        inFlight = true;
        ahead++;
      } else if (build.getValue()
          && !running.contains(build.getKey())
          && !finished.contains(build.getKey())
          && rollouts.get(build.getKey()).state() == HostState.BUILDING) {
        ahead++; // built, waiting for its turn
      }
    }
    for (PlannedHost host : buildOrder) {
      if (ahead >= buildsAhead) {
        break;
      }
      if (builds.containsKey(host.hostname())) {
        continue;
      }
      HostRollout rollout = rollouts.get(host.hostname());
      builds.put(host.hostname(), null);
      ahead++;
      inFlight = true;
      builders.execute(
          () -> {
            try {
              rollout.build();
            } finally {
              finishedHosts.add(new Finished(rollout, null, null, true));
              watch.poke();
            }
          });
    }
    return inFlight;
  }

  /** Whether {@code host} is to be built ahead and its build has not finished yet. */
  private boolean awaitsBuild(PlannedHost host) {
    return buildsAhead > 0
        && toBuild.contains(host.hostname())
        && !Boolean.TRUE.equals(builds.get(host.hostname()));
  }

  /** Why the gates keep {@code host} from starting now, or empty. */
  private Optional<String> refusal(PlannedHost host) {
    try {
      return gates.beforeHost(host, Set.copyOf(busy));
    } catch (dev.laborchestrator.port.ApiException e) {
      if (!e.transientFailure()) {
        throw e;
      }
      return Optional.of(e.getMessage());
    }
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
}
