package dev.laborchestrator.rollout;

import static dev.laborchestrator.rollout.HostState.DONE;
import static dev.laborchestrator.rollout.HostState.DRAINING;
import static dev.laborchestrator.rollout.HostState.FAILED;
import static dev.laborchestrator.rollout.HostState.PENDING;
import static dev.laborchestrator.rollout.HostState.PREPARING;
import static dev.laborchestrator.rollout.HostState.REBOOTING;
import static dev.laborchestrator.rollout.HostState.REBUILDING;
import static dev.laborchestrator.rollout.HostState.RETURNING;
import static dev.laborchestrator.rollout.HostState.SKIPPED;
import static dev.laborchestrator.rollout.HostState.VERIFYING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.port.Allocation;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.DrainRequest;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NodeStub;
import dev.laborchestrator.port.NomadNode;
import dev.laborchestrator.port.NomadNodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class NodeMetaReporterTest {
  private static final String ROLLOUT = "r-20261202-030000-1a2b";
  private static final Map<String, String> NODES = Map.of("web-1", "node-1", "web-2", "node-2");

  private final FakeClock clock = new FakeClock();
  private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());

  /** Records every metadata write; the other calls are not used by the reporter. */
  private static class RecordingNomad implements NomadNodes {
    final List<Map.Entry<String, Map<String, String>>> writes =
        Collections.synchronizedList(new ArrayList<>());

    @Override
    public void setNodeMeta(String nodeId, Map<String, String> meta) {
      writes.add(Map.entry(nodeId, new HashMap<>(meta)));
    }

    List<String> states(String nodeId) {
      return writes.stream()
          .filter(w -> w.getKey().equals(nodeId))
          .map(w -> String.valueOf(w.getValue().get(NodeMetaReporter.STATE)))
          .toList();
    }

    @Override
    public List<NodeStub> listNodes() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Indexed<NomadNode> readNode(String nodeId, BlockingQuery query) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Indexed<List<Allocation>> nodeAllocations(String nodeId, BlockingQuery query) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void drain(String nodeId, DrainRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setEligibility(String nodeId, boolean eligible) {
      throw new UnsupportedOperationException();
    }
  }

  private NodeMetaReporter reporter(NomadNodes nomad) {
    return new NodeMetaReporter(nomad, NODES, ROLLOUT, clock, warnings::add);
  }

  private static void move(NodeMetaReporter reporter, String host, HostState... states) {
    for (int i = 1; i < states.length; i++) {
      reporter.transition(host, states[i - 1], states[i], Duration.ZERO, Duration.ZERO, "");
    }
  }

  @Test
  void eachStateIsSetWithTheRolloutIdAndTimeAndADoneHostIsCleared() throws Exception {
    RecordingNomad nomad = new RecordingNomad();
    NodeMetaReporter reporter = reporter(nomad);

    move(reporter, "web-1", PENDING, PREPARING, DRAINING);
    move(reporter, "web-1", DRAINING, REBUILDING, REBOOTING, RETURNING, VERIFYING, DONE);
    reporter.close(Duration.ofSeconds(10));

    List<Map.Entry<String, Map<String, String>>> writes = nomad.writes;
    assertThat(writes).isNotEmpty().allMatch(w -> w.getKey().equals("node-1"));
    for (Map.Entry<String, Map<String, String>> write : writes.subList(0, writes.size() - 1)) {
      assertThat(write.getValue())
          .containsEntry(NodeMetaReporter.ID, ROLLOUT)
          .containsEntry(
              NodeMetaReporter.SINCE,
              clock.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString())
          .containsKey(NodeMetaReporter.STATE);
    }
    Map<String, String> last = writes.get(writes.size() - 1).getValue();
    assertThat(last)
        .containsOnlyKeys(NodeMetaReporter.STATE, NodeMetaReporter.ID, NodeMetaReporter.SINCE);
    assertThat(last.values()).containsOnlyNulls();
    // Only the states an operator acts on: out of service, back and verifying, the outcome.
    // (a write overtaken before it was sent is dropped, so this is a subsequence)
    assertThat(List.of("DRAINING", "VERIFYING", "null"))
        .containsSubsequence(nomad.states("node-1"));
    assertThat(warnings).isEmpty();
  }

  @Test
  void aFailedHostKeepsItsStateOnTheNode() throws Exception {
    RecordingNomad nomad = new RecordingNomad();
    NodeMetaReporter reporter = reporter(nomad);

    move(reporter, "web-1", PENDING, PREPARING, DRAINING, REBUILDING, FAILED);
    reporter.close(Duration.ofSeconds(10));

    List<String> states = nomad.states("node-1");
    assertThat(states.get(states.size() - 1)).isEqualTo("FAILED");
  }

  @Test
  void aHostSkippedWithoutHavingBeenSetIsNotWritten() throws Exception {
    RecordingNomad nomad = new RecordingNomad();
    NodeMetaReporter reporter = reporter(nomad);

    move(reporter, "web-2", PENDING, SKIPPED);
    move(reporter, "unknown-host", PENDING, PREPARING);
    reporter.close(Duration.ofSeconds(10));

    assertThat(nomad.writes).isEmpty();
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS) // guards against a hang; asserts no time
  void aStalledWriteHoldsUpNoTransitionAndOnlyTheLatestStateIsSentAfterIt() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    RecordingNomad nomad =
        new RecordingNomad() {
          @Override
          public void setNodeMeta(String nodeId, Map<String, String> meta) {
            super.setNodeMeta(nodeId, meta);
            entered.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    NodeMetaReporter reporter = reporter(nomad);

    move(reporter, "web-1", PENDING, DRAINING);
    entered.await();
    move(reporter, "web-1", DRAINING, REBUILDING, REBOOTING, RETURNING, VERIFYING, FAILED);
    release.countDown();
    reporter.close(Duration.ofSeconds(10));

    assertThat(nomad.states("node-1")).containsExactly("DRAINING", "FAILED");
  }

  @Test
  void failingWritesNeverReachTheRolloutAndAreReportedOnce() throws Exception {
    NomadNodes failing =
        new RecordingNomad() {
          @Override
          public void setNodeMeta(String nodeId, Map<String, String> meta) {
            throw new dev.laborchestrator.port.ApiException(
                403, "HTTP 403 Permission denied", false, null);
          }
        };
    NodeMetaReporter reporter = reporter(failing);

    move(reporter, "web-1", PENDING, PREPARING, DRAINING, REBUILDING, FAILED);
    move(reporter, "web-2", PENDING, PREPARING, DRAINING);
    reporter.close(Duration.ofSeconds(10));

    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0)).contains("node metadata").contains("403");
  }
}
