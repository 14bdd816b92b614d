package dev.laborchestrator.rollout;

import dev.laborchestrator.port.Evaluation;
import dev.laborchestrator.port.NomadNodes;

/**
 * Blocked evaluations: work Nomad's scheduler could not place for lack of room, waiting until room
 * appears (a chained evaluation with {@code TriggeredBy: "queued-allocs"};
 * api-docs/evaluations.mdx, docs/monitor/index.mdx: a rising count means clients are low on
 * resources). The capacity check before a drain cannot see ports, constraints or Nomad's own
 * placement order; a count that rises while a drain runs is the cluster saying the work did not fit
 * after all, so no further host should leave service. One read: {@code GET
 * /v1/evaluations?status=blocked&namespace=*}.
 */
public final class BlockedEvaluations {

  private BlockedEvaluations() {}

  /** How many evaluations are blocked now, in every namespace the token may read. */
  public static int count(NomadNodes nomad) {
    return (int) nomad.blockedEvaluations().stream().filter(Evaluation::blocked).count();
  }
}
