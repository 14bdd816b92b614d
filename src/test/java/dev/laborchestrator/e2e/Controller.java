package dev.laborchestrator.e2e;

import dev.laborchestrator.cli.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The controller as a user runs it: its real {@code main} in a separate JVM, with its own stdout,
 * stderr and exit code. The simulated lab runs in the test's JVM and is reached over HTTP.
 */
final class Controller {
  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private Controller(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  record Run(int exitCode, String stdout, String stderr) {
    String all() {
      return stdout + "\n" + stderr;
    }
  }

  static Run run(Path workDir, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    return start(workDir, "run", env, args).await();
  }

  /**
   * Starts the controller; its output goes to {@code <name>.out} and {@code <name>.err} in {@code
   * workDir}.
   */
  static Controller start(Path workDir, String name, Map<String, String> env, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    Path out = workDir.resolve(name + ".out");
    Path err = workDir.resolve(name + ".err");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("NOMAD_") || k.startsWith("CONSUL_"));
    builder.environment().putAll(env);
    return new Controller(builder.start(), out, err);
  }

  Run await() throws IOException, InterruptedException {
    if (!process.waitFor(3, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("the controller did not finish within 3 minutes");
    }
    return new Run(process.exitValue(), read(stdout), read(stderr));
  }

  /** Waits until stdout has a line matching {@code line}; false when the process ended first. */
  boolean awaitLine(Pattern line, Duration timeout) throws IOException, InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < until) {
      if (read(stdout).lines().anyMatch(l -> line.matcher(l).find())) {
        return true;
      }
      if (!process.isAlive()) {
        return false;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(
        "no line matching " + line + " within " + timeout + "; output so far:\n" + read(stdout));
  }

  boolean alive() {
    return process.isAlive();
  }

  /** SIGKILL: the process gets no chance to clean up. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM, as Nomad sends it when it stops or migrates an allocation. */
  Run terminate() throws IOException, InterruptedException {
    process.destroy();
    return await();
  }

  static double elapsedSeconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }
}
