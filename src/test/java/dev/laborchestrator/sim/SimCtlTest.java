package dev.laborchestrator.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimCtlTest {

  SimLab lab;
  ByteArrayOutputStream output = new ByteArrayOutputStream();

  @BeforeEach
  void start() {
    lab =
        SimLab.builder()
            .timing(SimDrainTest.TIMING)
            .node(SimNode.named("web-1"))
            .node(SimNode.named("web-2").kernelChanges(false))
            .build()
            .start();
  }

  @AfterEach
  void stop() {
    lab.close();
  }

  int simctl(String... args) {
    output.reset();
    return SimCtl.run(args, new PrintStream(output, true, StandardCharsets.UTF_8));
  }

  String printed() {
    return output.toString(StandardCharsets.UTF_8);
  }

  @Test
  void anAcceptedRebootExitsZeroWithOneLine() {
    assertThat(simctl("reboot", lab.nomadAddress() + "/", "web-1", "rev-b")).isZero();

    assertThat(printed()).startsWith("reboot of web-1 accepted").containsOnlyOnce("\n");
    assertThat(lab.node("web-1").rebooting()).isTrue();
  }

  @Test
  void aRefusedRebootExitsOne() {
    assertThat(simctl("reboot", lab.nomadAddress(), "nope")).isEqualTo(1);
    assertThat(printed()).startsWith("reboot of nope refused: HTTP 404");

    assertThat(simctl("reboot", lab.nomadAddress(), "web-1")).isZero();
    assertThat(simctl("reboot", lab.nomadAddress(), "web-1")).isEqualTo(1);
    assertThat(printed()).contains("HTTP 409");
  }

  @Test
  void anUnreachableLabOrBadUsageExitsOne() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }

    assertThat(simctl("reboot", "http://127.0.0.1:" + closedPort, "web-1")).isEqualTo(1);
    assertThat(printed()).startsWith("reboot of web-1 failed");
    assertThat(simctl("reboot", lab.nomadAddress())).isEqualTo(1);
    assertThat(printed()).startsWith("usage:");
    assertThat(simctl("halt", lab.nomadAddress(), "web-1")).isEqualTo(1);
  }

  @Test
  void aRollbackFollowsTheSameExitCodeRules() {
    assertThat(simctl("rollback", lab.nomadAddress(), "web-1")).isEqualTo(1);
    assertThat(printed()).startsWith("rollback of web-1 refused: HTTP 409");

    assertThat(simctl("reboot", lab.nomadAddress(), "web-1", "rev-b")).isZero();
    SimHttp.await("back", Duration.ofSeconds(5), () -> !lab.node("web-1").rebooting());
    assertThat(simctl("rollback", lab.nomadAddress(), "web-1")).isZero();
    assertThat(printed()).startsWith("rollback of web-1 accepted").contains("initial");
    assertThat(simctl("rollback", lab.nomadAddress(), "web-1", "rev-x")).isEqualTo(1);
    assertThat(printed()).startsWith("usage:");
  }

  @Test
  void simCtlBuildPrintsWhetherARebootIsNeededThenTheStorePath() {
    String nomad = lab.nomadAddress();

    assertThat(simctl("build", nomad, "web-2", "rev-b")).isZero();
    String[] lines = printed().strip().split("\n");
    assertThat(lines).hasSize(2);
    assertThat(lines[0]).isEqualTo("reboot-needed: no");
    assertThat(lines[1]).startsWith("/nix/store/").endsWith("-nixos-system-web-2-rev-b");

    assertThat(simctl("switch", nomad, "web-2", lines[1])).isZero();
    assertThat(printed()).startsWith("switch of web-2 accepted").containsOnlyOnce("\n");
    assertThat(simctl("switch", nomad, "web-2")).isEqualTo(1);
    assertThat(printed()).startsWith("switch of web-2 refused: HTTP 409");

    lab.faults("web-2").buildFails(true);
    assertThat(simctl("build", nomad, "web-2", "rev-c")).isEqualTo(1);
    assertThat(printed()).startsWith("build of web-2 failed:").containsOnlyOnce("\n");
    assertThat(simctl("build", nomad, "nope")).isEqualTo(2);
    assertThat(printed()).startsWith("build of nope refused: HTTP 404");
    assertThat(simctl("build", nomad)).isEqualTo(2);
    assertThat(printed()).startsWith("usage:");
  }
}
