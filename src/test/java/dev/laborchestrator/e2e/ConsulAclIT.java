package dev.laborchestrator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.cli.DemoLab;
import dev.laborchestrator.sim.SimConsulAcl.Permission;
import dev.laborchestrator.sim.SimEvent;
import dev.laborchestrator.sim.SimLab;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consul's ACLs as a real cluster applies them: a token without {@code service:read} sees health
 * answers with every service check left out (and the {@code X-Consul-Results-Filtered-By-ACLs}
 * header set), and node maintenance needs each host's own agent to be reachable and to let the
 * token write the node.
 */
class ConsulAclIT {
  @TempDir Path dir;
  private DemoLab demo;

  @AfterEach
  void stop() {
    if (demo != null) {
      demo.close();
    }
  }

  private static UnaryOperator<Map<String, Object>> config(boolean maintenance) {
    return config -> {
      config.put(
          "timeouts",
          new LinkedHashMap<>(Map.of("drain", "20s", "reboot", "20s", "health", "20s")));
      config.put("maxParallel", 1);
      if (maintenance) {
        config.put("consulMaintenance", true);
      }
      return config;
    };
  }

  private DemoLab start(UnaryOperator<SimLab.Builder> lab, boolean maintenance) {
    demo = DemoLab.start(dir, Labs.TWO, Set.of(), lab, config(maintenance));
    return demo;
  }

  private Controller.Run run(String name) throws Exception {
    return Controller.start(dir, name, Map.of(), "run", "--config=" + demo.config()).await();
  }

  private void assertNothingChanged() {
    SimLab lab = demo.lab();
    assertThat(lab.mutatingRequests()).as("mutating requests").isEmpty();
    assertThat(lab.events())
        .as("events after the lab was built")
        .allSatisfy(e -> assertThat(e.type()).isEqualTo(SimEvent.Type.NODE_REGISTERED));
  }

  private void assertNoToken(Controller.Run run) {
    demo.tokens().forEach(token -> assertThat(run.all()).doesNotContain(token));
  }

  @Test
  void aTokenWithoutServiceReadIsRefusedBeforeAnythingChanges() throws Exception {
    start(b -> b.consulPermissions(Permission.NODE_READ, Permission.OPERATOR_READ), false);

    Controller.Run run = run("no-service-read");

    assertThat(run.exitCode()).as(run.all()).isEqualTo(2);
    assertThat(run.stderr())
        .contains("service:read")
        .contains("Nothing in the cluster was changed");
    assertNothingChanged();
    assertNoToken(run);
  }

  @Test
  void aHostWhoseServiceCheckTheTokenCanNoLongerSeeFailsInsteadOfBeingReEnabled() throws Exception {
    start(UnaryOperator.identity(), false);
    demo.lab().faults("a").checkStaysCritical(true);
    Controller controller =
        Controller.start(dir, "revoked", Map.of(), "run", "--config=" + demo.config());
    assertThat(
            controller.awaitLine(Pattern.compile("\\sa\\s+REBUILDING\\s"), Duration.ofSeconds(60)))
        .isTrue();
    // Pre-flight and a's gates passed; from now on Consul hides a's service check, which will
    // come back critical, and shows only serfHealth, passing. Taken away before the reboot, as a
    // permission change wakes no blocking query (and so would race with VERIFYING's first read).
    demo.lab().consulAcl().revoke(Permission.SERVICE_READ);
    Controller.Run run = controller.await();

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(run.stdout()).contains("FAILED a").contains("service:read");
    assertThat(demo.lab().node("a").eligible()).as("a eligible").isFalse();
    assertThat(
            demo.lab().eventsFor("a").stream()
                .filter(e -> e.type() == SimEvent.Type.ELIGIBILITY_CHANGED)
                .map(SimEvent::detail)
                .toList())
        .as("eligibility changes of a")
        .noneMatch(d -> d.startsWith("eligible"));
    assertThat(demo.lab().eventsFor("b"))
        .as("b untouched")
        .noneMatch(e -> e.type() == SimEvent.Type.DRAIN_STARTED);
    assertNoToken(run);
  }

  @Test
  void anUnreachableAgentStopsMaintenanceModeBeforeAnythingChanges() throws Exception {
    start(UnaryOperator.identity(), true);
    demo.lab().faults("b").agentUnreachable(true);

    Controller.Run run = run("agent-unreachable");

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(run.stderr())
        .contains("Consul agent of b at 127.")
        .contains("cannot be reached")
        .contains("lab.machine.consulMaintenance.enable")
        .contains("Nothing in the cluster was changed");
    assertNothingChanged();
    assertNoToken(run);
  }

  @Test
  void aTokenThatMayNotWriteTheNodesIsRefusedForMaintenanceMode() throws Exception {
    start(
        b ->
            b.consulPermissions(
                Permission.NODE_READ, Permission.SERVICE_READ, Permission.OPERATOR_READ),
        true);

    Controller.Run run = run("no-node-write");

    assertThat(run.exitCode()).as(run.all()).isEqualTo(2);
    assertThat(run.stderr()).contains("node:write on \"a\"").contains("consulMaintenance");
    assertNothingChanged();
    assertNoToken(run);
  }
}
