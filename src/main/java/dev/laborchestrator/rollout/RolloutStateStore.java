package dev.laborchestrator.rollout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.port.StateStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * The rollout checkpoint in a {@link StateStore} (Nomad Variables): the whole state as JSON in item
 * {@code rollout}, and for people reading the Nomad UI's Variables page one item per host ({@code
 * host.<name>} = state and reason) and {@code status}. Every write is check-and-set against the
 * index this controller last saw.
 *
 * <p>Nomad limits a variable to 64 KiB. A rollout of more than {@value #ONE_VARIABLE} hosts keeps
 * only its header in the main variable (item {@code shards} says how many more there are) and its
 * hosts in shards of {@value #SHARD_SIZE} ({@code <path>/hosts/0}, {@code /1}, ...), each written
 * with check-and-set of its own: a host's transition rewrites its shard only, and hosts in
 * different shards write at the same time.
 */
public final class RolloutStateStore implements Checkpoints {
  static final String ROLLOUT_ITEM = "rollout";
  static final String SHARDS_ITEM = "shards";
  static final String HOSTS_ITEM = "hosts";

  /** Hosts per shard: small, so that the hosts of one shard seldom wait for each other's writes. */
  static final int SHARD_SIZE = 5;

  /** Up to this many hosts, the whole rollout is one variable, as it always was. */
  static final int ONE_VARIABLE = 20;

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final StateStore store;
  private final IntFunction<StateStore> shardStore;
  private long index;

  /** Per shard: its store, the index last seen, and the hosts last written (guarded by it). */
  private final Map<Integer, Shard> shards = new ConcurrentHashMap<>();

  private static final class Shard {
    final StateStore store;
    long index;
    final Map<String, HostCheckpoint> hosts = new LinkedHashMap<>();

    Shard(StateStore store) {
      this.store = store;
    }
  }

  /** A store for rollouts of at most {@value #ONE_VARIABLE} hosts (tests). */
  public RolloutStateStore(StateStore store) {
    this(
        store,
        i -> {
          throw new IllegalStateException("this store keeps no shards");
        });
  }

  /**
   * @param shardStore the store of shard {@code i}, for rollouts of more than {@value
   *     #ONE_VARIABLE} hosts
   */
  public RolloutStateStore(StateStore store, IntFunction<StateStore> shardStore) {
    this.store = store;
    this.shardStore = shardStore;
  }

  /** Reads the stored rollout, remembering its indexes for the next writes. */
  public synchronized Optional<RolloutState> load() {
    Optional<StateStore.Stored> stored = store.load();
    index = stored.map(StateStore.Stored::modifyIndex).orElse(0L);
    shards.clear();
    if (stored.isEmpty()) {
      return Optional.empty();
    }
    RolloutState head = parse(stored.get().items());
    int count = shardCount(stored.get().items());
    if (count == 0) {
      return Optional.of(head);
    }
    List<HostCheckpoint> hosts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Shard shard = shard(i);
      Optional<StateStore.Stored> part = shard.store.load();
      shard.index = part.map(StateStore.Stored::modifyIndex).orElse(0L);
      List<HostCheckpoint> those = part.map(p -> hosts(p.items())).orElse(List.of());
      those.forEach(h -> shard.hosts.put(h.hostname(), h));
      hosts.addAll(those);
    }
    return Optional.of(
        new RolloutState(
            head.rolloutId(),
            head.status(),
            head.targetRevision(),
            head.startedAt(),
            head.updatedAt(),
            hosts,
            head.handoff()));
  }

  /** Writes the whole state: the header and, for a sharded rollout, every shard that changed. */
  @Override
  public void save(RolloutState state) {
    if (!sharded(state)) {
      synchronized (this) {
        index = Patience.DEFAULT.call(() -> store.save(items(state), index));
      }
      return;
    }
    List<HostCheckpoint> all = state.hosts();
    for (int i = 0; i * SHARD_SIZE < all.size(); i++) {
      writeShard(i, all.subList(i * SHARD_SIZE, Math.min(all.size(), (i + 1) * SHARD_SIZE)));
    }
    synchronized (this) {
      index = Patience.DEFAULT.call(() -> store.save(headerItems(state), index));
    }
  }

  /**
   * Writes one host's transition. A sharded rollout rewrites only that host's shard (the header
   * changes with the rollout's status, not with each host); a small one, the whole state.
   */
  @Override
  public void saveHost(RolloutState state, HostCheckpoint host) {
    if (!sharded(state)) {
      save(state);
      return;
    }
    int position = 0;
    while (!state.hosts().get(position).hostname().equals(host.hostname())) {
      position++;
    }
    writeShard(position / SHARD_SIZE, List.of(host));
  }

  @Override
  public boolean writesHostsApart(RolloutState state) {
    return sharded(state);
  }

  private static boolean sharded(RolloutState state) {
    return state.hosts().size() > ONE_VARIABLE;
  }

  /** Puts {@code hosts} into shard {@code i} and writes it if that changed it. */
  private void writeShard(int i, List<HostCheckpoint> hosts) {
    Shard shard = shard(i);
    synchronized (shard) {
      Map<String, HostCheckpoint> before = new LinkedHashMap<>(shard.hosts);
      hosts.forEach(h -> shard.hosts.put(h.hostname(), h));
      if (before.equals(shard.hosts) && shard.index > 0) {
        return;
      }
      Map<String, String> items = shardItems(List.copyOf(shard.hosts.values()));
      shard.index = Patience.DEFAULT.call(() -> shard.store.save(items, shard.index));
    }
  }

  private Shard shard(int i) {
    return shards.computeIfAbsent(i, n -> new Shard(shardStore.apply(n)));
  }

  /** Forgets the stored rollout (for {@code reset}), its shards first. */
  public synchronized void reset() {
    Optional<StateStore.Stored> stored = store.load();
    if (stored.isPresent()) {
      int count = shardCount(stored.get().items());
      for (int i = 0; i < count; i++) {
        StateStore part = shardStore.apply(i);
        part.load().ifPresent(p -> part.delete(p.modifyIndex()));
      }
      store.delete(stored.get().modifyIndex());
    }
    shards.clear();
    index = 0;
  }

  static Map<String, String> items(RolloutState state) {
    Map<String, String> items = new LinkedHashMap<>();
    items.put(ROLLOUT_ITEM, json(state));
    items.put("status", status(state));
    for (HostCheckpoint host : state.hosts()) {
      items.put("host." + host.hostname(), line(host));
    }
    return items;
  }

  private static Map<String, String> headerItems(RolloutState state) {
    Map<String, String> items = new LinkedHashMap<>();
    RolloutState head =
        new RolloutState(
            state.rolloutId(),
            state.status(),
            state.targetRevision(),
            state.startedAt(),
            state.updatedAt(),
            List.of(),
            state.handoff());
    items.put(ROLLOUT_ITEM, json(head));
    items.put("status", status(state) + "; hosts in " + SHARDS_ITEM + " below");
    items.put(SHARDS_ITEM, Integer.toString((state.hosts().size() + SHARD_SIZE - 1) / SHARD_SIZE));
    return items;
  }

  private static Map<String, String> shardItems(List<HostCheckpoint> hosts) {
    Map<String, String> items = new LinkedHashMap<>();
    items.put(HOSTS_ITEM, json(hosts));
    hosts.forEach(h -> items.put("host." + h.hostname(), line(h)));
    return items;
  }

  private static String status(RolloutState state) {
    return state.status()
        + " (rollout "
        + state.rolloutId()
        + ", updated "
        + state.updatedAt()
        + ")";
  }

  private static String line(HostCheckpoint host) {
    return host.state() + (host.reason() == null ? "" : ": " + host.reason());
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the rollout state as JSON", e);
    }
  }

  private static int shardCount(Map<String, String> items) {
    String count = items.get(SHARDS_ITEM);
    try {
      return count == null ? 0 : Integer.parseInt(count);
    } catch (NumberFormatException e) {
      throw new InvalidInputException(
          "the stored rollout state has a broken '" + SHARDS_ITEM + "' item: " + count);
    }
  }

  private static List<HostCheckpoint> hosts(Map<String, String> items) {
    String json = items.get(HOSTS_ITEM);
    try {
      return json == null ? List.of() : List.of(JSON.readValue(json, HostCheckpoint[].class));
    } catch (JsonProcessingException e) {
      throw new InvalidInputException(
          "a shard of the stored rollout state cannot be read ("
              + e.getOriginalMessage()
              + "); inspect it in the Nomad UI, then 'lab-orchestrator reset'",
          e);
    }
  }

  /** Whether stored items are a sharded rollout's header: its hosts are in the shards. */
  public static boolean sharded(Map<String, String> items) {
    return items.containsKey(SHARDS_ITEM);
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
