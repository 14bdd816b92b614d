package dev.laborchestrator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.cli.DemoLab;
import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.Orchestration;
import dev.laborchestrator.sim.SimEvent;
import dev.laborchestrator.sim.SimLab;
import dev.laborchestrator.sim.SimNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, issue 9: a host leaves service only when its work fits elsewhere, no service loses
 * its last passing instance, the last host's replacements run healthy, and the failure domains
 * allow it; blue-green reboots only once its work runs elsewhere. The real CLI against the
 * simulated lab.
 */
class WorkIT {
  @TempDir Path dir;
  private DemoLab demo;

  @AfterEach
  void stop() {
    if (demo != null) {
      demo.close();
    }
  }

  private static HostSpec host(String name, int order, String strategy, String... groups) {
    HostSpec plain = DemoLab.host(name, "app", order, List.of(), "medium", 0);
    return new HostSpec(
        name,
        "app",
        groups.length == 0 ? plain.groups() : List.of(groups),
        order,
        List.of(),
        plain.healthChecks(),
        new Orchestration(strategy, 0, "medium"),
        plain.services());
  }

  private SimLab lab(
      List<HostSpec> hosts,
      UnaryOperator<SimLab.Builder> labEdits,
      UnaryOperator<Map<String, Object>> configEdits) {
    demo =
        DemoLab.start(
            dir,
            hosts,
            Set.of(),
            labEdits,
            config -> {
              config.put(
                  "timeouts",
                  new HashMap<>(Map.of("drain", "30s", "reboot", "30s", "health", "6s")));
              return configEdits.apply(config);
            });
    return demo.lab();
  }

  private Controller.Run run() throws IOException, InterruptedException {
    return Labs.run(dir, demo);
  }

  /** When the replacements of {@code host}'s allocations were reported healthy, anywhere. */
  private static List<Long> replacementsHealthy(SimLab lab, String host) {
    return lab.events().stream()
        .filter(e -> e.type() == SimEvent.Type.ALLOC_HEALTHY)
        .filter(
            e -> e.detail().startsWith(host + "-service-") && e.detail().endsWith("(replacement)"))
        .map(SimEvent::atMillis)
        .toList();
  }

  @Test
  void aHostWhoseWorkDoesNotFitElsewhereIsNeverDrained() throws Exception {
    SimLab lab =
        lab(
            List.of(host("a", 1, "rolling"), host("b", 2, "rolling")),
            b ->
                b.editNode("a", n -> n.allocSize(3000, 4096))
                    .editNode("b", n -> n.cpu(2000))
                    .editNode(DemoLab.SPARE, n -> n.cpu(2000)),
            UnaryOperator.identity());

    Controller.Run plan = Controller.run(dir, Map.of(), "plan", "--config=" + demo.config());
    assertThat(plan.exitCode()).as(plan.all()).isZero();
    assertThat(plan.stdout()).contains("a would wait for room: ").contains("do not fit");

    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(Labs.any(lab, "a", SimEvent.Type.DRAIN_STARTED)).as("a drained").isFalse();
    assertThat(Labs.any(lab, "b", SimEvent.Type.DRAIN_STARTED)).as("b drained").isFalse();
    assertThat(run.all()).contains("do not fit");
  }

  @Test
  void theNextHostWaitsForHealthyReplacementsAndAnUnhealthyOneHaltsTheRollout() throws Exception {
    SimLab lab =
        lab(
            List.of(host("a", 1, "rolling"), host("b", 2, "rolling"), host("c", 3, "rolling")),
            b ->
                b.editNode("a", n -> n.healthyAfter(Duration.ofSeconds(2)))
                    .editNode("b", n -> n.replacementHealth(SimNode.ReplacementHealth.UNHEALTHY)),
            config -> {
              config.put("maxParallel", 1);
              return config;
            });

    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    List<Long> aHealthy = replacementsHealthy(lab, "a");
    assertThat(aHealthy).as("a's replacements reported healthy").isNotEmpty();
    assertThat(Labs.first(lab, "b", SimEvent.Type.DRAIN_STARTED))
        .as("b drained only once a's replacements were healthy")
        .isGreaterThanOrEqualTo(aHealthy.stream().mapToLong(Long::longValue).max().orElseThrow());
    assertThat(run.stdout()).contains("FAILED b").contains("did not come up healthy elsewhere");
    assertThat(Labs.any(lab, "c", SimEvent.Type.DRAIN_STARTED)).as("c drained").isFalse();
  }

