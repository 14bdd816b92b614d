package dev.laborchestrator.rollout;

import dev.laborchestrator.port.StateStore;
import java.util.Map;
import java.util.Optional;

/** An in-memory StateStore with Nomad's check-and-set rules. */
final class FakeStateStore implements StateStore {
  private Stored stored;
  private long index = 10;
  int writes;

  @Override
  public synchronized Optional<Stored> load() {
    return Optional.ofNullable(stored);
  }

  @Override
  public synchronized long save(Map<String, String> items, long expectedIndex) {
    long current = stored == null ? 0 : stored.modifyIndex();
    if (current != expectedIndex) {
      throw new CasConflict("cas " + expectedIndex + " but the variable is at " + current, load());
    }
    writes++;
    stored = new Stored(items, ++index);
    return index;
  }

  @Override
  public synchronized void delete(long expectedIndex) {
    if (stored != null && stored.modifyIndex() != expectedIndex) {
      throw new CasConflict("cas mismatch on delete", load());
    }
    stored = null;
  }
}
