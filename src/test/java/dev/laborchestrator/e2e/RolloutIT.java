package dev.laborchestrator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.cli.DemoLab;
import dev.laborchestrator.sim.SafetyRules;
import dev.laborchestrator.sim.SimEvent;
import dev.laborchestrator.sim.SimLab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end: the real CLI against the simulated lab over HTTP on loopback. */
class RolloutIT {
  @TempDir Path dir;
  private DemoLab demo;

  @AfterEach
  void stop() {
    if (demo != null) {
      demo.close();
    }
  }

  private SimLab lab(UnaryOperator<Map<String, Object>> edits) {
    demo = DemoLab.start(dir, edits);
    return demo.lab();
  }

  private SimLab lab() {
    return lab(UnaryOperator.identity());
  }

  /** Short timeouts, so a host that never returns fails in seconds. */
  private static UnaryOperator<Map<String, Object>> timeouts(
      String drain, String reboot, String health) {
    return config -> {
      config.put("timeouts", Map.of("drain", drain, "reboot", reboot, "health", health));
      return config;
    };
  }

  private Controller.Run run(String... extra) throws IOException, InterruptedException {
    String[] args = new String[2 + extra.length];
    args[0] = "run";
    args[1] = "--config=" + demo.config();
    System.arraycopy(extra, 0, args, 2, extra.length);
    Controller.Run run = Controller.run(dir, Map.of(), args);
    for (String token : demo.tokens()) {
      assertThat(run.all()).as("a token in the output").doesNotContain(token);
    }
    return run;
  }

  private List<String> violations(Set<String> operatorIneligible) {
    return SafetyRules.violations(
        demo.lab().events(), 2, demo.criticalHosts(), operatorIneligible, Set.of(DemoLab.SPARE));
  }

  private static boolean touched(SimLab lab, String host) {
    return lab.eventsFor(host).stream()
        .anyMatch(
            e ->
                e.type() == SimEvent.Type.DRAIN_STARTED
                    || e.type() == SimEvent.Type.REBOOT_STARTED
                    || e.type() == SimEvent.Type.ELIGIBILITY_CHANGED);
  }

  @Test
  void rollsEveryHostInPlanOrderAndKeepsEveryHardRule() throws Exception {
    SimLab lab = lab();
    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isZero();
    List<String> reboots = SafetyRules.rebootOrder(lab.events());
    assertThat(reboots)
        .containsExactlyInAnyOrder("gateway", "storage", "db", "api", "web-1", "web-2");
    assertThat(reboots.subList(0, 2)).containsExactlyInAnyOrder("gateway", "storage");
    assertThat(reboots.subList(2, 4)).containsExactly("db", "api");
    assertThat(reboots.subList(4, 6)).containsExactlyInAnyOrder("web-1", "web-2");
    for (String host : List.of("gateway", "storage", "db", "api", "web-1", "web-2")) {
      assertThat(lab.node(host).eligible()).as(host + " eligible again").isTrue();
      assertThat(lab.node(host).revision()).isEqualTo(DemoLab.NEW_REVISION);
    }
    assertThat(violations(Set.of())).isEmpty();
    assertThat(lab.maxNodesOutOfService(Set.of(DemoLab.SPARE))).isBetween(1, 2);
    assertThat(run.stdout())
        .contains("Rollout r-")
        .contains("HOST")
        .contains("TO HEALTHY")
        .contains("web-2            DONE");
  }

  @Test
  void aHostThatNeverReturnsHaltsTheRolloutAndStaysIneligible() throws Exception {
    SimLab lab = lab(timeouts("30s", "4s", "30s"));
    lab.faults("db").neverReturns(true);
    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(run.stdout()).contains("FAILED db").contains("did not return to ready within 4s");
    assertThat(lab.node("db").eligible()).isFalse();
    for (String later : List.of("api", "web-1", "web-2")) {
      assertThat(touched(lab, later)).as(later + " untouched").isFalse();
    }
    assertThat(violations(Set.of())).isEmpty();
  }

  @Test
  void aCheckThatStaysCriticalKeepsTheNodeOutOfScheduling() throws Exception {
    SimLab lab = lab(timeouts("30s", "30s", "3s"));
    lab.faults("gateway").checkStaysCritical(true);
    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(run.stdout()).contains("FAILED gateway").contains("not passing after 3s");
    assertThat(lab.node("gateway").eligible()).isFalse();
    assertThat(lab.eventsFor("gateway"))
        .noneMatch(
            e ->
                e.type() == SimEvent.Type.ELIGIBILITY_CHANGED && e.detail().startsWith("eligible"));
    assertThat(violations(Set.of())).isEmpty();
  }

  @Test
  void aNodeAnOperatorMadeIneligibleIsLeftIneligible() throws Exception {
    SimLab lab =
        lab(
            config -> {
              config.put("ineligibleHosts", "update");
              return config;
            });
    lab.operatorSetEligibility("web-1", false);
    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isZero();
    assertThat(SafetyRules.rebootOrder(lab.events())).contains("web-1");
    assertThat(lab.node("web-1").eligible()).isFalse();
    assertThat(violations(Set.of("web-1"))).isEmpty();
  }

