package dev.laborchestrator.port;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** One check of {@code GET /v1/health/node/:node} (Consul). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record HealthCheck(
    @JsonProperty("Node") String node,
    @JsonProperty("CheckID") String checkId,
    @JsonProperty("Name") String name,
    @JsonProperty("Status") String status,
    @JsonProperty("ServiceName") String serviceName,
    @JsonProperty("Output") String output) {

  /** Only {@code passing} counts; {@code warning} is treated as failing. */
  public boolean passing() {
    return "passing".equals(status);
  }
}
