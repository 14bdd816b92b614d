package dev.laborchestrator.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.config.OrchestratorConfig.SshSettings;
import dev.laborchestrator.port.HostExecutor.Build;
import dev.laborchestrator.port.HostExecutor.BuildFailedException;
import dev.laborchestrator.port.HostExecutor.ExecutorException;
import dev.laborchestrator.port.HostTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ssh executor's build, boot and switch flow against a real OpenSSH server: Debian's {@code
 * sshd} on 127.0.0.1 and a free port, a throwaway host key and client key, a {@code known_hosts}
 * file and strict host key checking, exactly as a fleet would be reached. The remote side is this
 * machine, with stand-ins first on the {@code PATH} of the ssh session (sshd's {@code SetEnv}):
 * {@code nix}, {@code nix-env} and {@code systemctl} record what they were asked to a file; {@code
 * readlink} maps {@code /run/booted-system} to a fake booted system, so the machine's own {@code
 * /run} is never touched; a fake store holds the systems with their {@code kernel}, {@code initrd},
 * {@code kernel-modules} links and a {@code bin/switch-to-configuration} that records too. The
 * stand-in {@code systemctl reboot} kills the sshd processes of its own session, so the connection
 * drops as it does when a host goes down.
 *
 * <p>Skipped, saying why, where {@code /usr/sbin/sshd} is not installed; {@code .ci/run} installs
 * it ({@code openssh-server}) and sets {@value Sshd#REQUIRED}, so that in CI it cannot be skipped.
 */
@Tag("sshd")
class SshExecutorIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String FLAKE = "github:lab/fleet";
  private static final HostTarget WEB_1 = new HostTarget("web-1", "n-1", "127.0.0.1");

  @TempDir static Path dir;
  private static Sshd sshd;
  private static Path remote;
  private static Path record;
  private static Path kernelChanged;
  private static Path kernelSame;

  private final Scripts.Lines output = new Scripts.Lines();

  @BeforeAll
  static void startSshd() throws Exception {
    remote = Files.createDirectories(dir.resolve("remote"));
    record = remote.resolve("record");
    sshd = Sshd.start(dir.resolve("sshd"), List.of("127.0.0.1"), remote.resolve("bin"));
    fakeRemoteWorld();
  }

  @AfterAll
  static void stopSshd() throws InterruptedException {
    if (sshd != null) {
      sshd.close();
    }
  }

  @BeforeEach
  void clearRecord() throws IOException {
    Files.deleteIfExists(record);
    Files.deleteIfExists(remote.resolve("nix-fails"));
  }

  @Test
  void buildsThenBootsExactlyThatPathAndRebootsTheConnectionDroppingIsNoFailure() throws Exception {
    nextBuild(kernelChanged);
    SshExecutor executor = executor(sshd.knownHosts());

    Build build = executor.build(WEB_1);
    executor.activate(WEB_1, build, true);

    assertThat(build).isEqualTo(new Build(kernelChanged.toString(), true));
    assertThat(recorded())
        .containsExactly(
            "nix --extra-experimental-features nix-command flakes build --out-link "
                + SshExecutor.STAGED_ROOT
                + " --print-out-paths "
                + FLAKE
                + "#nixosConfigurations.\"web-1\".config.system.build.toplevel",
            "nix-env -p /nix/var/nix/profiles/system --set " + kernelChanged,
            "switch-to-configuration of " + kernelChanged + ": boot",
            "systemctl reboot");
    assertThat(output.lines())
        .as("the connection really dropped with the reboot")
        .anyMatch(line -> line.contains("closed by remote host"));
  }

  @Test
  void buildsThenSwitchesWithoutARebootWhenTheKernelIsTheSame() throws Exception {
    nextBuild(kernelSame);
    SshExecutor executor = executor(sshd.knownHosts());

    Build build = executor.build(WEB_1);
    executor.activate(WEB_1, build, false);

    assertThat(build).isEqualTo(new Build(kernelSame.toString(), false));
    assertThat(recorded())
        .endsWith(
            "nix-env -p /nix/var/nix/profiles/system --set " + kernelSame,
            "switch-to-configuration of " + kernelSame + ": switch")
        .noneMatch(line -> line.startsWith("systemctl"));
  }

  @Test
  void aHostKeyThatDoesNotMatchIsRefusedAndNothingRuns() throws Exception {
    nextBuild(kernelChanged);

    assertThatThrownBy(() -> executor(sshd.wrongKnownHosts()).build(WEB_1))
        .isInstanceOf(ExecutorException.class)
        .isNotInstanceOf(BuildFailedException.class)
        .hasMessage(
            "build over ssh for web-1 failed, ssh could not run it or lost the connection"
                + " (exit 255): Host key verification failed.");
    assertThat(record).doesNotExist();
  }

  @Test
  void aRemoteBuildFailureIsABuildFailureAndNothingIsActivated() throws Exception {
    nextBuild(kernelChanged);
    Files.writeString(remote.resolve("nix-fails"), "");

    assertThatThrownBy(() -> executor(sshd.knownHosts()).build(WEB_1))
        .isInstanceOf(BuildFailedException.class)
        .hasMessage(
            "the build of web-1 failed on the host: error: builder for"
                + " '/nix/store/x-nixos-system-web-1.drv' failed with exit code 1");
    assertThat(recorded()).hasSize(1).allMatch(line -> line.startsWith("nix "));
  }

  private SshExecutor executor(Path knownHosts) {
    var settings =
        new SshSettings(
            System.getProperty("user.name"),
            sshd.port(),
            sshd.clientKey().toString(),
            true,
            knownHosts.toString(),
            FLAKE,
            null);
    return new SshExecutor(settings, TIMEOUT, output);
  }

  private static void nextBuild(Path system) throws IOException {
    Files.writeString(remote.resolve("next-build"), system + "\n");
  }

  private static List<String> recorded() throws IOException {
    return Files.readAllLines(record);
  }

  /**
   * The booted system and two new ones, one with a new kernel and one with the booted kernel,
   * initrd and modules; the stand-in programs.
   */
  private static void fakeRemoteWorld() throws IOException {
    Path store = Files.createDirectories(remote.resolve("store"));
    Path oldKernel = file(store.resolve("k1-linux-6.6.1/bzImage"));
    Path newKernel = file(store.resolve("k2-linux-6.6.9/bzImage"));
    Path initrd = file(store.resolve("i1-initrd-linux/initrd"));
    Path modules = Files.createDirectories(store.resolve("m1-linux-modules"));
    Path booted = system(store.resolve("b0-nixos-system-web-1-booted"), oldKernel, initrd, modules);
    kernelChanged =
        system(store.resolve("c1-nixos-system-web-1-new-kernel"), newKernel, initrd, modules);
    kernelSame =
        system(store.resolve("s1-nixos-system-web-1-same-kernel"), oldKernel, initrd, modules);
    Files.createDirectories(remote.resolve("run"));
    Files.createSymbolicLink(remote.resolve("run/booted-system"), booted);

    Path bin = Files.createDirectories(remote.resolve("bin"));
    String rec = " >> '" + record + "'";
    Scripts.write(
        bin,
        "nix",
        "echo \"nix $*\""
            + rec
            + "\n"
            + "echo \"evaluating derivation '"
            + FLAKE
            + "#...'\" >&2\n"
            + "if [ -e '"
            + remote.resolve("nix-fails")
            + "' ]; then\n"
            + "  echo \"error: builder for '/nix/store/x-nixos-system-web-1.drv' failed with exit code 1\" >&2\n"
            + "  exit 1\n"
            + "fi\n"
            + "cat '"
            + remote.resolve("next-build")
            + "'");
    Scripts.write(bin, "nix-env", "echo \"nix-env $*\"" + rec);
    Scripts.write(
        bin,
        "readlink",
        "n=$#; i=0\n"
            + "while [ $i -lt $n ]; do\n"
            + "  a=$1; shift\n"
            + "  case $a in /run/booted-system*) a='"
            + remote
            + "'$a;; esac\n"
            + "  set -- \"$@\" \"$a\"; i=$((i + 1))\n"
            + "done\n"
            + "exec /bin/readlink \"$@\"");
    // A reboot ends the session: kill the sshd processes between this program and the listener.
    Scripts.write(
        bin,
        "systemctl",
        "echo \"systemctl $*\""
            + rec
            + "\n"
            + "[ \"$1\" = reboot ] || exit 0\n"
            + sshd.dropSessionScript());
  }

  private static Path system(Path top, Path kernel, Path initrd, Path modules) throws IOException {
    Files.createDirectories(top.resolve("bin"));
    Files.createSymbolicLink(top.resolve("kernel"), kernel);
    Files.createSymbolicLink(top.resolve("initrd"), initrd);
    Files.createSymbolicLink(top.resolve("kernel-modules"), modules);
    Scripts.write(
        top.resolve("bin"),
        "switch-to-configuration",
        "echo \"switch-to-configuration of " + top + ": $1\" >> '" + record + "'");
    return top;
  }

  private static Path file(Path path) throws IOException {
    Files.createDirectories(path.getParent());
    return Files.writeString(path, path.getFileName().toString(), StandardOpenOption.CREATE);
  }
}
