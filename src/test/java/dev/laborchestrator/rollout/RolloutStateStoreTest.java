package dev.laborchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
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
  private final Map<Integer, FakeStateStore> shards = new HashMap<>();
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
        .containsEntry(RolloutStateStore.SHARDS_ITEM, "3")
        .doesNotContainKey("host.host-0");
    assertThat(shards).containsOnlyKeys(0, 1, 2);
    assertThat(shards.get(2).load().orElseThrow().items()).containsKey("host.host-44");

    HostCheckpoint moved = state.hosts().get(30).with(p -> p.state = HostState.DRAINING);
    RolloutState next = state.with(moved, T0.plusSeconds(1));
    int mainWrites = main.writes;
    int[] before = {shards.get(0).writes, shards.get(1).writes, shards.get(2).writes};
    store.saveHost(next, moved);

    assertThat(main.writes).as("the header is not rewritten for a host").isEqualTo(mainWrites);
    assertThat(shards.get(1).writes).as("host-30's shard").isEqualTo(before[1] + 1);
    assertThat(shards.get(0).writes).isEqualTo(before[0]);
    assertThat(shards.get(2).writes).isEqualTo(before[2]);

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
