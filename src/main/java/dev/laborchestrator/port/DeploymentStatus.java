package dev.laborchestrator.port;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An allocation's {@code DeploymentStatus}: the health its client reported (for a migrated
 * allocation's replacement, after the group's {@code migrate.min_healthy_time}). {@code healthy} is
 * null until the client reports. Nomad's drainer counts any reported health, false included, as
 * "healthy" (nomad/drainer/watch_jobs.go, {@code HasHealth}); only {@link #isHealthy} means the
 * replacement really is.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DeploymentStatus(@JsonProperty("Healthy") Boolean healthy) {

  public boolean isHealthy() {
    return Boolean.TRUE.equals(healthy);
  }

  public boolean isUnhealthy() {
    return Boolean.FALSE.equals(healthy);
  }

  public boolean hasHealth() {
    return healthy != null;
  }
}
