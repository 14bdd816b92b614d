package dev.laborchestrator.cli;

import dev.laborchestrator.config.MaintenanceWindow;
import dev.laborchestrator.config.OrchestratorConfig.HoldSettings;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.prometheus.PrometheusAlerts;
import dev.laborchestrator.rollout.AlertHold;
import dev.laborchestrator.rollout.PauseHold;
import dev.laborchestrator.rollout.StartHold;
import dev.laborchestrator.rollout.StartHolds;
import dev.laborchestrator.rollout.WindowHold;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Wires the maintenance window, the pause flag and the alert gate into one {@link StartHold}. */
final class Holds {
  /**
   * TEST ONLY: a file holding an ISO instant that the maintenance window is judged against instead
   * of the system time, read at every check, so that an end-to-end test can close the window at a
   * chosen moment of a rollout. Not documented for users; it changes nothing else.
   */
  static final String TEST_NOW_FILE = "LAB_ORCHESTRATOR_TEST_NOW_FILE";

  private Holds() {}

  static StartHold of(Session session, Map<String, String> env) {
    HoldSettings settings = session.config.holds();
    List<StartHold> holds = new ArrayList<>();
    if (settings.window() != null) {
      holds.add(new WindowHold(settings.window(), windowClock(env)));
    }
    holds.add(new PauseHold(session.pause, Clock.system(), settings.pauseMaxWait()));
    if (settings.prometheus() != null) {
      holds.add(
          new AlertHold(
              new PrometheusAlerts(settings.prometheus().url()),
              settings.prometheus(),
              Clock.system()));
    }
    return new StartHolds(holds);
  }

  /**
   * "Maintenance window: sat,sun 02:00-06:00 Europe/Berlin, open now until ..." or next opening.
   */
  static String describe(MaintenanceWindow window, Instant now) {
    return "Maintenance window: "
        + window
        + window
            .current(now)
            .map(
                o ->
                    o.contains(now)
                        ? ", open now until " + o.end().withNano(0).toOffsetDateTime()
                        : ", next opens " + o.start().toOffsetDateTime())
            .orElse("");
  }

  static Clock windowClock(Map<String, String> env) {
    String file = env.get(TEST_NOW_FILE);
    if (file == null || file.isBlank()) {
      return Clock.system();
    }
    return new Clock() {
      @Override
      public Instant now() {
        try {
          return Instant.parse(Files.readString(Path.of(file), StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
          throw new IllegalStateException("cannot read " + TEST_NOW_FILE, e);
        }
      }

      @Override
      public void sleep(Duration duration) throws InterruptedException {
        Clock.system().sleep(duration);
      }
    };
  }
}
