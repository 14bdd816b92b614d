package dev.laborchestrator.executor;

import dev.laborchestrator.config.Durations;
import dev.laborchestrator.port.HostExecutor.ExecutorException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one program from an argv list (never through a local shell) with a time limit. Standard
 * output and error are merged and forwarded line by line to a sink, each line prefixed with the
 * hostname, by a reader thread so that a chatty program can never block on a full pipe. On timeout
 * the whole process tree is killed.
 */
final class ProcessRunner {
  private static final Logger OUTPUT_LOG =
      LoggerFactory.getLogger("dev.laborchestrator.executor.output");
  private static final Logger LOG = LoggerFactory.getLogger(ProcessRunner.class);
  private static final int TAIL_LINES = 50;
  private static final Duration OUTPUT_GRACE = Duration.ofSeconds(1);

  /** How a program ended: its exit code and its last lines of output, oldest first. */
  record Completion(int exitCode, List<String> tail) {
    String lastLine() {
      return tail.isEmpty() ? "" : tail.get(tail.size() - 1);
    }
  }

  private final Duration timeout;
  private final Consumer<String> sink;

  ProcessRunner(Duration timeout, Consumer<String> sink) {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the rebuild timeout must be positive, got " + timeout);
    }
    this.timeout = timeout;
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  /**
   * The default sink: one INFO line per output line on the logger {@code
   * dev.laborchestrator.executor.output}.
   */
  static Consumer<String> loggingSink() {
    return line -> OUTPUT_LOG.info("{}", line);
  }

  /**
   * Runs {@code argv} until it exits or the timeout passes.
   *
   * @param what names the action in messages, e.g. {@code "rebuild command for web-1"}
   * @throws ExecutorException when the program cannot be started, times out (it and its descendants
   *     are then killed) or the waiting thread is interrupted (likewise)
   */
  Completion run(List<String> argv, String hostname, String what) throws ExecutorException {
    Process process;
    try {
      process = new ProcessBuilder(argv).redirectErrorStream(true).start();
    } catch (IOException e) {
      String reason = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
      throw new ExecutorException(what + ": cannot run '" + argv.get(0) + "': " + reason, e);
    }
    closeQuietly(process);
    OutputPump pump = new OutputPump(process.getInputStream(), hostname);
    Thread reader = new Thread(pump, "executor-output-" + hostname);
    reader.setDaemon(true);
    reader.start();
    try {
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        killTree(process);
        reader.join(OUTPUT_GRACE.toMillis());
        throw new ExecutorException(
            what
                + " timed out after "
                + Durations.format(timeout)
                + "; killed it and its child processes");
      }
      reader.join(OUTPUT_GRACE.toMillis());
    } catch (InterruptedException e) {
      killTree(process);
      Thread.currentThread().interrupt();
      throw new ExecutorException(what + " was interrupted; killed it and its child processes", e);
    }
    return new Completion(process.exitValue(), pump.tail());
  }

  private static void closeQuietly(Process process) {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      LOG.debug("closing the standard input of pid {} failed", process.pid(), e);
    }
  }

  /**
   * Kills the process and every descendant it had: a killed shell would otherwise leave its
   * children running.
   */
  private static void killTree(Process process) {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(OUTPUT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Reads merged output to the end, forwarding each line to the sink and keeping the last few. */
  private final class OutputPump implements Runnable {
    private final InputStream output;
    private final String hostname;
    private final ArrayDeque<String> tail = new ArrayDeque<>();

    OutputPump(InputStream output, String hostname) {
      this.output = output;
      this.hostname = hostname;
    }

    @Override
    public void run() {
      try (BufferedReader lines =
          new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          remember(line);
          forward(hostname + ": " + line);
        }
      } catch (IOException e) {
        LOG.debug("reading the output for {} ended early", hostname, e);
      }
    }

    private void forward(String line) {
      try {
        sink.accept(line);
      } catch (RuntimeException e) {
        LOG.warn("the output sink failed on a line; output keeps being drained", e);
      }
    }

    private synchronized void remember(String line) {
      if (tail.size() == TAIL_LINES) {
        tail.removeFirst();
      }
      tail.addLast(line);
    }

    synchronized List<String> tail() {
      return List.copyOf(tail);
    }
  }
}
