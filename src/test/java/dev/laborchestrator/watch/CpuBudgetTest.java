package dev.laborchestrator.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CpuBudgetTest {
  private static final long MS = 1_000_000;

  @Test
  void aChangeAfterAQuietSpellIsReadAtOnce() {
    CpuBudget budget = new CpuBudget(3, Duration.ofMillis(50), 0);

    assertThat(budget.spend(10 * MS, 0)).isZero();
    assertThat(budget.spend(10 * MS, 1_000 * MS)).isZero();
  }

  @Test
  void answersBackToBackArePausedToAThirdOfACoreOnceTheBurstIsSpent() {
    CpuBudget budget = new CpuBudget(3, Duration.ofMillis(50), 0);
    for (int i = 0; i < 5; i++) {
      assertThat(budget.spend(10 * MS, 0)).as("answer %d of the burst", i).isZero();
    }

    assertThat(budget.spend(10 * MS, 0)).isEqualTo(Duration.ofMillis(30));
    // 30 ms later the debt is paid: the next answer of 10 ms is paused 30 ms again.
    assertThat(budget.spend(10 * MS, 30 * MS)).isEqualTo(Duration.ofMillis(30));
  }

  @Test
  void theBucketHoldsNoMoreThanTheBurst() {
    CpuBudget budget = new CpuBudget(3, Duration.ofMillis(50), 0);

    assertThat(budget.spend(60 * MS, 10_000 * MS)).isEqualTo(Duration.ofMillis(30));
  }
}
