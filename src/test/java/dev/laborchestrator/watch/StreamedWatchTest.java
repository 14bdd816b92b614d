package dev.laborchestrator.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.ConsulHealth;
import dev.laborchestrator.port.DrainRequest;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NodeStub;
import dev.laborchestrator.port.NomadEvents;
import dev.laborchestrator.port.NomadNode;
import dev.laborchestrator.port.NomadNodes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The watch a real run uses, against scripted Nomad and Consul ports. Every wait here ends on an
 * event the test sends; the generous deadlines only guard against a hang.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamedWatchTest {
  private static final Duration GUARD = Duration.ofSeconds(20);

  private final Nomad nomad = new Nomad();
  private final Events events = new Events();
  private final Consul consul = new Consul();
  private final List<String> notes = new CopyOnWriteArrayList<>();
  private StreamedWatch watch;

  @AfterEach
  void close() {
    if (watch != null) {
      watch.close();
    }
  }

  private static NomadNode node(String status, String bootId, boolean draining) {
    return new NomadNode(
        "id-a",
        "a",
        null,
        status,
        0,
        "ineligible",
        draining ? new NomadNode.DrainStrategy(0, true, null, null) : null,
        null,
        bootId == null ? Map.of() : Map.of(NomadNode.BOOT_ID_META, bootId),
        Map.of());
  }

  private static HealthCheck check(String node, String status) {
    return new HealthCheck(node, "serfHealth", "Serf Health Status", status, "", "");
  }

  private static NomadEvents.Frame frame(long index, NomadNode node) {
    return new NomadEvents.Frame(
        index,
        List.of(new NomadEvents.Event("Node", "NodeStreamEvent", node.id(), index, node, null)));
  }

  private StreamedWatch start() {
    watch = StreamedWatch.start(nomad, events, consul, List.of("id-a"), Clock.system(), notes::add);
    return watch;
  }

  /** Waits until {@code check} holds, on the watch's own wake-ups. */
  private void awaitTrue(java.util.function.BooleanSupplier check) throws InterruptedException {
    Instant guard = Instant.now().plus(GUARD);
    while (!check.getAsBoolean()) {
      long seen = watch.version();
      if (check.getAsBoolean()) {
        return;
      }
      assertThat(Instant.now()).as("guard against a hang").isBefore(guard);
      watch.awaitChange(seen, Instant.now().plus(Duration.ofSeconds(1)));
    }
  }

  @Test
  void aNodeEventReachesTheViewWithoutARead() throws Exception {
    nomad.node = new Indexed<>(node("ready", "boot-1", false), 10);
    start();
    assertThat(events.openedAt.poll(20, TimeUnit.SECONDS))
        .as("resumes after the read")
        .isEqualTo(11);
    long before = watch.version();

    events.frames.put(NomadEvents.Frame.HEARTBEAT);
    events.frames.put(frame(11, node("down", "boot-1", false)));
    awaitTrue(() -> "down".equals(watch.node("id-a").value().status()));

    assertThat(watch.version()).isGreaterThan(before);
    assertThat(watch.node("id-a").index()).isEqualTo(11);
    assertThat(nomad.reads.get()).as("only the first read").isEqualTo(1);
    assertThat(watch.mode()).isEqualTo("event stream");
  }

  @Test
  void aResumeThatMayHaveLostFramesReadsTheNodesAgain() throws Exception {
    nomad.node = new Indexed<>(node("ready", "boot-1", false), 10);
    start();
    assertThat(events.openedAt.poll(20, TimeUnit.SECONDS)).isEqualTo(11);

    // The server's buffer no longer has index 11: its first frame is a later one, and whatever
    // happened in between is lost unless the watch reads the node again.
    nomad.node = new Indexed<>(node("ready", "boot-2", false), 40);
    events.frames.put(frame(50, node("ready", "boot-2", false)));
    awaitTrue(() -> nomad.reads.get() == 2);

    assertThat(watch.node("id-a").value().bootId()).isEqualTo("boot-2");
  }

  @Test
  void aResumeThatMayHaveLostFramesReadsAgainOnlyTheNodesTheListShowsMoved() throws Exception {
    nomad.node = new Indexed<>(node("ready", "boot-1", false), 10);
    nomad.listModifyIndex = 10;
    start();
    assertThat(events.openedAt.poll(20, TimeUnit.SECONDS)).isEqualTo(11);

    events.frames.put(frame(50, node("down", "boot-1", false)));
    awaitTrue(() -> "down".equals(watch.node("id-a").value().status()));

    assertThat(nomad.lists.get()).as("the node list was read once").isEqualTo(1);
    assertThat(nomad.reads.get()).as("the node did not move: only the first read").isEqualTo(1);
  }

  @Test
  void aRefusedStreamFallsBackToBlockingQueriesOnTheNodeList() throws Exception {
    nomad.node = new Indexed<>(node("ready", "boot-1", false), 10);
    events.refusal = new ApiException(403, "GET /v1/event/stream answered HTTP 403", false, null);
    start();

    nomad.node = new Indexed<>(node("ready", "boot-1", true), 12);
    nomad.listModifyIndex = 12;
    awaitTrue(() -> watch.node("id-a").value().draining());

    assertThat(watch.mode()).isEqualTo("blocking queries");
    assertThat(notes).anyMatch(n -> n.contains("refused") && n.contains("blocking queries"));
    // The first list does not block (it reads the node that moved); the next ones do.
    awaitTrue(() -> nomad.blockingLists.get() > 0);
  }

  @Test
  void oneConsulQueryKeepsEveryNodesChecksAndARefusalReachesTheReader() throws Exception {
    nomad.node = new Indexed<>(node("ready", "boot-1", false), 10);
    consul.answers.put(new Indexed<>(List.of(check("a", "passing"), check("b", "critical")), 5));
    start();
    assertThat(watch.checks("a")).extracting(HealthCheck::status).containsExactly("passing");
    assertThat(watch.checks("b")).extracting(HealthCheck::status).containsExactly("critical");
    assertThat(watch.checks("c")).as("a node without checks").isEmpty();

    consul.answers.put(new Indexed<>(List.of(check("a", "critical")), 6));
    awaitTrue(() -> "critical".equals(watch.checks("a").get(0).status()));
    assertThat(consul.indexes).as("the next query blocks on the first's index").contains(5L);

    consul.refusal =
        new ApiException(403, "GET /v1/health/state/any: filtered by ACLs", false, null);
    consul.answers.put(new Indexed<>(List.of(), 0)); // wakes the blocked query into the refusal
    awaitTrue(
        () -> {
          try {
            watch.checks("a");
            return false;
          } catch (ApiException e) {
            return true;
          }
        });
    assertThatThrownBy(() -> watch.checks("a")).hasMessageContaining("filtered by ACLs");
  }

  /** Nomad's node API: one node, counted reads, a node list whose ModifyIndex the test moves. */
  private static final class Nomad implements NomadNodes {
    volatile Indexed<NomadNode> node;
    volatile long listModifyIndex;
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger blockingLists = new AtomicInteger();
    final AtomicInteger lists = new AtomicInteger();

    @Override
    public List<NodeStub> listNodes() {
      return List.of();
    }

    @Override
    public Indexed<List<NodeStub>> listNodes(BlockingQuery query) {
      if (query.blocks()) {
        blockingLists.incrementAndGet();
      } else {
        lists.incrementAndGet();
      }
      long index = Math.max(listModifyIndex, 10);
      return new Indexed<>(
          List.of(
              new NodeStub("id-a", "a", null, "dc1", "ready", "eligible", false, listModifyIndex)),
          index);
    }

    @Override
    public Indexed<NomadNode> readNode(String nodeId, BlockingQuery query) {
      reads.incrementAndGet();
      return node;
    }

    @Override
    public Indexed<List<dev.laborchestrator.port.Allocation>> nodeAllocations(
        String nodeId, BlockingQuery query) {
      return new Indexed<>(List.of(), 1);
    }

    @Override
    public void drain(String nodeId, DrainRequest request) {}

    @Override
    public void setEligibility(String nodeId, boolean eligible) {}
  }

  /** An event stream fed frame by frame by the test. */
  private static final class Events implements NomadEvents {
    final BlockingQueue<Long> openedAt = new LinkedBlockingQueue<>();
    final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    volatile ApiException refusal;

    @Override
    public Stream open(long index, List<String> topics) {
      if (refusal != null) {
        throw refusal;
      }
      openedAt.add(index);
      return new Stream() {
        @Override
        public Frame next() {
          try {
            return frames.take();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, "interrupted", false, e);
          }
        }

        @Override
        public void close() {}
      };
    }
  }

  /** Consul's health of all nodes, one scripted answer per query. */
  private static final class Consul implements ConsulHealth {
    final BlockingQueue<Indexed<List<HealthCheck>>> answers = new LinkedBlockingQueue<>();
    final List<Long> indexes = new CopyOnWriteArrayList<>();
    volatile ApiException refusal;

    @Override
    public Indexed<List<HealthCheck>> nodeChecks(String consulNodeName, BlockingQuery query) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Indexed<List<HealthCheck>> allChecks(BlockingQuery query) {
      indexes.add(query.index());
      try {
        Indexed<List<HealthCheck>> answer =
            query.blocks() ? answers.take() : answers.poll(0, TimeUnit.SECONDS);
        if (answer == null) {
          return new Indexed<>(List.of(), 1);
        }
        if (refusal != null) {
          throw refusal;
        }
        return answer;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ApiException(0, "interrupted", false, e);
      }
    }
  }
}
