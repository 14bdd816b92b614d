package dev.laborchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Nomad limits a variable to 64 KiB, so a rollout of many hosts keeps them in shards. The sim
 * enforces that limit (the bench found a 150-host rollout failing on it).
 */
class RolloutStateStoreTest {
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

  private final FakeStateStore main = new FakeStateStore();
  private final Map<Integer, FakeStateStore> shards = new java.util.TreeMap<>();
  private final RolloutStateStore store =
      new RolloutStateStore(main, i -> shards.computeIfAbsent(i, n -> new FakeStateStore()));

  private static RolloutState rollout(int hosts) {
    List<HostCheckpoint> list = new ArrayList<>();
    for (int i = 0; i < hosts; i++) {
      list.add(HostCheckpoint.pending("host-" + i, "node-" + i, true, T0));
    }
    return new RolloutState("r-1", RolloutState.Status.RUNNING, "rev-2", T0, T0, list);
  }

  @Test
  void aLargeRolloutKeepsItsHostsInShardsAndReadsBackWhole() {
    RolloutState state = rollout(45);
    store.save(state);

    assertThat(main.load().orElseThrow().items())
        .containsEntry(RolloutStateStore.SHARDS_ITEM, "9") // 45 hosts, 5 a shard
        .doesNotContainKey("host.host-0");
    assertThat(shards).containsOnlyKeys(0, 1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(shards.get(8).load().orElseThrow().items()).containsKey("host.host-44");

    HostCheckpoint moved = state.hosts().get(30).with(p -> p.state = HostState.DRAINING);
    RolloutState next = state.with(moved, T0.plusSeconds(1));
    int mainWrites = main.writes;
    int[] before = shards.values().stream().mapToInt(s -> s.writes).toArray();
    store.saveHost(next, moved);

    assertThat(main.writes).as("the header is not rewritten for a host").isEqualTo(mainWrites);
    int[] after = shards.values().stream().mapToInt(s -> s.writes).toArray();
    for (int i = 0; i < after.length; i++) {
      assertThat(after[i])
          .as("shard %d (host-30 is in shard 6)", i)
          .isEqualTo(before[i] + (i == 6 ? 1 : 0));
    }

    RolloutState loaded = new RolloutStateStore(main, shards::get).load().orElseThrow();
    assertThat(loaded.hosts()).hasSize(45);
    assertThat(loaded.host("host-30").orElseThrow().state()).isEqualTo(HostState.DRAINING);
    assertThat(loaded.rolloutId()).isEqualTo("r-1");
  }

  @Test
  void aSmallRolloutIsOneVariableAndResetRemovesTheShardsToo() {
    store.save(rollout(3));
    assertThat(main.load().orElseThrow().items()).containsKey("host.host-2");
    assertThat(shards).isEmpty();

    RolloutStateStore large =
        new RolloutStateStore(main, i -> shards.computeIfAbsent(i, n -> new FakeStateStore()));
    large.reset();
    large.save(rollout(21));
    large.reset();
    assertThat(main.load()).isEmpty();
    assertThat(shards.values()).allMatch(s -> s.load().isEmpty());
  }
}
