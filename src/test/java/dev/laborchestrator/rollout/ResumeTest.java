package dev.laborchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.OrchestratorConfig.IneligibleHosts;
import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.plan.Planner;
import dev.laborchestrator.port.StateStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResumeTest {
  private static final RolloutSettings SETTINGS = Fixtures.settings();

  private static HostSpec host(String name, int order) {
    return Fixtures.host(name, order);
  }

  /** Stores the checkpoint, then dies: the process was killed right after writing it. */
  private static final class CrashAfter implements Checkpoints {
    private final RolloutStateStore store;
    private final int crashAt;
    private int saves;
    boolean crashed;

    CrashAfter(RolloutStateStore store, int crashAt) {
      this.store = store;
      this.crashAt = crashAt;
    }

    @Override
    public void save(RolloutState state) {
      store.save(state);
      if (++saves == crashAt) {
        crashed = true;
        throw new IllegalStateException("killed");
      }
    }
  }

  private static long count(List<String> calls, String prefix) {
    return calls.stream().filter(c -> c.startsWith(prefix)).count();
  }

  @Test
  void aCrashAfterAnyCheckpointResumesWithoutASecondDrainOrReboot() throws Exception {
    int crashes = 0;
    for (int crashAt = 2; ; crashAt++) {
      FakeLab lab = new FakeLab();
      lab.add("a");
      lab.add("b");
      List<HostSpec> hosts = List.of(host("a", 1), host("b", 2));
      Plan plan =
          Planner.plan(hosts, lab.listNodes(), new Planner.Options(1, IneligibleHosts.SKIP));
      FakeStateStore variables = new FakeStateStore();
      RolloutStateStore store = new RolloutStateStore(variables);
      Ports ports = new Ports(lab, lab, lab, lab.clock);
      List<String> seen = new ArrayList<>();
      RolloutListener listener = (h, from, to, a, b, detail) -> seen.add(h + " " + to);

      CrashAfter crashing = new CrashAfter(store, crashAt);
      try {
        new RolloutEngine(ports, SETTINGS, listener, crashing).run(plan, "r-1");
      } catch (IllegalStateException e) {
        assertThat(e).hasMessage("killed");
      }
      if (!crashing.crashed) {
        break; // crashAt is past the last checkpoint: every one has been crashed after
      }
      crashes++;
      RolloutState saved = new RolloutStateStore(variables).load().orElseThrow();
      if (saved.status() == RolloutState.Status.DONE) {
        continue; // killed after its very last write: nothing left to resume
      }
      assertThat(saved.status()).isEqualTo(RolloutState.Status.RUNNING);

      // The next run re-plans against the cluster as it is now, and resumes.
      Plan again =
          Planner.plan(hosts, lab.listNodes(), new Planner.Options(1, IneligibleHosts.SKIP));
      RolloutStateStore resumed = new RolloutStateStore(variables);
      RolloutState state = resumed.load().orElseThrow();
      RolloutResult second =
          new RolloutEngine(ports, SETTINGS, listener, resumed).run(again, "r-1", state);

      assertThat(second.succeeded()).as("crash after checkpoint %d: %s", crashAt, seen).isTrue();
      assertThat(count(lab.calls, "drain id-a")).as("drains of a, crash %d", crashAt).isEqualTo(1);
      assertThat(count(lab.calls, "drain id-b")).as("drains of b, crash %d", crashAt).isEqualTo(1);
      assertThat(count(lab.calls, "reboot a")).as("reboots of a, crash %d", crashAt).isEqualTo(1);
      assertThat(count(lab.calls, "reboot b")).as("reboots of b, crash %d", crashAt).isEqualTo(1);
      assertThat(lab.eligibility()).containsEntry("a", "eligible").containsEntry("b", "eligible");
      assertThat(resumed.load().orElseThrow().status()).isEqualTo(RolloutState.Status.DONE);
    }
    // the rollout's first write, the four checkpointed transitions of each of two hosts
    // (DRAINING, REBUILDING, VERIFYING, DONE: HostState#persisted), and the last write
    assertThat(crashes).isEqualTo(9);
  }

  @Test
  void theTimeTheControllerWasDownIsNotHeldAgainstAHostResumedInVerifying() throws Exception {
    FakeLab lab = new FakeLab();
    lab.add("a");
    List<HostSpec> hosts = List.of(host("a", 1));
    Plan plan = Planner.plan(hosts, lab.listNodes(), new Planner.Options(1, IneligibleHosts.SKIP));
    FakeStateStore variables = new FakeStateStore();
    Ports ports = new Ports(lab, lab, lab, lab.clock);
    List<String> seen = new ArrayList<>();
    RolloutListener listener = (h, from, to, a, b, detail) -> seen.add(h + " " + to);
    // the rollout's first write, then DRAINING, REBUILDING, VERIFYING: killed right after the last
    CrashAfter crashing = new CrashAfter(new RolloutStateStore(variables), 4);
    try {
      new RolloutEngine(ports, SETTINGS, listener, crashing).run(plan, "r-1");
    } catch (IllegalStateException e) {
      assertThat(e).hasMessage("killed");
    }
    assertThat(crashing.crashed).as("%s", seen).isTrue();
    RolloutState saved = new RolloutStateStore(variables).load().orElseThrow();
    assertThat(saved.host("a").orElseThrow().state()).isEqualTo(HostState.VERIFYING);

    // The controller stays down longer than the whole health timeout; the host is healthy.
    lab.clock.sleep(SETTINGS.healthTimeout().plusMinutes(5));
    RolloutStateStore resumed = new RolloutStateStore(variables);
    RolloutResult second =
        new RolloutEngine(ports, SETTINGS, listener, resumed)
            .run(
                Planner.plan(hosts, lab.listNodes(), new Planner.Options(1, IneligibleHosts.SKIP)),
                "r-1",
                resumed.load().orElseThrow());

    assertThat(second.succeeded()).as("%s", seen).isTrue();
    assertThat(count(lab.calls, "reboot a")).isEqualTo(1);
    assertThat(lab.node("a").eligibility).isEqualTo("eligible");
  }

  @Test
  void aFailedHostIsRetriedFromTheStateItFailedIn() throws Exception {
    FakeLab lab = new FakeLab();
    lab.add("a").checkStaysCritical = true;
    List<HostSpec> hosts = List.of(host("a", 1));
    Plan plan = Planner.plan(hosts, lab.listNodes(), new Planner.Options(1, IneligibleHosts.SKIP));
    FakeStateStore variables = new FakeStateStore();
    RolloutStateStore store = new RolloutStateStore(variables);
    Ports ports = new Ports(lab, lab, lab, lab.clock);
    RolloutResult first =
        new RolloutEngine(ports, SETTINGS, (h, f, t, a, b, d) -> {}, store).run(plan, "r-1");
    assertThat(first.succeeded()).isFalse();
    RolloutState failed = new RolloutStateStore(variables).load().orElseThrow();
    assertThat(failed.status()).isEqualTo(RolloutState.Status.FAILED);
    assertThat(failed.failed())
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.failedIn()).isEqualTo(HostState.VERIFYING);
              assertThat(h.eligibleBefore()).isTrue();
            });

    lab.node("a").checkStaysCritical = false;
    lab.node("a").setChecks("passing");
    Plan again = Planner.plan(hosts, lab.listNodes(), new Planner.Options(1, IneligibleHosts.SKIP));
    RolloutStateStore resumed = new RolloutStateStore(variables);
    RolloutResult second =
        new RolloutEngine(ports, SETTINGS, (h, f, t, a, b, d) -> {}, resumed)
            .run(again, "r-1", resumed.load().orElseThrow());

    assertThat(second.succeeded()).isTrue();
    assertThat(count(lab.calls, "reboot a")).isEqualTo(1);
    assertThat(lab.node("a").eligibility).isEqualTo("eligible");
    // only a finished host gives the next rollout its time out of service
    assertThat(failed.timesOutOfService()).isEmpty();
    assertThat(new RolloutStateStore(variables).load().orElseThrow().timesOutOfService())
        .containsOnlyKeys("a");
  }

  @Test
  void theTimeOutOfServiceRecordedForTheNextRolloutLeavesOutTheTimeInService() throws Exception {
    FakeLab lab = new FakeLab();
    lab.add("a");
    // a reboot delay of 30 s: spent in PREPARING, the host still in service
    List<HostSpec> hosts = List.of(Fixtures.host("a", 1, 30, "medium"));
    FakeStateStore variables = new FakeStateStore();
    new RolloutEngine(
            new Ports(lab, lab, lab, lab.clock),
            SETTINGS,
            (h, f, t, a, b, d) -> {},
            new RolloutStateStore(variables))
        .run(
            Planner.plan(hosts, lab.listNodes(), new Planner.Options(1, IneligibleHosts.SKIP)),
            "r-1");

    HostCheckpoint a = new RolloutStateStore(variables).load().orElseThrow().host("a").get();
    java.time.Duration preparing = a.timeIn().get(HostState.PREPARING);
    assertThat(preparing).isGreaterThanOrEqualTo(java.time.Duration.ofSeconds(30));
    java.time.Duration all =
        a.timeIn().values().stream().reduce(java.time.Duration.ZERO, java.time.Duration::plus);
    assertThat(new RolloutStateStore(variables).load().orElseThrow().timesOutOfService())
        .containsEntry("a", all.minus(preparing));
  }

  @Test
  void theStateIsReadableInTheNomadUiAndWrittenWithCheckAndSet() throws Exception {
    FakeLab lab = new FakeLab();
    lab.add("a");
    FakeStateStore variables = new FakeStateStore();
    Plan plan =
        Planner.plan(
            List.of(host("a", 1)), lab.listNodes(), new Planner.Options(1, IneligibleHosts.SKIP));
    new RolloutEngine(
            new Ports(lab, lab, lab, lab.clock),
            SETTINGS,
            (h, f, t, a, b, d) -> {},
            new RolloutStateStore(variables))
        .run(plan, "r-7");

    Map<String, String> items = variables.load().orElseThrow().items();
    assertThat(items).containsEntry("host.a", "DONE").containsKey("rollout");
    assertThat(items.get("status")).startsWith("DONE (rollout r-7");
    // start; DRAINING, REBUILDING, VERIFYING, DONE (HostState#persisted); the end
    assertThat(variables.writes).isEqualTo(6);

    RolloutStateStore stale = new RolloutStateStore(variables);
    assertThatThrownBy(() -> stale.save(RolloutStateStore.parse(items)))
        .isInstanceOf(StateStore.CasConflict.class);
  }
}
