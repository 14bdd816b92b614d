package dev.laborchestrator.rollout;

import dev.laborchestrator.port.Allocation;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.Autopilot;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.ConsulHealth;
import dev.laborchestrator.port.DrainRequest;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.HostExecutor;
import dev.laborchestrator.port.HostTarget;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NodeMaintenance;
import dev.laborchestrator.port.NodeStub;
import dev.laborchestrator.port.NomadNode;
import dev.laborchestrator.port.NomadNodes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A scripted fake of Nomad, Consul and the executor on a {@link FakeClock}. Actions are scheduled
 * at fake instants; a blocking read jumps the clock to the next scheduled change (or to the end of
 * its wait) instead of sleeping. Every call holds the lab's monitor, so several rollout threads may
 * share it; it records how many hosts were out of service at once (drained and not yet eligible
 * again), and with {@link #rendezvous} it makes concurrent drains meet.
 */
final class FakeLab implements NomadNodes, ConsulHealth, HostExecutor, NodeMaintenance {
  /** How long a drain waits for company before it gives up: a guard against a hang only. */
  private static final Duration RENDEZVOUS_GUARD = Duration.ofSeconds(10);

  final FakeClock clock = new FakeClock();
  final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  final Map<String, Node> nodes = new LinkedHashMap<>();
  private final PriorityQueue<Scheduled> timeline = new PriorityQueue<>();
  private long index = 1;
  private long sequence;
  int transientFailuresLeft;

  private final Set<String> outOfService = new HashSet<>();
  private final Set<String> reEnabled = new HashSet<>();
  private final Map<String, Integer> peakSeenWhileWaiting = new HashMap<>();

  /** The most hosts out of service at the same time (drained, not yet eligible again). */
  int maxOutOfService;

  /**
   * With n &gt; 1, a drain does not proceed until n hosts are out of service (or every host not yet
   * re-enabled is), waiting in real time for other rollout threads to drain theirs: on a scripted
   * clock, threads could otherwise finish one host before the next even starts. A serial engine
   * never brings the company, and the drain goes on after {@link #RENDEZVOUS_GUARD}.
   */
  int rendezvous;

  /** Drains that waited for company in vain. */
  int missedRendezvous;

  /** What both fake autopilots answer. */
  boolean autopilotHealthy = true;

  int failureTolerance = 1;
  final Autopilot autopilot =
      () -> {
        calls.add("autopilot");
        return new Autopilot.Health(autopilotHealthy, failureTolerance, List.of());
      };

  /** Timings of the scripted world, relative to the call that starts them. */
  Duration drainTakes = Duration.ofSeconds(10);

  Duration systemAllocsStopAfterDrain = Duration.ofSeconds(8);
  Duration goesDownAfter = Duration.ofSeconds(5);
  Duration comesBackAfter = Duration.ofSeconds(60);
  Duration checksPassAfter = Duration.ofSeconds(20);

  final class Node {
    final String id;
    final String name;
    String status = "ready";
    long statusUpdatedAt = 1_000;
    String eligibility = "eligible";
    NomadNode.DrainStrategy drain;
    NomadNode.LastDrain lastDrain;
    String bootId = "boot-1";
    String revision = "rev-old";
    List<Allocation> allocs = new ArrayList<>();
    List<HealthCheck> checks = new ArrayList<>();
    // faults
    boolean neverReturns;
    boolean fakeReboot;
    boolean checkStaysCritical;
    boolean allocStuck;
    boolean buildFails;
    boolean kernelChanges = true;
    String returnsOnRevision = "rev-new";
    String address = "10.0.0.1";
    boolean maintenance;
    Instant drainedAt;
    Instant triggeredAt;
    Instant eligibleAt;

    Node(String name) {
      this.id = "id-" + name;
      this.name = name;
      allocs.add(alloc("web", "service", "running"));
      allocs.add(alloc("logs", "system", "running"));
      checks.add(check("serfHealth", "passing"));
      checks.add(check("http", "passing"));
    }

    Allocation alloc(String job, String type, String status) {
      return new Allocation(
          name + "-" + job,
          job + ".group[0]",
          id,
          job,
          new Allocation.Job(job, type),
          status,
          "run");
    }

    HealthCheck check(String checkName, String status) {
      return new HealthCheck(name, checkName, checkName, status, "", "");
    }

    NomadNode snapshot() {
      return new NomadNode(
          id,
          name,
          "10.0.0.1:4646",
          status,
          statusUpdatedAt,
          eligibility,
          drain,
          lastDrain,
          Map.of(NomadNode.BOOT_ID_META, bootId, NomadNode.REVISION_META, revision),
          Map.of());
    }

    void setChecks(String status) {
      checks.replaceAll(
          c -> c.checkId().equals(VerifyPhase.MAINTENANCE_CHECK) ? c : check(c.checkId(), status));
    }
  }

  synchronized Node add(String name) {
    Node node = new Node(name);
    nodes.put(node.id, node);
    return node;
  }

  synchronized Node node(String name) {
    return nodes.get("id-" + name);
  }

  private record Scheduled(Instant at, long seq, Runnable action) implements Comparable<Scheduled> {
    @Override
    public int compareTo(Scheduled o) {
      int c = at.compareTo(o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  synchronized void at(Duration after, Runnable action) {
    timeline.add(
        new Scheduled(
            clock.now().plus(after),
            sequence++,
            () -> {
              action.run();
              index++;
            }));
  }

  /** Applies every change due by now. */
  private void catchUp() {
    while (!timeline.isEmpty() && !timeline.peek().at().isAfter(clock.now())) {
      timeline.poll().action().run();
    }
  }

  /**
   * A blocking query: return at once on a newer index, else at the next change or after the wait.
   */
  private void block(BlockingQuery query) {
    catchUp();
    if (!query.blocks() || index > query.index()) {
      return;
    }
    Instant until = clock.now().plus(query.maxWait());
    if (!timeline.isEmpty() && timeline.peek().at().isBefore(until)) {
      clock.advanceTo(timeline.peek().at());
    } else {
      clock.advanceTo(until);
    }
    catchUp();
  }

  private void maybeFail(String call) {
    calls.add(call);
    if (transientFailuresLeft > 0) {
      transientFailuresLeft--;
      throw ApiException.status(503, "GET", "/fake", "try again");
    }
  }

  @Override
  public synchronized List<NodeStub> listNodes() {
    calls.add("listNodes");
    return nodes.values().stream()
        .map(
            n ->
                new NodeStub(
                    n.id, n.name, n.address, "dc1", n.status, n.eligibility, n.drain != null))
        .toList();
  }

  @Override
  public synchronized Indexed<NomadNode> readNode(String nodeId, BlockingQuery query) {
    maybeFail("readNode " + nodeId);
    block(query);
    return new Indexed<>(nodes.get(nodeId).snapshot(), index);
  }

  @Override
  public synchronized Indexed<List<Allocation>> nodeAllocations(
      String nodeId, BlockingQuery query) {
    maybeFail("allocations " + nodeId);
    block(query);
    return new Indexed<>(List.copyOf(nodes.get(nodeId).allocs), index);
  }

  @Override
  public synchronized void drain(String nodeId, DrainRequest request) {
    calls.add("drain " + nodeId);
    if (building.contains(nodeId)) {
      drainedWhileBuilding.add(nodeId);
    }
    catchUp();
    Node node = nodes.get(nodeId);
    node.eligibility = "ineligible";
    node.drain =
        new NomadNode.DrainStrategy(
            request.deadline().toNanos(),
            request.ignoreSystemJobs(),
            "0001-01-01T00:00:00Z",
            clock.now().toString());
    node.lastDrain =
        new NomadNode.LastDrain(
            "draining", clock.now().toString(), clock.now().toString(), request.meta());
    node.drainedAt = clock.now();
    index++;
    outOfService.add(nodeId);
    maxOutOfService = Math.max(maxOutOfService, outOfService.size());
    peakSeenWhileWaiting.replaceAll((waiting, peak) -> Math.max(peak, outOfService.size()));
    peakSeenWhileWaiting.put(nodeId, outOfService.size());
    notifyAll();
    awaitCompany(nodeId);
    if (node.allocStuck) {
      return;
    }
    at(
        drainTakes,
        () -> {
          node.allocs.replaceAll(
              a -> a.system() ? a : node.alloc(a.jobId(), a.job().type(), "complete"));
          node.drain = null;
          node.lastDrain =
              new NomadNode.LastDrain(
                  "complete",
                  node.lastDrain.startedAt(),
                  clock.now().toString(),
                  node.lastDrain.meta());
        });
    if (!request.ignoreSystemJobs()) {
      at(
          drainTakes.plus(systemAllocsStopAfterDrain),
          () -> node.allocs.replaceAll(a -> node.alloc(a.jobId(), a.job().type(), "complete")));
    }
  }

  @Override
  public synchronized void setEligibility(String nodeId, boolean eligible) {
    calls.add("eligibility " + nodeId + " " + eligible);
    catchUp();
    Node node = nodes.get(nodeId);
    if (node.drain != null) {
      throw ApiException.status(
          500, "POST", "/v1/node/" + nodeId + "/eligibility", "node is draining");
    }
    node.eligibility = eligible ? "eligible" : "ineligible";
    node.eligibleAt = clock.now();
    index++;
    if (eligible) {
      outOfService.remove(nodeId);
      reEnabled.add(nodeId);
      notifyAll();
    }
  }

  /**
   * See {@link #rendezvous}. Waits on the peak seen since this drain, not on the current count: the
   * company may have come, finished its whole rollout on the scripted clock and gone again before
   * this thread wakes. Waiting releases the monitor, so other threads go on meanwhile.
   */
  private void awaitCompany(String nodeId) {
    long deadline = System.nanoTime() + RENDEZVOUS_GUARD.toNanos();
    try {
      while (peakSeenWhileWaiting.get(nodeId)
          < Math.min(rendezvous, nodes.size() - reEnabled.size())) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          missedRendezvous++;
          return;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      peakSeenWhileWaiting.remove(nodeId);
    }
  }

  @Override
  public synchronized Indexed<List<HealthCheck>> nodeChecks(
      String consulNodeName, BlockingQuery query) {
    maybeFail("checks " + consulNodeName);
    block(query);
    Node node = node(consulNodeName);
    return new Indexed<>(List.copyOf(node.checks), index);
  }

  @Override
  public synchronized void rebuildAndReboot(HostTarget target) throws ExecutorException {
    calls.add("reboot " + target.hostname());
    catchUp();
    scheduleReboot(nodes.get(target.nodeId()));
  }

  private void scheduleReboot(Node node) {
    node.triggeredAt = clock.now();
    if (node.fakeReboot) {
      return;
    }
    at(
        goesDownAfter,
        () -> {
          node.status = "down";
          node.statusUpdatedAt += 100;
          node.checks.clear();
          node.allocs.replaceAll(
              a -> node.alloc(a.jobId(), a.job().type(), a.active() ? "lost" : a.clientStatus()));
        });
    if (node.neverReturns) {
      return;
    }
    at(
        comesBackAfter,
        () -> {
          node.status = "ready";
          node.statusUpdatedAt += 100;
          node.bootId = "boot-" + (sequence + 2);
          node.revision = node.returnsOnRevision;
          node.checks.add(node.check("serfHealth", "passing"));
          node.checks.add(node.check("http", "critical"));
          if (node.maintenance) {
            node.checks.add(node.check(VerifyPhase.MAINTENANCE_CHECK, "critical"));
          }
        });
    at(
        comesBackAfter.plus(checksPassAfter),
        () -> {
          if (!node.checkStaysCritical) {
            node.setChecks("passing");
          }
        });
  }

  /** Blocked evaluations now; null: the fake does not serve {@code /v1/evaluations}. */
  Integer blockedEvaluations;

  @Override
  public synchronized List<dev.laborchestrator.port.Evaluation> blockedEvaluations() {
    if (blockedEvaluations == null) {
      throw new UnsupportedOperationException("no evaluations here");
    }
    calls.add("blocked evaluations");
    List<dev.laborchestrator.port.Evaluation> blocked = new ArrayList<>();
    for (int i = 0; i < blockedEvaluations; i++) {
      blocked.add(
          new dev.laborchestrator.port.Evaluation(
              "eval-" + i, "job", "blocked", "queued-allocs", "", Map.of(), index));
    }
    return blocked;
  }

  /** Whether the fake executor builds ahead ({@link #build}, {@link #activate}). */
  boolean buildsAhead;

  @Override
  public boolean buildsAhead() {
    return buildsAhead;
  }

  /**
   * With a value, each build holds on for that long in real time (the lab's monitor released), so
   * that a drain of a host whose build is still running can be seen ({@link
   * #drainedWhileBuilding}).
   */
  long buildHoldMillis;

  private final Set<String> building = new HashSet<>();

  /** Hosts drained while their build was running. */
  final Set<String> drainedWhileBuilding = new HashSet<>();

  @Override
  public synchronized Build build(HostTarget target) throws ExecutorException {
    calls.add("build " + target.hostname());
    catchUp();
    Node node = nodes.get(target.nodeId());
    if (buildHoldMillis > 0) {
      building.add(node.id);
      try {
        long until = System.nanoTime() + buildHoldMillis * 1_000_000;
        for (long left = buildHoldMillis;
            left > 0;
            left = (until - System.nanoTime()) / 1_000_000) {
          wait(left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ExecutorException("interrupted");
      } finally {
        building.remove(node.id);
      }
    }
    if (node.buildFails) {
      throw new BuildFailedException("error: builder for '" + target.hostname() + "' failed");
    }
    return new Build("/nix/store/0abc-nixos-system-" + target.hostname(), node.kernelChanges);
  }

  @Override
  public synchronized void activate(HostTarget target, Build build, boolean reboot) {
    calls.add((reboot ? "boot " : "switch ") + target.hostname() + " " + build.storePath());
    catchUp();
    Node node = nodes.get(target.nodeId());
    if (reboot) {
      scheduleReboot(node);
      return;
    }
    // switch-to-configuration switch: the client registers again with the new revision.
    node.triggeredAt = clock.now();
    node.revision = node.returnsOnRevision;
    index++;
  }

  @Override
  public synchronized void rollback(HostTarget target) {
    calls.add("rollback " + target.hostname());
    catchUp();
    Node node = nodes.get(target.nodeId());
    // The previous generation does not have the fault the new one brought.
    node.checkStaysCritical = false;
    node.returnsOnRevision = "rev-old";
    scheduleReboot(node);
  }

  @Override
  public synchronized void enable(String hostAddress, String reason) {
    calls.add("maintenance on " + hostAddress);
    catchUp();
    for (Node node : nodes.values()) {
      if (node.address.equals(hostAddress) && !node.maintenance) {
        node.maintenance = true;
        node.checks.add(node.check(VerifyPhase.MAINTENANCE_CHECK, "critical"));
        index++;
      }
    }
  }

  @Override
  public synchronized void disable(String hostAddress) {
    calls.add("maintenance off " + hostAddress);
    catchUp();
    for (Node node : nodes.values()) {
      if (node.address.equals(hostAddress)) {
        node.maintenance = false;
        node.checks.removeIf(c -> c.checkId().equals(VerifyPhase.MAINTENANCE_CHECK));
        index++;
      }
    }
  }

  /** Every node's eligibility as the test would see it. */
  synchronized Map<String, String> eligibility() {
    Map<String, String> out = new HashMap<>();
    nodes.values().forEach(n -> out.put(n.name, n.eligibility));
    return out;
  }
}
