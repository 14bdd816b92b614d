package dev.laborchestrator.watch;

import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.ConsulHealth;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NodeStub;
import dev.laborchestrator.port.NomadEvents;
import dev.laborchestrator.port.NomadNode;
import dev.laborchestrator.port.NomadNodes;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * The watch a real run uses: two threads keep the view current for every host at once.
 *
 * <p>Nomad: the event stream, topics {@code Node} and {@code Allocation}. A node event carries the
 * whole node, so a host's drain, status and boot id arrive without a read. The stream keeps no
 * history beyond the server's last 100 frames and a resume from an index that aged out silently
 * skips what it lost (nomad/stream/event_buffer.go {@code StartAtClosest}), so after every
 * reconnect whose first frame is later than the index asked for, the plan's nodes are read again.
 * When the stream is refused (a token without {@code node:read} for it) or breaks three times in a
 * row, the watch falls back to a blocking query on the node list for the rest of the run, reading a
 * node again only when its {@code ModifyIndex} moved.
 *
 * <p>Consul: one blocking query for every check of every node ({@code /v1/health/state/any}), where
 * each host used to run a loop of its own.
 */
public final class StreamedWatch extends View {
  /** The longest a blocking query waits; Nomad and Consul cap it at 10 minutes anyway. */
  private static final Duration MAX_WAIT = Duration.ofMinutes(5);

  /** The least time between two tries after a failure, so that an outage does not make us spin. */
  private static final Duration RETRY_PAUSE = Duration.ofMillis(500);

  private static final int BREAKS_BEFORE_FALLBACK = 3;

  private static final java.lang.management.ThreadMXBean CPU =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private static final Duration MIN_PAUSE = Duration.ofMillis(5);
  private static final Duration MAX_PAUSE = Duration.ofMillis(250);

  /** The CPU time the Consul watch may spend at once after a quiet spell. */
  private static final Duration CPU_BURST = Duration.ofMillis(50);

  private final NomadNodes nomad;
  private final NomadEvents events;
  private final ConsulHealth consul;
  private final Consumer<String> note;
  private final Thread nomadThread;
  private final Thread consulThread;
  private volatile NomadEvents.Stream stream;
  private volatile String mode = "event stream";

  private StreamedWatch(
      NomadNodes nomad,
      NomadEvents events,
      ConsulHealth consul,
      Clock clock,
      Consumer<String> note) {
    super(clock);
    this.nomad = nomad;
    this.events = events;
    this.consul = consul;
    this.note = note;
    this.nomadThread = new Thread(this::followNomad, "watch-nomad");
    this.consulThread = new Thread(this::followConsul, "watch-consul");
    nomadThread.setDaemon(true);
    consulThread.setDaemon(true);
  }

  /**
   * Reads each of {@code nodeIds} and every check once, then follows both. {@code note} hears of a
   * fallback (once) and of a stream that broke.
   */
  public static StreamedWatch start(
      NomadNodes nomad,
      NomadEvents events,
      ConsulHealth consul,
      Collection<String> nodeIds,
      Clock clock,
      Consumer<String> note) {
    StreamedWatch watch = new StreamedWatch(nomad, events, consul, clock, note);
    for (String id : nodeIds) {
      watch.putNode(id, nomad.readNode(id, BlockingQuery.NONE));
    }
    Indexed<List<HealthCheck>> checks = consul.allChecks(BlockingQuery.NONE);
    watch.putChecks(checks.value());
    watch.consulIndex = checks.index();
    watch.nomadThread.start();
    watch.consulThread.start();
    return watch;
  }

  private long consulIndex;

  @Override
  public long awaitChange(long seen, Instant deadline) throws InterruptedException {
    return awaitInRealTime(seen, deadline);
  }

  @Override
  public long awaitChange(long seen, Instant deadline, String nodeId) throws InterruptedException {
    return awaitInRealTime(seen, deadline, nodeId);
  }

  @Override
  public Indexed<NomadNode> refresh(String nodeId) {
    Indexed<NomadNode> read = nomad.readNode(nodeId, BlockingQuery.NONE);
    putNode(nodeId, read);
    return node(nodeId);
  }

  @Override
  public String mode() {
    return mode;
  }

  // ---- Nomad ----