  @Test
  void theLastPassingInstanceOfAServiceIsNeverTakenDown() throws Exception {
    SimLab lab =
        lab(
            List.of(host("a", 1, "rolling"), host("b", 2, "rolling")),
            b ->
                b.editNode("a", n -> n.services("web")).editNode("b", n -> n.services("web", "pg")),
            config -> {
              config.remove("allowLastInstance");
              return config;
            });

    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(Labs.any(lab, "a", SimEvent.Type.DRAIN_STARTED))
        .as("a (web runs on b too)")
        .isTrue();
    assertThat(Labs.any(lab, "b", SimEvent.Type.DRAIN_STARTED)).as("b (the only pg)").isFalse();
    assertThat(run.stdout()).contains("FAILED b").contains("pg");
  }

  @Test
  void noMoreHostsThanTheLimitsAllowAreOutOfServiceInADatacenterOrAGroup() throws Exception {
    SimLab lab =
        lab(
            List.of(
                host("a", 1, "rolling", "g1"),
                host("b", 1, "rolling", "g2"),
                host("c", 1, "rolling", "g1"),
                host("d", 1, "rolling", "g2")),
            b ->
                b.editNode("a", n -> n.datacenter("dc1"))
                    .editNode("b", n -> n.datacenter("dc1"))
                    .editNode("c", n -> n.datacenter("dc2"))
                    .editNode("d", n -> n.datacenter("dc2"))
                    .node(
                        SimNode.named("spare-2").revision(DemoLab.OLD_REVISION).datacenter("dc2")),
            config -> {
              config.put("maxParallel", 4);
              config.put("limits", Map.of("perDatacenter", 1, "perGroup", 1));
              return config;
            });

    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isZero();
    Map<String, String> dc = Map.of("a", "dc1", "b", "dc1", "c", "dc2", "d", "dc2");
    Map<String, String> group = Map.of("a", "g1", "b", "g2", "c", "g1", "d", "g2");
    Map<String, Boolean> out = new HashMap<>();
    int most = 0;
    for (SimEvent e : lab.events()) {
      if (!e.aboutNode() || !dc.containsKey(e.node())) {
        continue;
      }
      out.put(e.node(), e.outOfService());
      List<String> now =
          out.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
      most = Math.max(most, now.size());
      assertThat(now.stream().map(dc::get).distinct().count())
          .as("one out per datacenter: " + now)
          .isEqualTo(now.size());
      assertThat(now.stream().map(group::get).distinct().count())
          .as("one out per group: " + now)
          .isEqualTo(now.size());
    }
    assertThat(most).as("two hosts (other datacenter, other group) out at once").isEqualTo(2);
  }

  @Test
  void blueGreenRebootsOnlyOnceItsWorkRunsHealthyElsewhere() throws Exception {
    SimLab lab =
        lab(
            List.of(host("a", 1, "blue-green"), host("b", 2, "rolling")),
            b -> b.editNode("a", n -> n.healthyAfter(Duration.ofSeconds(2))),
            UnaryOperator.identity());

    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isZero();
    List<Long> healthy = replacementsHealthy(lab, "a");
    assertThat(healthy).isNotEmpty();
    assertThat(Labs.first(lab, "a", SimEvent.Type.REBOOT_STARTED))
        .as("a rebooted only after its replacements were healthy")
        .isGreaterThanOrEqualTo(healthy.stream().mapToLong(Long::longValue).max().orElseThrow());
  }
}
