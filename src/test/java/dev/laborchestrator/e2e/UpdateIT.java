package dev.laborchestrator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.cli.DemoLab;
import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.sim.SafetyRules;
import dev.laborchestrator.sim.SimEvent;
import dev.laborchestrator.sim.SimLab;
import dev.laborchestrator.sim.SimTiming;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, issue 9: hosts are built before they are drained, switched when their kernel did not
 * change, and never drained when their build fails; the real CLI against the simulated lab.
 */
class UpdateIT {
  private static final List<HostSpec> HOSTS =
      List.of(
          DemoLab.host("a", "app", 1, List.of(), "medium", 0),
          DemoLab.host("b", "app", 2, List.of(), "medium", 0),
          DemoLab.host("c", "app", 3, List.of(), "medium", 0));

  @TempDir Path dir;
  private DemoLab demo;

  @AfterEach
  void stop() {
    if (demo != null) {
      demo.close();
    }
  }

  private SimLab lab(UnaryOperator<SimLab.Builder> labEdits) {
    return lab(HOSTS, labEdits, config -> DemoLab.buildingAhead(config, "when-needed"));
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
            builder -> {
              for (HostSpec host : hosts) {
                builder.editNode(host.hostname(), n -> n.buildTime(Duration.ofMillis(400)));
              }
              return labEdits.apply(builder);
            },
            configEdits);
    return demo.lab();
  }

  private static HostSpec withStrategy(HostSpec host, String strategy) {
    return new HostSpec(
        host.hostname(),
        host.role(),
        host.groups(),
        host.rebootOrder(),
        host.dependencies(),
        host.healthChecks(),
        new dev.laborchestrator.config.Orchestration(strategy, 0, "medium"),
        host.services());
  }

  private Controller.Run run() throws IOException, InterruptedException {
    return Labs.run(dir, demo);
  }

  @Test
  void buildsBeforeEveryDrainAndSwitchesTheHostWhoseKernelDidNotChange() throws Exception {
    SimLab lab = lab(b -> b.editNode("b", n -> n.kernelChanges(false)));

    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isZero();
    for (HostSpec host : HOSTS) {
      String name = host.hostname();
      assertThat(Labs.any(lab, name, SimEvent.Type.BUILD_FINISHED)).as(name + " built").isTrue();
      assertThat(Labs.first(lab, name, SimEvent.Type.BUILD_FINISHED))
          .as(name + ": the build finished before the drain began")
          .isLessThanOrEqualTo(Labs.first(lab, name, SimEvent.Type.DRAIN_STARTED));
    }
    assertThat(Labs.any(lab, "b", SimEvent.Type.SWITCHED)).isTrue();
    assertThat(Labs.any(lab, "b", SimEvent.Type.REBOOT_STARTED)).as("b rebooted").isFalse();
    assertThat(Labs.any(lab, "a", SimEvent.Type.REBOOT_STARTED)).isTrue();
    assertThat(Labs.any(lab, "c", SimEvent.Type.REBOOT_STARTED)).isTrue();
    assertThat(run.stdout())
        .containsPattern("b\\s+DONE.*switched, no reboot")
        .containsPattern("a\\s+DONE.*rebooted");
    assertThat(SafetyRules.violations(lab.events(), 2, Set.of(), Set.of(), Set.of(DemoLab.SPARE)))
        .isEmpty();
  }

  @Test
  void aHostWhoseBuildFailsIsNeverDrainedAndTheRolloutHalts() throws Exception {
    SimLab lab = lab(UnaryOperator.identity());
    lab.faults("b").buildFails(true);

    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(Labs.any(lab, "b", SimEvent.Type.BUILD_FAILED)).isTrue();
    assertThat(Labs.any(lab, "b", SimEvent.Type.DRAIN_STARTED)).as("b drained").isFalse();
    assertThat(Labs.any(lab, "c", SimEvent.Type.DRAIN_STARTED)).as("c drained").isFalse();
    assertThat(run.stdout()).contains("FAILED b").contains("the build failed");
    assertThat(lab.node("b").eligible()).isTrue();
  }

  @Test
  void aRecreateHostIsNotDrainedAndItsWorkRunsOnItAgainBeforeTheNextHost() throws Exception {
    List<HostSpec> hosts =
        List.of(
            withStrategy(DemoLab.host("r", "app", 1, List.of(), "medium", 0), "recreate"),
            DemoLab.host("s", "app", 2, List.of(), "medium", 0));
    SimLab lab =
        lab(
            hosts,
            // Allocations start 2 s after they are placed: a next host that does not wait for
            // them to run drains well before.
            b ->
                b.editNode("r", n -> n.pinnedAllocs(true))
                    .timing(
                        new SimTiming(
                            Duration.ofMillis(100),
                            Duration.ofSeconds(2),
                            Duration.ofMillis(100),
                            Duration.ofMillis(300),
                            Duration.ofMillis(200),
                            Duration.ofMillis(300),
                            Duration.ofMillis(150))),
            config -> {
              config.put("maxParallel", 1);
              return config;
            });

    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isZero();
    assertThat(Labs.any(lab, "r", SimEvent.Type.DRAIN_STARTED)).as("r drained").isFalse();
    long rebooted = Labs.first(lab, "r", SimEvent.Type.REBOOT_STARTED);
    List<Long> placedAgain =
        lab.eventsFor("r").stream()
            .filter(e -> e.type() == SimEvent.Type.ALLOC_PLACED && e.atMillis() > rebooted)
            .filter(e -> !e.detail().contains("system"))
            .map(SimEvent::atMillis)
            .toList();
    assertThat(placedAgain).as("r's work placed on it again").isNotEmpty();
    assertThat(Labs.first(lab, "s", SimEvent.Type.DRAIN_STARTED))
        .as("s drained only after r's work ran on r again")
        .isGreaterThanOrEqualTo(placedAgain.get(placedAgain.size() - 1) + 2_000);
    assertThat(lab.node("r").eligible()).isTrue();
  }
}
