package dev.laborchestrator.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH server for the ssh executor's tests: Debian's {@code sshd} on loopback addresses
 * and a free port, a throwaway host key and client key, a {@code known_hosts} file with the host
 * key for every address (and a {@code wrong_known_hosts} with another key), and {@code remoteBin}
 * first on the {@code PATH} of every session (sshd's {@code SetEnv}), so stand-ins for {@code nix},
 * {@code systemctl} and the like answer instead of the machine's own.
 *
 * <p>{@link #start} skips the calling test, saying why, where {@code /usr/sbin/sshd} is not
 * installed, unless {@value #REQUIRED} is set ({@code .ci/run} sets it after installing {@code
 * openssh-server}): there a missing sshd is a failure.
 */
public final class Sshd implements AutoCloseable {
  private static final Path SSHD = Path.of("/usr/sbin/sshd");

  /** Set by {@code .ci/run}: there, a missing sshd is a failure, not a reason to skip. */
  public static final String REQUIRED = "LAB_ORCHESTRATOR_REQUIRE_SSHD";

  private final Path dir;
  private final int port;
  private final Process process;

  private Sshd(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /**
   * Starts sshd listening on each of {@code addresses} (all local: 127.0.0.0/8 on Linux), its keys
   * and files in {@code dir}; returns once it accepts connections.
   */
  public static Sshd start(Path dir, List<String> addresses, Path remoteBin) throws Exception {
    if (System.getenv(REQUIRED) != null) {
      assertThat(SSHD)
          .as(REQUIRED + " is set (by .ci/run) but sshd is not installed")
          .isExecutable();
    }
    assumeTrue(
        Files.isExecutable(SSHD),
        "skipped: " + SSHD + " is not installed (apt-get install openssh-server; .ci/run does)");
    assumeTrue(
        privilegeSeparationDirectory(),
        "skipped: sshd runs as root here and needs /run/sshd, which cannot be created");
    Files.createDirectories(dir);
    keygen(dir, "host_key");
    keygen(dir, "other_host_key");
    keygen(dir, "client_key");
    Files.copy(dir.resolve("client_key.pub"), dir.resolve("authorized_keys"));
    int port = freePort();
    StringBuilder known = new StringBuilder();
    StringBuilder wrong = new StringBuilder();
    List<String> config = new ArrayList<>(List.of("Port " + port));
    for (String address : addresses) {
      known.append("[" + address + "]:" + port + " " + publicKey(dir, "host_key") + "\n");
      wrong.append("[" + address + "]:" + port + " " + publicKey(dir, "other_host_key") + "\n");
      config.add("ListenAddress " + address);
    }
    Files.writeString(dir.resolve("known_hosts"), known);
    Files.writeString(dir.resolve("wrong_known_hosts"), wrong);
    config.addAll(
        List.of(
            "HostKey " + dir.resolve("host_key"),
            "PidFile " + dir.resolve("sshd.pid"),
            "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "SetEnv PATH=" + remoteBin + ":/usr/bin:/bin",
            "LogLevel ERROR",
            ""));
    Files.writeString(dir.resolve("sshd_config"), String.join("\n", config));
    Process process =
        new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("sshd.log").toFile())
            .start();
    Sshd sshd = new Sshd(dir, port, process);
    try {
      for (String address : addresses) {
        sshd.awaitListening(address);
      }
    } catch (Exception | Error e) {
      sshd.close();
      throw e;
    }
    return sshd;
  }

  public int port() {
    return port;
  }

  /** The client's private key, whose public half is the only authorized key. */
  public Path clientKey() {
    return dir.resolve("client_key");
  }

  /** A {@code known_hosts} with this server's host key for each {@code [address]:port}. */
  public Path knownHosts() {
    return dir.resolve("known_hosts");
  }

  /** A {@code known_hosts} with another key for each {@code [address]:port}: to be refused. */
  public Path wrongKnownHosts() {
    return dir.resolve("wrong_known_hosts");
  }

  /**
   * A {@code /bin/sh} snippet that ends the ssh session it runs in, as a host going down for a
   * reboot does: it kills the sshd processes between itself and the listener.
   */
  public String dropSessionScript() {
    return "listener=$(cat '"
        + dir.resolve("sshd.pid")
        + "')\n"
        + "pid=$$; session=''\n"
        + "while [ \"$pid\" -gt 1 ]; do\n"
        + "  pid=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$pid/status)\n"
        + "  [ \"$pid\" = \"$listener\" ] && break\n"
        + "  [ \"$(cat /proc/$pid/comm)\" = sshd ] && session=\"$session $pid\"\n"
        + "done\n"
        + "kill -9 $session";
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  private static void keygen(Path dir, String name) throws Exception {
    Process keygen =
        new ProcessBuilder(
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                name,
                "-f",
                dir.resolve(name).toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(keygen.getInputStream().readAllBytes());
    assertThat(keygen.waitFor()).as("ssh-keygen: " + out).isZero();
  }

  /** {@code type base64} of a public key, without its comment. */
  private static String publicKey(Path dir, String name) throws IOException {
    String[] fields = Files.readString(dir.resolve(name + ".pub")).strip().split(" ");
    return fields[0] + " " + fields[1];
  }

  /** Running as root, sshd insists on its privilege separation directory, as its unit creates. */
  private static boolean privilegeSeparationDirectory() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return true;
    }
    try {
      Files.createDirectories(Path.of("/run/sshd"));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Waits until sshd accepts connections; fails with its log if it exits or never listens. */
  private void awaitListening(String address) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "sshd exited "
                + process.exitValue()
                + ": "
                + Files.readString(dir.resolve("sshd.log")));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(address, port), 1000);
        return;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException(
        "sshd did not listen on " + address + ": " + Files.readString(dir.resolve("sshd.log")));
  }
}
