package dev.laborchestrator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.cli.DemoLab;
import dev.laborchestrator.sim.SafetyRules;
import dev.laborchestrator.sim.SimEvent;
import dev.laborchestrator.sim.SimLab;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the NixOS side promises, end to end over the simulated lab: hosts discovered from the node
 * meta the lab-machine module publishes, reboots proven by its lab.boot-id, and the revision a host
 * comes back on checked.
 */
class NixIntegrationIT {
  @TempDir Path dir;
  private DemoLab demo;

  @AfterEach
  void stop() {
    if (demo != null) {
      demo.close();
    }
  }

  private SimLab lab(UnaryOperator<Map<String, Object>> edits) {
    demo =
        DemoLab.start(
            dir,
            config -> {
              config.put(
                  "timeouts",
                  new LinkedHashMap<>(Map.of("drain", "30s", "reboot", "10s", "health", "30s")));
              return edits.apply(config);
            });
    return demo.lab();
  }

  private Controller.Run run() throws Exception {
    Controller.Run run = Controller.run(dir, Map.of(), "run", "--config=" + demo.config());
    demo.tokens().forEach(token -> assertThat(run.all()).doesNotContain(token));
    return run;
  }

  private static boolean touched(SimLab lab, String host) {
    return lab.eventsFor(host).stream().anyMatch(e -> e.type() == SimEvent.Type.DRAIN_STARTED);
  }

  @Test
  void withoutAnInventoryFileTheHostsComeFromNodeMetaAndTheRolloutCompletes() throws Exception {
    SimLab lab =
        lab(
            config -> {
              config.remove("inventory");
              return config;
            });
    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isZero();
    assertThat(run.stdout())
        .contains("Plan: 6 hosts in 3 waves")
        .contains("starts after db (dependencies)")
        .contains("critical: runs alone");
    assertThat(SafetyRules.rebootOrder(lab.events()))
        .containsExactlyInAnyOrder("gateway", "storage", "db", "api", "web-1", "web-2");
    assertThat(SafetyRules.rebootOrder(lab.events())).doesNotContain(DemoLab.SPARE);
    assertThat(
            SafetyRules.violations(
                lab.events(), 2, demo.criticalHosts(), Set.of(), Set.of(DemoLab.SPARE)))
        .isEmpty();
  }

  @Test
  void aHostWhoseBootIdDoesNotChangeIsNotCountedAsRebooted() throws Exception {
    SimLab lab = lab(UnaryOperator.identity());
    lab.faults("gateway").fakeReboot(true);
    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(run.stdout()).contains("FAILED gateway").contains("lab.boot-id did not change");
    assertThat(lab.node("gateway").eligible()).isFalse();
    assertThat(touched(lab, "db")).isFalse();
  }

  @Test
  void aHostOnTheWrongRevisionFailsVerificationAndHaltsTheRollout() throws Exception {
    SimLab lab = lab(UnaryOperator.identity());
    lab.faults("db").returnsRevision("rev-stale");
    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(run.stdout())
        .contains("FAILED db: node returned on NixOS revision rev-stale, expected rev-2");
    assertThat(lab.node("db").eligible()).isFalse();
    for (String later : List.of("api", "web-1", "web-2")) {
      assertThat(touched(lab, later)).as(later + " untouched").isFalse();
    }
  }
}
