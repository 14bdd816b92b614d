package dev.laborchestrator.port;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * One entry of {@code GET /v1/evaluations} (e.g. {@code ?status=blocked}): a blocked evaluation
 * ({@code TriggeredBy: "queued-allocs"}) is work the scheduler could not place, and says why per
 * task group in {@code FailedTGAllocs}. A rising count while a drain runs means the cluster is out
 * of room.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Evaluation(
    @JsonProperty("ID") String id,
    @JsonProperty("JobID") String jobId,
    @JsonProperty("Status") String status,
    @JsonProperty("TriggeredBy") String triggeredBy,
    @JsonProperty("PreviousEval") String previousEval,
    @JsonProperty("FailedTGAllocs") Map<String, AllocMetric> failedTgAllocs,
    @JsonProperty("ModifyIndex") long modifyIndex) {

  public Evaluation {
    failedTgAllocs = failedTgAllocs == null ? Map.of() : Map.copyOf(failedTgAllocs);
  }

  public boolean blocked() {
    return "blocked".equals(status);
  }

  /** structs/alloc.go {@code AllocMetric}: why a task group could not be placed. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record AllocMetric(
      @JsonProperty("NodesEvaluated") int nodesEvaluated,
      @JsonProperty("NodesExhausted") int nodesExhausted,
      @JsonProperty("NodesInPool") int nodesInPool,
      @JsonProperty("NodesAvailable") Map<String, Integer> nodesAvailable,
      @JsonProperty("DimensionExhausted") Map<String, Integer> dimensionExhausted) {

    public AllocMetric {
      nodesAvailable = nodesAvailable == null ? Map.of() : Map.copyOf(nodesAvailable);
      dimensionExhausted = dimensionExhausted == null ? Map.of() : Map.copyOf(dimensionExhausted);
    }
  }
}
