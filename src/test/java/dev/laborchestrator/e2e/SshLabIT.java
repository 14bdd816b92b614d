package dev.laborchestrator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.cli.DemoLab;
import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.executor.Scripts;
import dev.laborchestrator.executor.Sshd;
import dev.laborchestrator.sim.SimEvent;
import dev.laborchestrator.sim.SimLab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, issue 9 with the {@code ssh} executor: the real CLI reaches each simulated host over
 * a real sshd (strict host key checking, a {@code known_hosts} line per {@code [address]:port}),
 * builds there, then switches or boots and reboots exactly what it built. sshd listens on each
 * host's own sim address (127.0.0.11, 127.0.0.12: {@code ListenAddress}, loopback on Linux), so the
 * host the CLI means is the host it reaches, and the sim nodes keep their own addresses, where
 * their Consul agents listen.
 *
 * <p>The remote stand-ins report to the simulated lab through {@code SimCtl}: {@code nix build}
 * asks the lab to build ({@code SimCtl build}) and makes a fake system whose {@code kernel} link is
 * the booted one or a new one as the lab says, so the executor's own kernel/initrd/modules
 * comparison against {@code /run/booted-system} decides between switch and reboot; the fake
 * system's {@code switch-to-configuration switch} is {@code SimCtl switch} of its store path;
 * {@code switch-to-configuration boot} sets the boot entry, and {@code systemctl reboot} boots it
 * ({@code SimCtl boot}, which the lab refuses for a path that is not the staged build) and drops
 * the ssh session as a host going down does. The fake store lives in a temporary folder, its
 * entries named as the lab names the store paths; the lab is told {@code /nix/store/<name>}.
 */
@Tag("sshd")
class SshLabIT {
  private static final String A = "a";
  private static final String B = "b";
  private static final Map<String, String> ADDRESSES = Map.of(A, "127.0.0.11", B, "127.0.0.12");
  private static final List<HostSpec> HOSTS =
      List.of(
          DemoLab.host(A, "app", 1, List.of(), "medium", 0),
          DemoLab.host(B, "app", 2, List.of(), "medium", 0));

  @TempDir static Path shared;
  private static Sshd sshd;
  private static Path remote;

  @TempDir Path dir;
  private DemoLab demo;

  @BeforeAll
  static void startSshd() throws Exception {
    remote = Files.createDirectories(shared.resolve("remote"));
    Files.createDirectories(remote.resolve("bin"));
    // 127.0.0.1 too, so the port is taken there: the lab's Consul API takes a free port on
    // 127.0.0.1 and each host's agent the same port on the host's address.
    sshd =
        Sshd.start(
            shared.resolve("sshd"),
            List.of("127.0.0.1", ADDRESSES.get(A), ADDRESSES.get(B)),
            remote.resolve("bin"));
    fakeRemoteWorld();
  }

  @AfterAll
  static void stopSshd() throws InterruptedException {
    if (sshd != null) {
      sshd.close();
    }
  }

  @AfterEach
  void stopLab() {
    if (demo != null) {
      demo.close();
    }
  }

  @Test
  void buildsOverSshThenRebootsTheHostWithANewKernelAndSwitchesTheOther() throws Exception {
    SimLab lab = lab(sshd.knownHosts(), b -> b.editNode(B, n -> n.kernelChanges(false)));

    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isZero();
    for (String host : List.of(A, B)) {
      assertThat(Labs.any(lab, host, SimEvent.Type.BUILD_FINISHED)).as(host + " built").isTrue();
      assertThat(Labs.first(lab, host, SimEvent.Type.BUILD_FINISHED))
          .as(host + ": the build finished before the drain began")
          .isLessThanOrEqualTo(Labs.first(lab, host, SimEvent.Type.DRAIN_STARTED));
    }
    assertThat(Labs.any(lab, A, SimEvent.Type.REBOOT_STARTED)).as("a rebooted").isTrue();
    assertThat(run.all())
        .as("a's ssh session really dropped with its reboot")
        .contains("Connection to " + ADDRESSES.get(A) + " closed by remote host");
    assertThat(Labs.any(lab, B, SimEvent.Type.SWITCHED)).as("b switched").isTrue();
    assertThat(Labs.any(lab, B, SimEvent.Type.REBOOT_STARTED)).as("b rebooted").isFalse();
    assertThat(run.stdout())
        .containsPattern("b\\s+DONE.*switched, no reboot")
        .containsPattern("a\\s+DONE.*rebooted");
  }

