package dev.laborchestrator.cli;

import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.config.OrchestratorConfig;
import dev.laborchestrator.config.OrchestratorConfig.MetricsSettings;
import dev.laborchestrator.http.HttpApi;
import dev.laborchestrator.metrics.RolloutMetrics;
import dev.laborchestrator.notify.Notifier;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.report.ReportRecorder;
import dev.laborchestrator.report.RolloutReport;
import dev.laborchestrator.rollout.RolloutListener;
import dev.laborchestrator.rollout.RolloutResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a run offers the people around it: notifications, {@code /metrics} (and a Pushgateway), the
 * {@code --report} file. Opened before the lock is taken, so a port in use or a report path that
 * cannot be written is refused (exit 2) before anything changes; closed when the run ends, giving
 * queued notifications and the last push a bounded time.
 */
class Operator implements AutoCloseable {
  static final Operator NONE = new Operator(null, null, null, null, null);

  private final Notifier notifier;
  private final RolloutMetrics metrics;
  private final ReportRecorder recorder;
  private final Path report;
  private final PrintStream err;

  private Operator(
      Notifier notifier,
      RolloutMetrics metrics,
      ReportRecorder recorder,
      Path report,
      PrintStream err) {
    this.notifier = notifier;
    this.metrics = metrics;
    this.recorder = recorder;
    this.report = report;
    this.err = err;
  }

  static Operator open(
      OrchestratorConfig config, Integer portOption, Path report, PrintStream err) {
    if (report != null) {
      Path dir = report.toAbsolutePath().getParent();
      if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
        throw new InvalidInputException(
            "--report " + report + ": its directory does not exist or cannot be written");
      }
      if (Files.isDirectory(report)) {
        throw new InvalidInputException("--report " + report + " is a directory");
      }
    }
    if (portOption != null && (portOption < 1 || portOption > 65535)) {
      throw new InvalidInputException(
          "--metrics-port " + portOption + " is not a TCP port (1 to 65535)");
    }
    MetricsSettings settings =
        portOption == null
            ? config.metrics()
            : new MetricsSettings(portOption, config.metrics().pushgateway());
    RolloutMetrics metrics = null;
    if (settings.port() != null || settings.pushgateway() != null) {
      try {
        metrics = RolloutMetrics.start(settings, Clock.system(), line -> warn(err, line));
      } catch (IOException e) {
        throw new InvalidInputException(
            "metrics port "
                + settings.port()
                + " cannot be used ("
                + e.getMessage()
                + "): is it in use? Nothing was changed.",
            e);
      }
      HttpApi.observe(metrics);
    }
    Notifier notifier =
        config.notifications().isEmpty()
            ? null
            : new Notifier(config.notifications(), Clock.system(), line -> warn(err, line));
    return new Operator(notifier, metrics, new ReportRecorder(Clock.system()), report, err);
  }

  private static void warn(PrintStream err, String line) {
    err.println("warning: " + line);
    err.flush();
  }

  /** The console reporter together with everything this run feeds. */
  RolloutListener listening(RolloutListener console) {
    List<RolloutListener> all = new ArrayList<>();
    all.add(console);
    if (recorder != null) {
      all.add(recorder);
    }
    if (metrics != null) {
      all.add(metrics);
    }
    if (notifier != null) {
      all.add(notifier);
    }
    return RolloutListener.all(all);
  }

  void lockHeld(boolean held) {
    if (metrics != null) {
      metrics.lockHeld(held);
    }
  }

  void writeReport(RolloutResult result, String revision, Instant startedAt, Instant endedAt) {
    if (report == null) {
      return;
    }
    try {
      RolloutReport.ofRun(result, recorder, revision, startedAt, endedAt).write(report);
    } catch (IOException e) {
      err.println("warning: could not write the report " + report + ": " + e.getMessage());
    }
  }

  @Override
  public void close() {
    if (notifier != null) {
      notifier.close(Duration.ofSeconds(10));
    }
    if (metrics != null) {
      HttpApi.observe(null);
      metrics.close();
    }
  }
}
