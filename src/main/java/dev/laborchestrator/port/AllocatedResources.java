package dev.laborchestrator.port;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * An allocation's {@code AllocatedResources}: CPU and memory per task ({@code Tasks}); in {@code
 * GET /v1/allocations} only with {@code resources=true}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AllocatedResources(@JsonProperty("Tasks") Map<String, Resources> tasks) {

  public AllocatedResources {
    tasks = tasks == null ? Map.of() : Map.copyOf(tasks);
  }

  /** The allocation's total over its tasks. */
  public Resources total() {
    return tasks.values().stream().reduce(Resources.NONE, Resources::plus);
  }
}
