package dev.laborchestrator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.cli.DemoLab;
import dev.laborchestrator.rollout.NodeMetaReporter;
import dev.laborchestrator.sim.SimEvent;
import dev.laborchestrator.sim.SimLab;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end: the rollout's progress in each node's dynamic metadata (issue 10, point 5). */
class NodeMetaIT {
  @TempDir Path dir;
  private DemoLab demo;

  @AfterEach
  void stop() {
    if (demo != null) {
      demo.close();
    }
  }

  private Controller.Run run() throws Exception {
    Controller.Run run = Controller.run(dir, Map.of(), "run", "--config=" + demo.config());
    for (String token : demo.tokens()) {
      assertThat(run.all()).as("a token in the output").doesNotContain(token);
    }
    return run;
  }

  private static boolean setsState(SimEvent e) {
    return e.type() == SimEvent.Type.NODE_META_UPDATED
        && e.detail().contains(NodeMetaReporter.STATE + "=")
        && e.detail().contains(NodeMetaReporter.ID + "=r-");
  }

  @Test
  void eachHostShowsItsStateOnItsNodeDuringTheRolloutAndNotAfter() throws Exception {
    List<String> hosts = List.of("gateway", "db");
    demo =
        DemoLab.start(
            dir,
            DemoLab.HOSTS.stream().filter(h -> hosts.contains(h.hostname())).toList(),
            Set.of(),
            UnaryOperator.identity(),
            UnaryOperator.identity());
    SimLab lab = demo.lab();

    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isZero();
    for (String host : hosts) {
      List<SimEvent> events = lab.eventsFor(host);
      int firstSet = indexOf(events, NodeMetaIT::setsState);
      int enabled =
          indexOf(
              events,
              e ->
                  e.type() == SimEvent.Type.ELIGIBILITY_CHANGED
                      && e.detail().startsWith("eligible"));
      assertThat(firstSet).as(host + ": its state shown on the node").isNotNegative();
      assertThat(enabled).as(host + " re-enabled").isNotNegative();
      assertThat(firstSet).as(host + ": shown while it was out of service").isLessThan(enabled);
      assertThat(events.get(events.size() - 1).type())
          .isNotEqualTo(SimEvent.Type.DRAIN_STARTED); // sanity: the host's record goes on
      SimEvent lastMeta =
          events.stream()
              .filter(e -> e.type() == SimEvent.Type.NODE_META_UPDATED)
              .reduce((a, b) -> b)
              .orElseThrow();
      assertThat(lastMeta.detail()).as(host + ": cleared when done").isEqualTo("{}");
      assertThat(lab.nodeMeta(host))
          .doesNotContainKeys(NodeMetaReporter.STATE, NodeMetaReporter.ID, NodeMetaReporter.SINCE);
    }
    assertThat(lab.nodeMeta(DemoLab.SPARE)).doesNotContainKey(NodeMetaReporter.STATE);
  }

  /**
   * A metadata write re-registers the node, which moves its StatusUpdatedAt while it stays ready.
   * On a host without lab.boot-id that does not restart, that must not pass for a reboot.
   */
  @Test
  void metadataReRegistrationsAreNeverTakenForAReboot() throws Exception {
    demo =
        DemoLab.start(
            dir,
            DemoLab.HOSTS.stream().filter(h -> h.hostname().equals("gateway")).toList(),
            Set.of(),
            lab -> lab.editNode("gateway", n -> n.publishesBootId(false)),
            config -> {
              config.put("timeouts", Map.of("drain", "30s", "reboot", "4s", "health", "30s"));
              return config;
            });
    SimLab lab = demo.lab();
    lab.faults("gateway").fakeReboot(true);
    String nodeId = lab.node("gateway").id();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger landed = new AtomicInteger();
    // Besides the controller's own writes, someone else's (an operator in the UI, say) keep the
    // node re-registering throughout the wait for the reboot.
    Thread writer =
        new Thread(
            () -> {
              HttpClient http = HttpClient.newHttpClient();
              int n = 0;
              while (running.get()) {
                try {
                  HttpRequest request =
                      HttpRequest.newBuilder(
                              URI.create(
                                  lab.nomadAddress() + "/v1/client/metadata?node_id=" + nodeId))
                          .header("X-Nomad-Token", demo.tokens().get(0))
                          .POST(
                              HttpRequest.BodyPublishers.ofString(
                                  "{\"Meta\":{\"ops.note\":\"write " + n++ + "\"}}"))
                          .build();
                  if (http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()
                      == 200) {
                    landed.incrementAndGet();
                  }
                  Thread.sleep(250);
                } catch (InterruptedException e) {
                  return;
                } catch (Exception e) {
                  // the next write
                }
              }
            },
            "meta-writer");
    writer.start();
    Controller.Run run;
    try {
      run = run();
    } finally {
      running.set(false);
      writer.interrupt();
      writer.join();
    }

    assertThat(landed.get()).as("metadata writes during the run").isGreaterThan(4);
    assertThat(lab.eventsFor("gateway"))
        .filteredOn(e -> e.type() == SimEvent.Type.NODE_META_UPDATED)
        .hasSizeGreaterThan(4);
    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(run.stdout()).contains("FAILED gateway").contains("no reboot seen");
    assertThat(lab.node("gateway").eligible()).isFalse();
    assertThat(lab.nodeMeta("gateway"))
        .as("a failed host keeps its state on the node")
        .containsEntry(NodeMetaReporter.STATE, "FAILED");
  }

  private static int indexOf(List<SimEvent> events, java.util.function.Predicate<SimEvent> test) {
    for (int i = 0; i < events.size(); i++) {
      if (test.test(events.get(i))) {
        return i;
      }
    }
    return -1;
  }
}
