package dev.laborchestrator.port;

import java.util.List;

/** The alerts a monitoring system has active now (Prometheus's {@code ALERTS} series). */
public interface ActiveAlerts {
  /**
   * Every active alert, pending or firing.
   *
   * @throws ApiException when the monitoring system cannot be asked or answers oddly
   */
  List<Alert> active();

  /**
   * @param name the {@code alertname} label
   * @param state {@code firing} or {@code pending} (the {@code alertstate} label)
   */
  record Alert(String name, String state) {
    public boolean firing() {
      return "firing".equals(state);
    }
  }
}
