package dev.laborchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.port.Evaluation;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BlockedEvaluationsTest {
  final FakeNomadReads nomad = new FakeNomadReads();

  static Evaluation eval(String id, String status) {
    return new Evaluation(id, "web", status, "queued-allocs", "", Map.of(), 1);
  }

  @Test
  void countsTheBlockedEvaluationsWithOneRead() {
    nomad.evaluations.add(eval("e1", "blocked"));
    nomad.evaluations.add(eval("e2", "blocked"));
    nomad.evaluations.add(eval("e3", "complete"));

    assertThat(BlockedEvaluations.count(nomad)).isEqualTo(2);
    assertThat(nomad.requests).isEqualTo(1);
  }

  @Test
  void noneBlockedIsZero() {
    assertThat(BlockedEvaluations.count(nomad)).isZero();
  }
}
