package dev.laborchestrator.rollout;

import java.util.List;

/**
 * Several holds asked in order (window, pause, alerts); the first that does not say GO answers, and
 * the engine's wait is that hold's.
 */
public final class StartHolds implements StartHold {
  private final List<StartHold> holds;
  private volatile StartHold holding = StartHold.NONE;

  public StartHolds(List<StartHold> holds) {
    this.holds = List.copyOf(holds);
  }

  @Override
  public Hold check() throws InterruptedException {
    for (StartHold hold : holds) {
      Hold answer = hold.check();
      if (answer.kind() != Hold.Kind.GO) {
        holding = hold;
        return answer;
      }
    }
    holding = StartHold.NONE;
    return Hold.GO;
  }

  @Override
  public void await() throws InterruptedException {
    holding.await();
  }
}
