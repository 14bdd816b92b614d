package dev.laborchestrator.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.config.OrchestratorConfig.SshSettings;
import dev.laborchestrator.port.HostExecutor.Build;
import dev.laborchestrator.port.HostExecutor.BuildFailedException;
import dev.laborchestrator.port.HostExecutor.ExecutorException;
import dev.laborchestrator.port.HostTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SshExecutorTest {
  private static final HostTarget WEB_1 =
      new HostTarget("web-1", "9c1a0b52-6f0e-4e39-8f2d-1b7c3e0a4d11", "10.0.0.11");
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final SshSettings DEFAULTS = flakeAndCommand("github:lab/fleet", null);

  @TempDir Path dir;
  private final Scripts.Lines output = new Scripts.Lines();

  @Test
  void runsTheDefaultRemoteCommandWithBatchModeAndStrictHostKeys() throws Exception {
    executor(DEFAULTS, fakeSsh("exit 0")).rebuildAndReboot(WEB_1);

    assertThat(recordedArgs())
        .containsExactly(
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "ConnectTimeout=10",
            "--",
            "10.0.0.11",
            "nixos-rebuild boot --flake 'github:lab/fleet'#'web-1' && systemctl reboot");
  }

  @Test
  void passesKnownHostsIdentityPortAndUser() throws Exception {
    var settings =
        new SshSettings(
            "deploy",
            2222,
            "/run/secrets/deploy_key",
            false,
            "/var/lib/lab/known_hosts",
            "github:lab/fleet",
            "sudo nixos-rebuild boot --flake {flake}#{hostname}");

    executor(settings, fakeSsh("exit 0")).rebuildAndReboot(WEB_1);

    assertThat(recordedArgs())
        .containsExactly(
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "ConnectTimeout=10",
            "-o",
            "UserKnownHostsFile=/var/lib/lab/known_hosts",
            "-i",
            "/run/secrets/deploy_key",
            "-p",
            "2222",
            "-l",
            "deploy",
            "--",
            "10.0.0.11",
            "sudo nixos-rebuild boot --flake 'github:lab/fleet'#'web-1'");
  }

  @Test
  void connectsByHostnameWhenTheNodeHasNoAddress() throws Exception {
    executor(DEFAULTS, fakeSsh("exit 0"))
        .rebuildAndReboot(new HostTarget("web-1.lab", "n-1", null));

    assertThat(recordedArgs()).containsSubsequence("--", "web-1.lab");
  }

  @Test
  void theRemoteShellSeesEachSubstitutedValueAsOneLiteralWord() throws Exception {
    var settings =
        flakeAndCommand(
            "git+https://git.lab/fleet?ref=main&rev=abc",
            "printf '%s\\n' {flake}#{hostname} {nodeId} {address}");
    Path remoteShell = fakeSsh("for arg; do last=$arg; done\nexec sh -c \"$last\"");

    executor(settings, remoteShell).rebuildAndReboot(WEB_1);

    assertThat(output.lines())
        .containsExactly(
            "web-1: git+https://git.lab/fleet?ref=main&rev=abc#web-1",
            "web-1: 9c1a0b52-6f0e-4e39-8f2d-1b7c3e0a4d11",
            "web-1: 10.0.0.11");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"-oProxyCommand=x", "a;reboot", "$(id)", "`id`", "web 1", "web-1\nreboot", "a'b"})
  void refusesAHostileHostnameBeforeRunningSsh(String hostname) throws Exception {
    var executor = executor(DEFAULTS, fakeSsh("exit 0"));

    assertThatThrownBy(
            () -> executor.rebuildAndReboot(new HostTarget(hostname, "n-1", "10.0.0.11")))
        .isInstanceOf(ExecutorException.class)
        .hasMessageContaining(": hostname ");
    assertThat(dir.resolve("args")).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(strings = {"-oProxyCommand=x", "10.0.0.11;reboot", "$(id)", "10.0.0.11 -p 2"})
  void refusesAHostileAddressBeforeRunningSsh(String address) throws Exception {
    var executor = executor(DEFAULTS, fakeSsh("exit 0"));

    assertThatThrownBy(() -> executor.rebuildAndReboot(new HostTarget("web-1", "n-1", address)))
        .isInstanceOf(ExecutorException.class)
        .hasMessageContaining(": address ");
    assertThat(dir.resolve("args")).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "github:lab/fleet;reboot",
        "github:lab/fleet reboot",
        "$(id)",
        "`id`",
        "-x",
        "'q'",
        "path:/etc/nixos#web-1",
        "a\nb",
        "a|b",
        "a>b"
      })
  void refusesAFlakeTheRemoteShellWouldInterpret(String flake) {
    assertRefusedAtConstruction(flakeAndCommand(flake, null), "rebuild.ssh.flake");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "nixos-rebuild boot --flake '{flake}#{hostname}'",
        "nixos-rebuild boot --flake \"{flake}\"#{hostname}",
        "echo \\{hostname}"
      })
  void refusesAPlaceholderTheOperatorQuoted(String remoteCommand) {
    assertRefusedAtConstruction(
        flakeAndCommand("github:lab/fleet", remoteCommand), "leave placeholders unquoted");
  }

  @Test
  void refusesAnUnknownPlaceholderInTheRemoteCommand() {
    assertRefusedAtConstruction(
        flakeAndCommand("github:lab/fleet", "nixos-rebuild boot --flake {flake}#{host}"),
        "unknown placeholder {host}");
  }

  @Test
  void needsAFlakeWhenTheRemoteCommandUsesIt() {
    assertRefusedAtConstruction(flakeAndCommand(null, null), "rebuild.ssh.flake is not set");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Connection to 10.0.0.11 closed by remote host.",
        "client_loop: send disconnect: Broken pipe",
        "Read from remote host 10.0.0.11: Connection reset by peer"
      })
  void aConnectionDroppedByTheRebootIsNotAFailure(String sshMessage) throws Exception {
    Path ssh = fakeSsh(printing("building the system configuration...", sshMessage) + "exit 255");

    assertThatCode(() -> executor(DEFAULTS, ssh).rebuildAndReboot(WEB_1))
        .doesNotThrowAnyException();
    assertThat(output.lines()).endsWith("web-1: " + sshMessage);
  }

  @Test
  void remoteOutputMentioningARefusedConnectionDoesNotHideTheDrop() throws Exception {
    Path ssh =
        fakeSsh(
            printing(
                    "warning: unable to download 'https://cache.lab/nix-cache-info': Connection refused",
                    "Connection to 10.0.0.11 closed by remote host.")
                + "exit 255");

    assertThatCode(() -> executor(DEFAULTS, ssh).rebuildAndReboot(WEB_1))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ssh: connect to host 10.0.0.11 port 22: Connection refused",
        "ssh: Could not resolve hostname web-1: Name or service not known",
        "root@10.0.0.11: Permission denied (publickey).",
        "Host key verification failed.",
        "kex_exchange_identification: read: Connection reset by peer\nConnection reset by 10.0.0.11 port 22",
        "kex_exchange_identification: Connection closed by remote host\nConnection closed by 10.0.0.11 port 22",
        "something ssh has never said before"
      })
  void anSshErrorBeforeTheCommandRanIsAFailure(String sshMessage) throws Exception {
    Path ssh = fakeSsh(printing(sshMessage.split("\n")) + "exit 255");

    assertThatThrownBy(() -> executor(DEFAULTS, ssh).rebuildAndReboot(WEB_1))
        .isInstanceOf(ExecutorException.class)
        .hasMessageStartingWith(
            "rebuild over ssh for web-1 failed, ssh could not run the command (exit 255): ")
        .hasMessageEndingWith(sshMessage.substring(sshMessage.lastIndexOf('\n') + 1));
  }

  @Test
  void exit255WithoutOutputIsAFailure() throws Exception {
    assertThatThrownBy(() -> executor(DEFAULTS, fakeSsh("exit 255")).rebuildAndReboot(WEB_1))
        .hasMessageEndingWith("(exit 255): (no output)");
  }

  @Test
  void aFailingRemoteCommandFailsWithItsExitCode() throws Exception {
    Path ssh =
        fakeSsh(
            printing("error: flake 'github:lab/fleet' does not provide nixosConfigurations.web-1")
                + "exit 1");

    assertThatThrownBy(() -> executor(DEFAULTS, ssh).rebuildAndReboot(WEB_1))
        .isInstanceOf(ExecutorException.class)
        .hasMessage(
            "rebuild over ssh for web-1 exited 1: "
                + "error: flake 'github:lab/fleet' does not provide nixosConfigurations.web-1");
  }

  @Test
  void aMissingSshProgramIsNamed() {
    var executor = new SshExecutor(DEFAULTS, TIMEOUT, output, dir.resolve("no-ssh").toString());

    assertThatThrownBy(() -> executor.rebuildAndReboot(WEB_1))
        .isInstanceOf(ExecutorException.class)
        .hasMessageContaining("cannot run '" + dir.resolve("no-ssh") + "'");
  }

  // ---- building ahead ----

  private static final String STORE_PATH =
      "/nix/store/0a1b2c3d4e5f6g7h8i9j0k1l2m3n4p5q-nixos-system-web-1-25.11";
  private static final Build BUILT = new Build(STORE_PATH, true);

  @Test
  void buildsOnTheHostOnceAndReadsThePathAndTheRebootDecision() throws Exception {
    Path ssh =
        fakeSsh("echo 'copying path ...' >&2\necho 'reboot-needed: no'\necho '" + STORE_PATH + "'");

    Build build = executor(DEFAULTS, ssh).build(WEB_1);

    assertThat(build).isEqualTo(new Build(STORE_PATH, false));
    assertThat(recordedArgs())
        .last()
        .isEqualTo(
            "p=$(nix --extra-experimental-features 'nix-command flakes' build"
                + " --out-link /nix/var/nix/gcroots/lab-orchestrator-staged --print-out-paths"
                + " 'github:lab/fleet#nixosConfigurations.\"web-1\".config.system.build.toplevel')"
                + " || { s=$?; [ $s -ge 126 ] && exit $s; exit 1; };"
                + " n=$(readlink -f \"$p/kernel\" \"$p/initrd\" \"$p/kernel-modules\") &&"
                + " b=$(readlink -f /run/booted-system/kernel /run/booted-system/initrd"
                + " /run/booted-system/kernel-modules) || exit 2;"
                + " if [ \"$n\" = \"$b\" ]; then echo 'reboot-needed: no';"
                + " else echo 'reboot-needed: yes'; fi; printf '%s\\n' \"$p\"");
  }

  @Test
  void exit1OfTheRemoteBuildIsABuildFailure() throws Exception {
    Path ssh = fakeSsh(printing("error: attribute 'web-1' missing") + "exit 1");

    assertThatThrownBy(() -> executor(DEFAULTS, ssh).build(WEB_1))
        .isInstanceOf(BuildFailedException.class)
        .hasMessage("the build of web-1 failed on the host: error: attribute 'web-1' missing");
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 127, 255})
  void anyOtherExitOfTheRemoteBuildMeansItCouldNotRun(int exit) throws Exception {
    Path ssh =
        fakeSsh(
            printing("ssh: connect to host 10.0.0.11 port 22: Connection refused")
                + "exit "
                + exit);

    assertThatThrownBy(() -> executor(DEFAULTS, ssh).build(WEB_1))
        .isInstanceOf(ExecutorException.class)
        .isNotInstanceOf(BuildFailedException.class)
        .hasMessageStartingWith("build over ssh for web-1 ")
        .hasMessageContaining(String.valueOf(exit));
  }

  @Test
  void bootsExactlyTheBuiltPathThenReboots() throws Exception {
    executor(DEFAULTS, fakeSsh("exit 0")).activate(WEB_1, BUILT, true);

    assertThat(recordedArgs())
        .last()
        .isEqualTo(
            "nix-env -p /nix/var/nix/profiles/system --set '"
                + STORE_PATH
                + "' && '"
                + STORE_PATH
                + "/bin/switch-to-configuration' boot && echo '"
                + SshExecutor.REBOOTING
                + "' && systemctl reboot");
  }

  @Test
  void switchesToExactlyTheBuiltPathWithoutAReboot() throws Exception {
    executor(DEFAULTS, fakeSsh("exit 0")).activate(WEB_1, BUILT, false);

    assertThat(recordedArgs())
        .last()
        .isEqualTo(
            "nix-env -p /nix/var/nix/profiles/system --set '"
                + STORE_PATH
                + "' && '"
                + STORE_PATH
                + "/bin/switch-to-configuration' switch");
  }

  @Test
  void theConnectionDroppingAfterTheRebootWasAskedForIsNotAFailure() throws Exception {
    Path ssh =
        fakeSsh(
            "echo '"
                + SshExecutor.REBOOTING
                + "'\n"
                + printing("Connection to 10.0.0.11 closed by remote host.")
                + "exit 255");

    assertThatCode(() -> executor(DEFAULTS, ssh).activate(WEB_1, BUILT, true))
        .doesNotThrowAnyException();
  }

  @Test
  void theConnectionDroppingBeforeTheRebootWasAskedForIsAFailure() throws Exception {
    Path ssh = fakeSsh(printing("Connection to 10.0.0.11 closed by remote host.") + "exit 255");

    assertThatThrownBy(() -> executor(DEFAULTS, ssh).activate(WEB_1, BUILT, true))
        .isInstanceOf(ExecutorException.class)
        .hasMessage(
            "boot and reboot over ssh for web-1 failed, ssh could not run it or lost the"
                + " connection before the reboot was triggered (exit 255):"
                + " Connection to 10.0.0.11 closed by remote host.");
  }

  @Test
  void aFailedSwitchFailsWithItsExitCode() throws Exception {
    Path ssh = fakeSsh(printing("warning: the following units failed: nomad.service") + "exit 4");

    assertThatThrownBy(() -> executor(DEFAULTS, ssh).activate(WEB_1, BUILT, false))
        .isInstanceOf(ExecutorException.class)
        .hasMessage(
            "switch over ssh for web-1 exited 4: warning: the following units failed: nomad.service");
  }

  @Test
  void buildsAheadOnlyWithAFlake() {
    var noFlake = flakeAndCommand(null, "sudo /run/current-system/sw/bin/rebuild-and-reboot");

    assertThat(new SshExecutor(noFlake, TIMEOUT, output).buildsAhead()).isFalse();
    assertThat(new SshExecutor(DEFAULTS, TIMEOUT, output).buildsAhead()).isTrue();
  }

  @Test
  void refusesAnUnsafeFlakeEvenWhenOnlyTheBuildUsesIt() {
    assertRefusedAtConstruction(
        flakeAndCommand("github:lab/fleet;reboot", "sudo rebuild-and-reboot"), "rebuild.ssh.flake");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a'b", "'", "it's $(id) `x` \\ \" ;", ""})
  void theQuotingFunctionKeepsAnyValueOneLiteralWord(String value) throws Exception {
    Path echo = Scripts.echoArgs(dir);
    Process sh =
        new ProcessBuilder("/bin/sh", "-c", echo + " " + ShellQuote.quote(value))
            .redirectErrorStream(true)
            .start();

    assertThat(
            new String(sh.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(value + "\n");
    assertThat(sh.waitFor()).isZero();
  }

  private void assertRefusedAtConstruction(SshSettings settings, String message) {
    assertThatThrownBy(() -> new SshExecutor(settings, TIMEOUT, output))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  /** Default ssh settings but for the flake and the remote command. */
  private static SshSettings flakeAndCommand(String flake, String remoteCommand) {
    return new SshSettings(null, null, null, true, null, flake, remoteCommand);
  }

  private SshExecutor executor(SshSettings settings, Path ssh) {
    return new SshExecutor(settings, TIMEOUT, output, ssh.toString());
  }

  /** A fake ssh that records its arguments, one a line, then runs {@code behaviour}. */
  private Path fakeSsh(String behaviour) throws IOException {
    return Scripts.write(
        dir,
        "ssh",
        "for arg in \"$@\"; do printf '%s\\n' \"$arg\"; done > '"
            + dir.resolve("args")
            + "'\n"
            + behaviour);
  }

  private List<String> recordedArgs() throws IOException {
    return Files.readAllLines(dir.resolve("args"));
  }

  /** Shell lines printing {@code lines} to standard error, verbatim. */
  private static String printing(String... lines) {
    return "cat >&2 <<'OUT'\n" + String.join("\n", lines) + "\nOUT\n";
  }
}