  @Test
  void aRemoteBuildFailureFailsTheHostWithNothingDrained() throws Exception {
    SimLab lab = lab(sshd.knownHosts(), UnaryOperator.identity());
    lab.faults(B).buildFails(true);

    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(Labs.any(lab, B, SimEvent.Type.BUILD_FAILED)).as("b's build failed").isTrue();
    assertThat(Labs.any(lab, B, SimEvent.Type.DRAIN_STARTED)).as("b drained").isFalse();
    assertThat(run.stdout()).contains("FAILED b").contains("the build failed");
    assertThat(lab.node(B).eligible()).isTrue();
  }

  @Test
  void aHostKeyThatDoesNotMatchIsRefusedAndNoHostIsDrained() throws Exception {
    SimLab lab = lab(sshd.wrongKnownHosts(), UnaryOperator.identity());

    Controller.Run run = run();

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(run.all()).contains("Host key verification failed");
    assertThat(lab.events())
        .as("nothing ran on a host, none was drained")
        .noneMatch(
            e ->
                e.type() == SimEvent.Type.BUILD_STARTED || e.type() == SimEvent.Type.DRAIN_STARTED);
  }

  private SimLab lab(Path knownHosts, UnaryOperator<SimLab.Builder> labEdits) {
    demo =
        DemoLab.start(
            dir,
            HOSTS,
            Set.of(),
            builder -> {
              for (HostSpec host : HOSTS) {
                String name = host.hostname();
                builder.editNode(
                    name, n -> n.address(ADDRESSES.get(name)).buildTime(Duration.ofMillis(200)));
              }
              return labEdits.apply(builder);
            },
            config -> sshConfig(config, knownHosts));
    return demo.lab();
  }

