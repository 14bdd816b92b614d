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

/**
 * The controller as a user runs it: its real {@code main} in a separate JVM, with its own stdout,
 * stderr and exit code. The simulated lab runs in the test's JVM and is reached over HTTP.
 */
final class Controller {
  private Controller() {}

  record Run(int exitCode, String stdout, String stderr) {
    String all() {
      return stdout + "\n" + stderr;
    }
  }

  static Run run(Path workDir, Map<String, String> env, String... args) throws IOException, InterruptedException {
    Process process = start(workDir, env, args);
    if (!process.waitFor(3, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("the controller did not finish within 3 minutes");
    }
    return new Run(process.exitValue(), Files.readString(workDir.resolve("stdout.txt"), StandardCharsets.UTF_8),
        Files.readString(workDir.resolve("stderr.txt"), StandardCharsets.UTF_8));
  }

  static Process start(Path workDir, Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
        .redirectOutput(workDir.resolve("stdout.txt").toFile())
        .redirectError(workDir.resolve("stderr.txt").toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("NOMAD_") || k.startsWith("CONSUL_"));
    builder.environment().putAll(env);
    return builder.start();
  }

  static Duration elapsed(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }
}
