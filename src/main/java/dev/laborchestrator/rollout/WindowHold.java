package dev.laborchestrator.rollout;

import dev.laborchestrator.config.MaintenanceWindow;
import dev.laborchestrator.port.Clock;

/**
 * The maintenance window: outside it no host starts and the run ends once the hosts in flight are
 * done; the next periodic run resumes from the checkpoint.
 */
public final class WindowHold implements StartHold {
  private final MaintenanceWindow window;
  private final Clock clock;

  public WindowHold(MaintenanceWindow window, Clock clock) {
    this.window = window;
    this.clock = clock;
  }

  @Override
  public Hold check() {
    java.time.Instant now = clock.now();
    if (window.contains(now)) {
      return Hold.GO;
    }
    return Hold.stop(
        "outside the maintenance window ("
            + window
            + window
                .current(now)
                .map(o -> "; it next opens " + o.start().toOffsetDateTime())
                .orElse("")
            + ")");
  }

  @Override
  public void await() {}
}
