package dev.laborchestrator.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.port.HostExecutor.Build;
import dev.laborchestrator.port.HostExecutor.BuildFailedException;
import dev.laborchestrator.port.HostExecutor.ExecutorException;
import dev.laborchestrator.port.HostTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommandExecutorTest {
  private static final HostTarget WEB_1 =
      new HostTarget("web-1", "9c1a0b52-6f0e-4e39-8f2d-1b7c3e0a4d11", "10.0.0.11");
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private final Scripts.Lines output = new Scripts.Lines();

  @Test
  void substitutesPlaceholdersAnywhereInsideArguments() throws Exception {
    Path echo = Scripts.echoArgs(dir);
    var executor =
        new CommandExecutor(
            List.of(
                echo.toString(),
                "http://deployer/reboot/{hostname}",
                "--node={nodeId}",
                "{address}:22",
                "{hostname}"),
            TIMEOUT,
            output);

    executor.rebuildAndReboot(WEB_1);

    assertThat(output.lines())
        .containsExactly(
            "web-1: http://deployer/reboot/web-1",
            "web-1: --node=9c1a0b52-6f0e-4e39-8f2d-1b7c3e0a4d11",
            "web-1: 10.0.0.11:22",
            "web-1: web-1");
  }

  @Test
  void passesTemplateArgumentsAsTheyAreWithoutAShell() throws Exception {
    Path echo = Scripts.echoArgs(dir);
    var executor =
        new CommandExecutor(
            List.of(
                echo.toString(),
                "two words",
                "a;touch " + dir.resolve("ran"),
                "$(id)",
                "`id`",
                "*",
                "{hostname} && x"),
            TIMEOUT,
            output);

    executor.rebuildAndReboot(WEB_1);

    assertThat(output.lines())
        .containsExactly(
            "web-1: two words",
            "web-1: a;touch " + dir.resolve("ran"),
            "web-1: $(id)",
            "web-1: `id`",
            "web-1: *",
            "web-1: web-1 && x");
    assertThat(dir.resolve("ran")).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "-oProxyCommand=x",
        "a;reboot",
        "$(id)",
        "`id`",
        "web 1",
        "web-1\n",
        "web-1\treboot",
        "",
        "a'b"
      })
  void refusesAHostileHostnameBeforeRunningAnything(String hostname) throws Exception {
    assertRefusedBeforeRunning("hostname", new HostTarget(hostname, "n-1", "10.0.0.1"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "-oProxyCommand=x",
        "a;reboot",
        "$(id)",
        "10.0.0.1 -p 2",
        "10.0.0.1:4646",
        "[::1]"
      })
  void refusesAHostileAddressBeforeRunningAnything(String address) throws Exception {
    assertRefusedBeforeRunning("address", new HostTarget("web-1", "n-1", address));
  }

  @ParameterizedTest
  @ValueSource(strings = {"-x", "a;b", "$(id)", "a b", "a_b"})
  void refusesAHostileNodeIdBeforeRunningAnything(String nodeId) throws Exception {
    assertRefusedBeforeRunning("nodeId", new HostTarget("web-1", nodeId, "10.0.0.1"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.0.0.11",
        "web-1.lab.internal",
        "fd00::11",
        "::1",
        "fe80::1%eth0",
        "::ffff:10.0.0.1"
      })
  void acceptsHostnamesAndIpAddressesAsAddress(String address) throws Exception {
    var executor =
        new CommandExecutor(
            List.of(Scripts.echoArgs(dir).toString(), "{address}"), TIMEOUT, output);

    executor.rebuildAndReboot(new HostTarget("web-1", "n-1", address));

    assertThat(output.lines()).containsExactly("web-1: " + address);
  }

  @Test
  void ignoresValuesTheTemplateDoesNotUse() throws Exception {
    var executor =
        new CommandExecutor(
            List.of(Scripts.echoArgs(dir).toString(), "{hostname}"), TIMEOUT, output);

    executor.rebuildAndReboot(new HostTarget("web-1", null, null));

    assertThat(output.lines()).containsExactly("web-1: web-1");
  }

  @Test
  void anUnknownPlaceholderIsAConfigurationError() {
    assertThatThrownBy(
            () ->
                new CommandExecutor(List.of("curl", "http://x/{foo}/{hostname}"), TIMEOUT, output))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown placeholder {foo}")
        .hasMessageContaining("{hostname}, {nodeId}, {address}");
  }

  @Test
  void anEmptyCommandIsAConfigurationError() {
    assertThatThrownBy(() -> new CommandExecutor(List.of(), TIMEOUT, output))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
  }

  @Test
  void aNonZeroExitFailsWithTheCodeAndTheLastLineOfMergedOutput() throws Exception {
    Path fail =
        Scripts.write(
            dir, "fail", "echo building\necho 'error: no space left on device' >&2\nexit 3");
    var executor = new CommandExecutor(List.of(fail.toString()), TIMEOUT, output);

    assertThatThrownBy(() -> executor.rebuildAndReboot(WEB_1))
        .isInstanceOf(ExecutorException.class)
        .hasMessage("rebuild command for web-1 exited 3: error: no space left on device");
    assertThat(output.lines())
        .containsExactly("web-1: building", "web-1: error: no space left on device");
  }

  @Test
  void aNonZeroExitWithoutOutputSaysSo() throws Exception {
    var executor =
        new CommandExecutor(
            List.of(Scripts.write(dir, "fail", "exit 1").toString()), TIMEOUT, output);

    assertThatThrownBy(() -> executor.rebuildAndReboot(WEB_1))
        .hasMessage("rebuild command for web-1 exited 1: (no output)");
  }

  /**
   * The command never ends by itself (its child sleeps an hour): only the timeout ends it. A few
   * seconds leave a loaded machine ample time to start the script; nothing is asserted about how
   * long anything took. {@code @Timeout} only turns a missing timeout into a failure, not a hang.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aTimeoutKillsTheProcessAndItsChildren() throws Exception {
    Path pidFile = dir.resolve("sleep.pid");
    Path endless =
        Scripts.write(
            dir, "endless", "sleep 3600 &\necho $! > '" + pidFile + "'\necho started\nwait");
    var executor = new CommandExecutor(List.of(endless.toString()), Duration.ofSeconds(3), output);

    assertThatThrownBy(() -> executor.rebuildAndReboot(WEB_1))
        .isInstanceOf(ExecutorException.class)
        .hasMessage(
            "rebuild command for web-1 timed out after 3s; killed it and its child processes");

    assertThat(output.lines()).containsExactly("web-1: started");
    long sleepPid = Long.parseLong(Files.readString(pidFile).strip());
    assertThat(stopsRunning(sleepPid)).as("the child 'sleep 3600' was killed").isTrue();
  }

  /**
   * Whether the process is gone or a zombie, polled for up to 10s: the orphaned child is reparented
   * to PID 1, which on some machines (containers) reaps late, and the JDK counts a zombie as alive.
   * The limit only guards against a child that was never killed.
   */
  private static boolean stopsRunning(long pid) throws Exception {
    Path stat = Path.of("/proc/" + pid + "/stat");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try {
        String fields = Files.readString(stat);
        char state = fields.charAt(fields.lastIndexOf(')') + 2);
        if (state == 'Z' || state == 'X') {
          return true;
        }
      } catch (NoSuchFileException e) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  @Test
  void aMissingProgramIsNamed() {
    var executor =
        new CommandExecutor(
            List.of(dir.resolve("no-such-tool").toString(), "{hostname}"), TIMEOUT, output);

    assertThatThrownBy(() -> executor.rebuildAndReboot(WEB_1))
        .isInstanceOf(ExecutorException.class)
        .hasMessageStartingWith(
            "rebuild command for web-1: cannot run '" + dir.resolve("no-such-tool") + "'");
  }

  @Test
  void drainsAChattyProgramWithoutBlocking() throws Exception {
    Path chatty = Scripts.write(dir, "chatty", "seq 1 200000\nseq 1 50000 >&2");
    var executor = new CommandExecutor(List.of(chatty.toString()), TIMEOUT, output);

    executor.rebuildAndReboot(WEB_1);

    assertThat(output.lines()).hasSize(250000).startsWith("web-1: 1").endsWith("web-1: 50000");
  }

  // ---- building ahead: rebuild.build, rebuild.switch and {path} ----

  private static final String STORE_PATH =
      "/nix/store/0a1b2c3d4e5f6g7h8i9j0k1l2m3n4p5q-nixos-system-web-1-25.11";

  /** A build command printing a log and then the contract's two lines. */
  private Path builder(String rebootNeeded) throws IOException {
    return Scripts.write(
        dir,
        "build",
        "echo \"building $1\"\necho 'copying path' >&2\necho 'reboot-needed: "
            + rebootNeeded
            + "'\necho '"
            + STORE_PATH
            + "'\necho");
  }

  private CommandExecutor building(Path build) throws IOException {
    Path echo = Scripts.echoArgs(dir);
    return new CommandExecutor(
        List.of(echo.toString(), "boot", "{hostname}", "{path}"),
        List.of(),
        List.of(build.toString(), "{hostname}"),
        List.of(echo.toString(), "switch", "{path}"),
        TIMEOUT,
        output);
  }

  @Test
  void aBuildReturnsTheStorePathAndWhetherARebootIsNeeded() throws Exception {
    assertThat(building(builder("yes")).build(WEB_1)).isEqualTo(new Build(STORE_PATH, true));
    assertThat(building(builder("no")).build(WEB_1)).isEqualTo(new Build(STORE_PATH, false));
    assertThat(output.lines()).contains("web-1: building web-1", "web-1: copying path");
  }

  @Test
  void activatingWithARebootRunsTheRebuildCommandWithThePath() throws Exception {
    building(builder("yes")).activate(WEB_1, new Build(STORE_PATH, true), true);

    assertThat(output.lines())
        .containsExactly("web-1: boot", "web-1: web-1", "web-1: " + STORE_PATH);
  }

  @Test
  void activatingWithoutARebootRunsTheSwitchCommandWithThePath() throws Exception {
    building(builder("no")).activate(WEB_1, new Build(STORE_PATH, false), false);

    assertThat(output.lines()).containsExactly("web-1: switch", "web-1: " + STORE_PATH);
  }

  @Test
  void rebuildAndRebootOfABuildingExecutorBuildsThenBootsWhatItBuilt() throws Exception {
    building(builder("no")).rebuildAndReboot(WEB_1);

    assertThat(output.lines())
        .containsSubsequence("web-1: building web-1", "web-1: reboot-needed: no")
        .endsWith("web-1: boot", "web-1: web-1", "web-1: " + STORE_PATH);
  }

  @Test
  void exit1OfTheBuildIsABuildFailure() throws Exception {
    Path build =
        Scripts.write(
            dir, "build", "echo 'error: builder for foo.drv failed with exit code 2' >&2\nexit 1");

    assertThatThrownBy(() -> building(build).build(WEB_1))
        .isInstanceOf(BuildFailedException.class)
        .hasMessage(
            "the build of web-1 failed (rebuild.build exited 1):"
                + " error: builder for foo.drv failed with exit code 2");
  }

  @Test
  void anotherNonZeroExitOfTheBuildMeansItCouldNotRun() throws Exception {
    Path build =
        Scripts.write(
            dir, "build", "echo 'ssh: connect to host web-1: No route to host'\nexit 255");

    assertThatThrownBy(() -> building(build).build(WEB_1))
        .isInstanceOf(ExecutorException.class)
        .isNotInstanceOf(BuildFailedException.class)
        .hasMessage(
            "build command for web-1 exited 255: ssh: connect to host web-1: No route to host");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "echo " + STORE_PATH,
        "echo 'reboot-needed: yes'",
        "echo 'reboot-needed: maybe'\necho " + STORE_PATH,
        "echo " + STORE_PATH + "\necho 'reboot-needed: no'",
        ""
      })
  void aBuildWhoseOutputBreaksTheContractIsNotABuild(String body) throws Exception {
    Path build = Scripts.write(dir, "build", body);

    assertThatThrownBy(() -> building(build).build(WEB_1))
        .isInstanceOf(ExecutorException.class)
        .isNotInstanceOf(BuildFailedException.class)
        .hasMessageStartingWith("build command for web-1 succeeded but its output must end with");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "result",
        "/nix/store/x;reboot",
        "/nix/store/$(id)",
        "-rf",
        "/nix/../etc",
        "/nix/store/a b"
      })
  void aBuildPrintingSomethingElseThanAStorePathIsRefused(String path) throws Exception {
    Path build =
        Scripts.write(dir, "build", "echo 'reboot-needed: no'\nprintf '%s\\n' '" + path + "'");

    assertThatThrownBy(() -> building(build).build(WEB_1))
        .isInstanceOf(ExecutorException.class)
        .hasMessageContaining("as its store path");
  }

  @Test
  void withoutRebuildBuildTheExecutorDoesNotBuildAhead() throws Exception {
    var executor = new CommandExecutor(List.of(Scripts.echoArgs(dir).toString()), TIMEOUT, output);

    assertThat(executor.buildsAhead()).isFalse();
    assertThatThrownBy(() -> executor.build(WEB_1))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(building(builder("no")).buildsAhead()).isTrue();
  }

  @Test
  void buildAndSwitchGoTogether() {
    assertThatThrownBy(
            () ->
                new CommandExecutor(
                    List.of("x", "{path}"), List.of(), List.of("b"), List.of(), TIMEOUT, output))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("rebuild.build is set without rebuild.switch");
    assertThatThrownBy(
            () ->
                new CommandExecutor(
                    List.of("x"), List.of(), List.of(), List.of("s", "{path}"), TIMEOUT, output))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("rebuild.switch is set without rebuild.build");
  }

  @Test
  void thePathIsRefusedWhereThereIsNone() {
    assertThatThrownBy(
            () ->
                new CommandExecutor(
                    List.of("x", "{path}"),
                    List.of(),
                    List.of("b", "{path}"),
                    List.of("s", "{path}"),
                    TIMEOUT,
                    output))
        .hasMessage(
            "rebuild.build uses {path}, which it cannot have: the path is what the build prints");
    assertThatThrownBy(() -> new CommandExecutor(List.of("x", "{path}"), TIMEOUT, output))
        .hasMessageStartingWith("rebuild.command uses {path}, which it cannot have");
    assertThatThrownBy(
            () -> new CommandExecutor(List.of("x"), List.of("r", "{path}"), TIMEOUT, output))
        .hasMessageStartingWith("rebuild.rollbackCommand uses {path}, which it cannot have");
  }

  @Test
  void aBuildingExecutorActivatesOnlyThePathItBuilt() {
    assertThatThrownBy(
            () ->
                new CommandExecutor(
                    List.of("x", "{hostname}"),
                    List.of(),
                    List.of("b"),
                    List.of("s", "{path}"),
                    TIMEOUT,
                    output))
        .hasMessageStartingWith("rebuild.command does not use {path}");
    assertThatThrownBy(
            () ->
                new CommandExecutor(
                    List.of("x", "{path}"), List.of(), List.of("b"), List.of("s"), TIMEOUT, output))
        .hasMessageStartingWith("rebuild.switch does not use {path}");
  }

  @Test
  void anUnknownPlaceholderInTheBuildOrSwitchIsAConfigurationError() {
    assertThatThrownBy(
            () ->
                new CommandExecutor(
                    List.of("x", "{path}"),
                    List.of(),
                    List.of("b", "{host}"),
                    List.of("s", "{path}"),
                    TIMEOUT,
                    output))
        .hasMessageContaining("unknown placeholder {host} in rebuild.build[1]");
    assertThatThrownBy(
            () ->
                new CommandExecutor(
                    List.of("x", "{path}"),
                    List.of(),
                    List.of("b"),
                    List.of("s", "{out}"),
                    TIMEOUT,
                    output))
        .hasMessageContaining("unknown placeholder {out} in rebuild.switch[1]");
  }

  private void assertRefusedBeforeRunning(String placeholder, HostTarget target)
      throws IOException {
    var executor =
        new CommandExecutor(
            List.of(Scripts.touchRan(dir).toString(), "{" + placeholder + "}"), TIMEOUT, output);

    assertThatThrownBy(() -> executor.rebuildAndReboot(target))
        .isInstanceOf(ExecutorException.class)
        .hasMessageContaining(": " + placeholder + " ")
        .hasMessageContaining("nothing was run");
    assertThat(dir.resolve("ran")).doesNotExist();
  }
}
