package dev.laborchestrator.port;

import java.util.Map;
import java.util.Optional;

/**
 * Where the rollout checkpoint lives: a Nomad Variable ({@code nomad/jobs/lab-orchestrator/state})
 * whose items are strings, written with check-and-set so two writers can never silently overwrite
 * each other.
 */
public interface StateStore {
  /** The stored items and the variable's modify index, or empty when there is none. */
  Optional<Stored> load();

  /**
   * Writes {@code items} if the variable's modify index is still {@code expectedIndex} (0: it must
   * not exist yet). Idempotent per index, so the implementation may retry it.
   *
   * @return the new modify index
   * @throws CasConflict when someone else wrote in between
   */
  long save(Map<String, String> items, long expectedIndex);

  /** Deletes the variable if its modify index is still {@code expectedIndex}. */
  void delete(long expectedIndex);

  record Stored(Map<String, String> items, long modifyIndex) {
    public Stored {
      items = Map.copyOf(items);
    }
  }

  /** A check-and-set write lost against another writer; the current value is attached. */
  final class CasConflict extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Optional<Stored> current;

    public CasConflict(String message, Optional<Stored> current) {
      super(message);
      this.current = current;
    }

    public Optional<Stored> current() {
      return current;
    }
  }
}