  /**
   * The demo's config with the ssh executor instead of its {@code SimCtl} commands, whose java
   * command and lab address become the stand-ins' {@code simctl}.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> sshConfig(Map<String, Object> config, Path knownHosts) {
    Map<String, Object> rebuild = (Map<String, Object>) config.get("rebuild");
    List<String> demoCommand = (List<String>) rebuild.remove("command");
    rebuild.remove("rollbackCommand");
    String nomad = (String) ((Map<String, Object>) config.get("nomad")).get("address");
    try {
      Scripts.write(
          remote.resolve("bin"),
          "simctl",
          "verb=$1; shift\nexec "
              + quote(demoCommand.get(0))
              + " -cp "
              + quote(demoCommand.get(2))
              + " dev.laborchestrator.sim.SimCtl \"$verb\" "
              + quote(nomad)
              + " \"$@\"");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Map<String, Object> ssh = new LinkedHashMap<>();
    ssh.put("user", System.getProperty("user.name"));
    ssh.put("port", sshd.port());
    ssh.put("identityFile", sshd.clientKey().toString());
    ssh.put("knownHostsFile", knownHosts.toString());
    ssh.put("strictHostKeyChecking", true);
    ssh.put("flake", "github:lab/fleet");
    rebuild.put("executor", "ssh");
    rebuild.put("ssh", ssh);
    rebuild.put("timeout", "30s");
    config.put("reboot", "when-needed");
    config.put("maxParallel", 1);
    config.put(
        "timeouts", new LinkedHashMap<>(Map.of("drain", "30s", "reboot", "30s", "health", "30s")));
    return config;
  }

  private Controller.Run run() throws IOException, InterruptedException {
    return Labs.run(dir, demo);
  }

  /**
   * The booted system and the stand-ins. Every host boots the same kernel, initrd and modules at
   * first, as the lab's hosts do; a new system links a new kernel when the lab says it needs a
   * reboot.
   */
  private static void fakeRemoteWorld() throws IOException {
    Path store = Files.createDirectories(remote.resolve("store"));
    Path bin = remote.resolve("bin");
    Files.createDirectories(remote.resolve("boot-entry"));
    for (String file : List.of("k1-linux/bzImage", "k2-linux/bzImage", "i1-initrd/initrd")) {
      Files.createDirectories(store.resolve(file).getParent());
      Files.writeString(store.resolve(file), file);
    }
    Files.createDirectories(store.resolve("m1-linux-modules"));
    Path booted = Files.createDirectories(store.resolve("b0-nixos-system-booted"));
    Files.createSymbolicLink(booted.resolve("kernel"), store.resolve("k1-linux/bzImage"));
    Files.createSymbolicLink(booted.resolve("initrd"), store.resolve("i1-initrd/initrd"));
    Files.createSymbolicLink(booted.resolve("kernel-modules"), store.resolve("m1-linux-modules"));
    Files.createDirectories(remote.resolve("run"));
    Files.createSymbolicLink(remote.resolve("run/booted-system"), booted);
    String s = quote(store.toString());
    // nix ... build --out-link L --print-out-paths 'flake#nixosConfigurations."<host>".config...'
    Scripts.write(
        bin,
        "nix",
        "for a; do last=$a; done\n"
            + "host=$(printf '%s\\n' \"$last\" | sed -n 's/.*nixosConfigurations\\.\"\\([^\"]*\\)\"\\..*/\\1/p')\n"
            + "out=$(simctl build \"$host\" "
            + DemoLab.NEW_REVISION
            + "); status=$?\n"
            + "if [ $status -ne 0 ]; then echo \"error: $out\" >&2; exit $status; fi\n"
            + "name=$(printf '%s\\n' \"$out\" | tail -n 1); name=${name##*/}\n"
            + "kernel="
            + s
            + "/k1-linux/bzImage\n"
            + "printf '%s\\n' \"$out\" | grep -qx 'reboot-needed: yes' && kernel="
            + s
            + "/k2-linux/bzImage\n"
            + "top="
            + s
            + "/$name\n"
            + "mkdir -p \"$top/bin\"\n"
            + "ln -sfn \"$kernel\" \"$top/kernel\"\n"
            + "ln -sfn "
            + s
            + "/i1-initrd/initrd \"$top/initrd\"\n"
            + "ln -sfn "
            + s
            + "/m1-linux-modules \"$top/kernel-modules\"\n"
            + "cat > \"$top/bin/switch-to-configuration\" <<END\n"
            + "#!/bin/sh\n"
            + "case \\$1 in\n"
            + "  switch) exec simctl switch $host /nix/store/$name ;;\n"
            + "  boot) set -- \\$SSH_CONNECTION; echo $host /nix/store/$name > "
            + quote(remote.resolve("boot-entry").toString())
            + "/\\$3 ;;\n"
            + "  *) exit 1 ;;\n"
            + "esac\n"
            + "END\n"
            + "chmod +x \"$top/bin/switch-to-configuration\"\n"
            + "printf '%s\\n' \"$top\"");
    Scripts.write(bin, "nix-env", "exit 0");
    Scripts.write(
        bin,
        "readlink",
        "n=$#; i=0\n"
            + "while [ $i -lt $n ]; do\n"
            + "  a=$1; shift\n"
            + "  case $a in /run/booted-system*) a="
            + quote(remote.toString())
            + "$a;; esac\n"
            + "  set -- \"$@\" \"$a\"; i=$((i + 1))\n"
            + "done\n"
            + "exec /bin/readlink \"$@\"");
    // The reboot boots the entry switch-to-configuration boot set on this host (the address this
    // session reached), then the host goes down and the session with it.
    Scripts.write(
        bin,
        "systemctl",
        "[ \"$1\" = reboot ] || exit 0\n"
            + "set -- $SSH_CONNECTION\n"
            + "entry=$(cat "
            + quote(remote.resolve("boot-entry").toString())
            + "/$3) || exit 1\n"
            + "simctl boot $entry || exit 1\n"
            + sshd.dropSessionScript());
  }

  private static String quote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }
}
