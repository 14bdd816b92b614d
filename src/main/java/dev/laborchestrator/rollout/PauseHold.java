package dev.laborchestrator.rollout;

import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.PauseFlag;
import java.time.Duration;
import java.util.Optional;

/**
 * An operator's pause: while the flag is set no host starts. The run waits for it to be cleared
 * with blocking queries on the flag, for at most {@code maxWait}; a flag that cannot be read holds
 * as well (a gate that fails stays closed).
 */
public final class PauseHold extends BoundedHold {
  /** The longest single blocking query; the server may answer earlier. */
  static final Duration BLOCK = Duration.ofMinutes(1);

  private final PauseFlag flag;
  private long index;

  public PauseHold(PauseFlag flag, Clock clock, Duration maxWait) {
    super(clock, maxWait);
    this.flag = flag;
  }

  @Override
  Optional<String> reason() {
    try {
      Indexed<Optional<String>> read = flag.read(BlockingQuery.NONE);
      index = read.index();
      return read.value();
    } catch (ApiException e) {
      index = 0;
      return Optional.of("the pause flag cannot be read (" + e.getMessage() + ")");
    }
  }

  @Override
  public void await() throws InterruptedException {
    Duration wait = remaining();
    if (!BoundedHold.positive(wait)) {
      return;
    }
    wait = wait.compareTo(BLOCK) < 0 ? wait : BLOCK;
    if (index > 0) {
      try {
        flag.read(BlockingQuery.after(index, wait));
        return;
      } catch (ApiException e) {
        // fall through to a pause before the next check
      }
    }
    clock.sleep(wait.compareTo(Duration.ofSeconds(5)) < 0 ? wait : Duration.ofSeconds(5));
  }
}
