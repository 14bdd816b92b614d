package dev.laborchestrator.rollout;

import dev.laborchestrator.config.OrchestratorConfig.PrometheusGate;
import dev.laborchestrator.port.ActiveAlerts;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * kured's Prometheus blocker (kubereboot/kured pkg/blockers/prometheus.go {@code IsBlocked}): no
 * host starts while an active alert is left after the filter; an alert whose name matches {@code
 * alertFilter} is ignored (as {@code --alert-filter-regexp}); with {@code firingOnly} pending
 * alerts are ignored too. A query that fails holds: an unreachable Prometheus never opens the gate.
 */
public final class AlertHold extends BoundedHold {
  private final ActiveAlerts alerts;
  private final PrometheusGate gate;

  public AlertHold(ActiveAlerts alerts, PrometheusGate gate, Clock clock) {
    super(clock, gate.maxWait());
    this.alerts = alerts;
    this.gate = gate;
  }

  @Override
  Optional<String> reason() {
    List<ActiveAlerts.Alert> active;
    try {
      active = alerts.active();
    } catch (ApiException e) {
      return Optional.of(
          "Prometheus at " + gate.url() + " cannot be asked for alerts (" + e.getMessage() + ")");
    }
    List<String> blocking =
        active.stream()
            .filter(a -> gate.alertFilter() == null || !gate.alertFilter().matcher(a.name()).find())
            .filter(a -> !gate.firingOnly() || a.firing())
            .map(ActiveAlerts.Alert::name)
            .distinct()
            .sorted()
            .toList();
    if (blocking.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of("alerts active in Prometheus: " + String.join(", ", blocking));
  }

  @Override
  public void await() throws InterruptedException {
    Duration wait = remaining();
    if (BoundedHold.positive(wait)) {
      clock.sleep(wait.compareTo(gate.interval()) < 0 ? wait : gate.interval());
    }
  }
}