  private void followNomad() {
    long next = lowestIndex() + 1;
    int breaks = 0;
    try {
      while (!closed) {
        try (NomadEvents.Stream opened = events.open(next, NomadEvents.TOPICS)) {
          stream = opened;
          boolean first = true;
          NomadEvents.Frame frame;
          while (!closed && (frame = opened.next()) != null) {
            if (frame.heartbeat()) {
              continue;
            }
            if (first && frame.index() > next) {
              // Frames before this one may have aged out of the server's buffer: read again.
              relist();
            }
            first = false;
            breaks = 0;
            apply(frame);
            next = Math.max(next, frame.index() + 1);
          }
        } catch (ApiException e) {
          if (closed) {
            return;
          }
          if (!e.transientFailure()) {
            fallBack("the event stream was refused (" + e.getMessage() + ")");
            return;
          }
          if (++breaks >= BREAKS_BEFORE_FALLBACK) {
            fallBack("the event stream broke " + breaks + " times (" + e.getMessage() + ")");
            return;
          }
          clock.sleep(RETRY_PAUSE.multipliedBy(breaks));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      if (!closed) {
        fallBack("the event stream failed (" + e.getMessage() + ")");
      }
    }
  }

  private long lowestIndex() {
    return nodeIds().stream().mapToLong(id -> node(id).index()).min().orElse(0);
  }

  private void apply(NomadEvents.Frame frame) {
    for (NomadEvents.Event event : frame.events()) {
      NomadNode node = event.node();
      if (node != null && follows(node.id())) {
        putNode(node.id(), new Indexed<>(node, event.index()));
      }
    }
  }

  /**
   * Reads again every followed node that moved: one list of the nodes, then a read of each whose
   * ModifyIndex is past the one kept (or that the list lacks). At 1,000 hosts, reading every node
   * one by one took the stream's thread a second or more, while the first hosts' drains completed
   * unseen. When the list fails, every node is read.
   */
  private void relist() {
    List<NodeStub> stubs;
    try {
      stubs = nomad.listNodes(BlockingQuery.NONE).value();
    } catch (ApiException e) {
      nodeIds().forEach(this::readAgain);
      return;
    }
    java.util.Set<String> listed = new java.util.HashSet<>();
    readMoved(stubs, listed);
    for (String id : nodeIds()) {
      if (!listed.contains(id)) {
        readAgain(id);
      }
    }
  }

  /** Reads again each followed node of {@code stubs} whose ModifyIndex moved; notes each seen. */
  private void readMoved(List<NodeStub> stubs, java.util.Set<String> seen) {
    for (NodeStub stub : stubs) {
      Indexed<NomadNode> kept = node(stub.id());
      if (kept == null) {
        continue;
      }
      seen.add(stub.id());
      if (stub.modifyIndex() == 0 || stub.modifyIndex() > kept.index()) {
        readAgain(stub.id());
      }
    }
  }

  private void readAgain(String id) {
    try {
      putNode(id, nomad.readNode(id, BlockingQuery.NONE));
    } catch (ApiException e) {
      note.accept("could not read node " + id + " again: " + e.getMessage());
    }
  }

  /** Follows the node list by blocking queries instead, for the rest of the run. */
  private void fallBack(String why) {
    mode = "blocking queries";
    note.accept(why + "; following the nodes by blocking queries instead");
    long index = 0;
    try {
      while (!closed) {
        Indexed<List<NodeStub>> list;
        try {
          list =
              nomad.listNodes(
                  index == 0 ? BlockingQuery.NONE : BlockingQuery.after(index, MAX_WAIT));
        } catch (ApiException e) {
          clock.sleep(RETRY_PAUSE);
          continue;
        }
        readMoved(list.value(), new java.util.HashSet<>());
        if (list.index() == index || list.index() == 0) {
          clock.sleep(RETRY_PAUSE);
        }
        index = list.index() < index ? 0 : list.index();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- Consul ----

  private void followConsul() {
    long index = consulIndex;
    CpuBudget budget = new CpuBudget(3, CPU_BURST, System.nanoTime());
    try {
      while (!closed) {
        Indexed<List<HealthCheck>> read;
        long cpuBefore = CPU.getCurrentThreadCpuTime();
        try {
          read = consul.allChecks(BlockingQuery.after(Math.max(index, 1), MAX_WAIT));
        } catch (ApiException e) {
          if (closed) {
            return;
          }
          if (e.transientFailure()) {
            checksUnknown();
          } else {
            checksRefused(e);
          }
          clock.sleep(RETRY_PAUSE);
          continue;
        }
        putChecks(read.value());
        // Every answer holds every check of the cluster: over time the watch keeps at most a
        // third of a core, and reads a change after a quiet spell at once.
        long cpu = CPU.getCurrentThreadCpuTime() - cpuBefore;
        Duration pause = budget.spend(cpu, System.nanoTime());
        pause = pause.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause;
        if (read.index() == index && pause.compareTo(MIN_PAUSE) < 0) {
          pause = MIN_PAUSE; // an answer without a change must not make us spin
        }
        if (!pause.isZero()) {
          clock.sleep(pause);
        }
        index = read.index() < index ? 0 : read.index();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      if (!closed) {
        note.accept("the Consul health watch stopped: " + e.getMessage());
        checksUnknown();
      }
    }
  }

  @Override
  public void close() {
    super.close();
    NomadEvents.Stream open = stream;
    if (open != null) {
      open.close();
    }
    nomadThread.interrupt();
    consulThread.interrupt();
  }
}