  @Test
  void byDefaultANodeAnOperatorMadeIneligibleIsSkipped() throws Exception {
    SimLab lab = lab();
    lab.operatorSetEligibility("web-1", false);
    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isZero();
    assertThat(run.stdout()).contains("SKIP: node was marked ineligible by an operator");
    assertThat(SafetyRules.rebootOrder(lab.events())).doesNotContain("web-1").contains("web-2");
    assertThat(lab.node("web-1").eligible()).isFalse();
  }

  @Test
  void invalidInputExitsTwoAndChangesNothing() throws Exception {
    SimLab lab = lab();
    Files.writeString(
        dir.resolve("inventory.json"),
        """
        [{"hostname": "a", "rebootOrder": 1, "dependencies": ["b"]},
         {"hostname": "b", "rebootOrder": 1, "dependencies": ["a"]}]
        """);
    Controller.Run cycle = run();
    assertThat(cycle.exitCode()).isEqualTo(2);
    assertThat(cycle.stderr())
        .contains("dependency cycle: a -> b -> a")
        .contains("Nothing in the cluster was changed");

    Files.writeString(
        dir.resolve("inventory.json"), "[{\"hostname\": \"ghost\", \"rebootOrder\": 1}]");
    Controller.Run unknown = run();
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.stderr()).contains("host ghost has no Nomad node named ghost");

    String config = Files.readString(demo.config());
    Files.writeString(demo.config(), config.replace("stableFor: \"1s\"", "stableFor: \"soon\""));
    Controller.Run duration = run();
    assertThat(duration.exitCode()).isEqualTo(2);
    assertThat(duration.stderr()).contains("malformed duration 'soon' at health.stableFor");

    assertThat(lab.mutatingRequests()).isEmpty();
  }

  @Test
  void aMissingTokenIsReportedAsSuchAndNothingChanges() throws Exception {
    SimLab lab =
        lab(
            config -> {
              Map<String, Object> nomad = new HashMap<>(castMap(config.get("nomad")));
              nomad.remove("token");
              config.put("nomad", nomad);
              return config;
            });
    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isEqualTo(2);
    assertThat(run.stderr())
        .contains("Nomad refused to read the rollout state (HTTP 403)")
        .contains("NOMAD_TOKEN");
    assertThat(lab.mutatingRequests()).isEmpty();
  }

  @Test
  void dryRunPlansAndChangesNothing() throws Exception {
    SimLab lab = lab();
    Controller.Run run = run("--dry-run");

    assertThat(run.exitCode()).as(run.all()).isZero();
    assertThat(run.stdout())
        .contains("Wave 3 (rebootOrder 3)")
        .contains("Dry run: nothing was changed");
    assertThat(lab.mutatingRequests()).isEmpty();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object value) {
    return (Map<String, Object>) value;
  }

  @Test
  void consulMaintenanceModeIsOnFromBeforeTheDrainUntilTheHostIsHealthy() throws Exception {
    SimLab lab =
        lab(
            config -> {
              config.put("consulMaintenance", true);
              return config;
            });
    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isZero();
    for (String host : List.of("gateway", "storage", "db", "api", "web-1", "web-2")) {
      List<SimEvent.Type> order =
          lab.eventsFor(host).stream()
              .map(SimEvent::type)
              .filter(
                  t ->
                      t == SimEvent.Type.MAINTENANCE_ON
                          || t == SimEvent.Type.DRAIN_STARTED
                          || t == SimEvent.Type.MAINTENANCE_OFF
                          || t == SimEvent.Type.ELIGIBILITY_CHANGED)
              .toList();
      assertThat(order)
          .as(host)
          .containsSubsequence(
              SimEvent.Type.MAINTENANCE_ON,
              SimEvent.Type.DRAIN_STARTED,
              SimEvent.Type.MAINTENANCE_OFF,
              SimEvent.Type.ELIGIBILITY_CHANGED);
      assertThat(lab.node(host).checksPassing()).isTrue();
    }
    assertThat(violations(Set.of())).isEmpty();
  }

  @Test
  void statusShowsTheRecordedRolloutAndResetAndUnlockClearIt() throws Exception {
    SimLab lab = lab(timeouts("30s", "4s", "30s"));
    lab.faults("db").neverReturns(true);
    assertThat(run().exitCode()).isEqualTo(1);
    String config = "--config=" + demo.config();

    Controller.Run status = Controller.run(dir, Map.of(), "status", config);
    assertThat(status.exitCode()).as(status.all()).isZero();
    assertThat(status.stdout())
        .contains("Lock: free")
        .containsPattern("Rollout r-\\S+: FAILED")
        .containsPattern("db\\s+FAILED")
        .containsPattern("gateway\\s+DONE")
        .containsPattern("web-1\\s+PENDING");

    Controller.Run again = run();
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.stderr())
        .contains("failed and is not resumed silently")
        .contains("--retry-failed");

    Controller.Run reset = Controller.run(dir, Map.of(), "reset", config);
    assertThat(reset.exitCode()).as(reset.all()).isZero();
    assertThat(Controller.run(dir, Map.of(), "status", config).stdout())
        .contains("No rollout recorded.");

    Controller.Run unlock = Controller.run(dir, Map.of(), "unlock", "--force", config);
    assertThat(unlock.exitCode()).as(unlock.all()).isZero();
    assertThat(unlock.stdout()).contains("Unlocked.");
    demo.tokens()
        .forEach(
            token -> assertThat(status.all() + reset.all() + unlock.all()).doesNotContain(token));
  }
}
