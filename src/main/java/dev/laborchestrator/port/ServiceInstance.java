package dev.laborchestrator.port;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One entry of Consul's {@code GET /v1/health/service/:service}: an instance of the service, the
 * node it runs on, and its checks together with the node's own ({@code serfHealth}, maintenance).
 * An instance is passing only when every one of them passes (what {@code ?passing} keeps).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ServiceInstance(
    @JsonProperty("Node") Node node,
    @JsonProperty("Service") Service service,
    @JsonProperty("Checks") List<HealthCheck> checks) {

  public ServiceInstance {
    checks = checks == null ? List.of() : List.copyOf(checks);
  }

  /** The Consul name of the instance's node. */
  public String nodeName() {
    return node == null ? null : node.node();
  }

  public boolean passing() {
    return checks.stream().allMatch(HealthCheck::passing);
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Node(@JsonProperty("Node") String node, @JsonProperty("Address") String address) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Service(@JsonProperty("ID") String id, @JsonProperty("Service") String service) {}
}
