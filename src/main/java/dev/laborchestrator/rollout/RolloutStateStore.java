package dev.laborchestrator.rollout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.port.StateStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The rollout checkpoint in a {@link StateStore} (Nomad Variables): the whole state as JSON in item
 * {@code rollout}, and for people reading the Nomad UI's Variables page one item per host ({@code
 * host.<name>} = state and reason) and {@code status}. Every write is check-and-set against the
 * index this controller last saw.
 */
public final class RolloutStateStore implements Checkpoints {
  static final String ROLLOUT_ITEM = "rollout";
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final StateStore store;
  private long index;

  public RolloutStateStore(StateStore store) {
    this.store = store;
  }

  /** Reads the stored rollout, remembering its index for the next write. */
  public synchronized Optional<RolloutState> load() {
    Optional<StateStore.Stored> stored = store.load();
    index = stored.map(StateStore.Stored::modifyIndex).orElse(0L);
    return stored.map(s -> parse(s.items()));
  }

  @Override
  public synchronized void save(RolloutState state) {
    index = Patience.DEFAULT.call(() -> store.save(items(state), index));
  }

  /** Forgets the stored rollout (for {@code reset}). */
  public synchronized void reset() {
    Optional<StateStore.Stored> stored = store.load();
    if (stored.isPresent()) {
      store.delete(stored.get().modifyIndex());
    }
    index = 0;
  }

  static Map<String, String> items(RolloutState state) {
    Map<String, String> items = new LinkedHashMap<>();
    try {
      items.put(ROLLOUT_ITEM, JSON.writeValueAsString(state));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the rollout state as JSON", e);
    }
    items.put(
        "status",
        state.status() + " (rollout " + state.rolloutId() + ", updated " + state.updatedAt() + ")");
    for (HostCheckpoint host : state.hosts()) {
      items.put(
          "host." + host.hostname(),
          host.state() + (host.reason() == null ? "" : ": " + host.reason()));
    }
    return items;
  }

  /** The rollout in a stored variable's items, as {@link #load} reads it. */
  public static RolloutState fromItems(Map<String, String> items) {
    return parse(items);
  }

  static RolloutState parse(Map<String, String> items) {
    String json = items.get(ROLLOUT_ITEM);
    if (json == null) {
      throw new InvalidInputException(
          "the stored rollout state has no '"
              + ROLLOUT_ITEM
              + "' item: it was not written by lab-orchestrator; remove it with 'lab-orchestrator reset'");
    }
    try {
      return JSON.readValue(json, RolloutState.class);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException(
          "the stored rollout state cannot be read ("
              + e.getOriginalMessage()
              + "); inspect it in the Nomad UI, then 'lab-orchestrator reset'",
          e);
    }
  }
}
