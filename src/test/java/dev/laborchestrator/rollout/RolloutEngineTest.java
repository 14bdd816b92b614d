package dev.laborchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.OrchestratorConfig.IneligibleHosts;
import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.plan.Planner;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutEngineTest {
  private final FakeLab lab = new FakeLab();
  private final List<String> transitions = Collections.synchronizedList(new ArrayList<>());
  private final List<Instant> transitionTimes = Collections.synchronizedList(new ArrayList<>());
  private RolloutSettings settings = settings(true, "rev-new");

  private static RolloutSettings settings(boolean ignoreSystemJobs, String revision) {
    return Fixtures.settings(ignoreSystemJobs, revision, false, false);
  }

  private static HostSpec host(String name, int order, String... deps) {
    return Fixtures.host(name, order, deps);
  }

  private static HostSpec host(
      String name, int order, int delay, String criticality, String... deps) {
    return Fixtures.host(name, order, delay, criticality, deps);
  }

  private RolloutResult run(IneligibleHosts ineligible, HostSpec... hosts)
      throws InterruptedException {
    return run(1, ineligible, hosts);
  }

  private RolloutResult run(int maxParallel, IneligibleHosts ineligible, HostSpec... hosts)
      throws InterruptedException {
    return run(maxParallel, ineligible, Plan.Limits.NONE, hosts);
  }

  private RolloutResult run(
      int maxParallel, IneligibleHosts ineligible, Plan.Limits limits, HostSpec... hosts)
      throws InterruptedException {
    for (HostSpec host : hosts) {
      if (lab.node(host.hostname()) == null) {
        lab.add(host.hostname());
      }
    }
    Plan plan =
        Planner.plan(
            List.of(hosts),
            lab.listNodes(),
            new Planner.Options(
                maxParallel,
                ineligible,
                null,
                java.util.Set.of(),
                java.util.Set.of(),
                java.util.Set.of(),
                List.of(),
                limits,
                null));
    RolloutListener listener =
        (host, from, to, inPrevious, since, detail) -> {
          transitions.add(host + " " + to);
          transitionTimes.add(lab.clock.now());
        };
    return new RolloutEngine(new Ports(lab, lab, lab, lab.clock), settings, listener)
        .run(plan, "r-test");
  }

  private RolloutResult run(HostSpec... hosts) throws InterruptedException {
    return run(IneligibleHosts.SKIP, hosts);
  }

  @Test
  void takesAHostThroughEveryStateAndReEnablesItOnlyWhenHealthy() throws Exception {
    RolloutResult result = run(host("web-1", 1));

    assertThat(result.succeeded()).isTrue();
    assertThat(transitions)
        .containsExactly(
            "web-1 PREPARING",
            "web-1 DRAINING",
            "web-1 REBUILDING",
            "web-1 REBOOTING",
            "web-1 RETURNING",
            "web-1 VERIFYING",
            "web-1 ENABLING",
            "web-1 DONE");
    FakeLab.Node node = lab.node("web-1");
    assertThat(node.eligibility).isEqualTo("eligible");
    Instant checksPassed = node.triggeredAt.plus(lab.comesBackAfter).plus(lab.checksPassAfter);
    assertThat(node.eligibleAt).isAfterOrEqualTo(checksPassed.plus(settings.stableFor()));
    assertThat(lab.calls)
        .containsSubsequence("drain id-web-1", "reboot web-1", "eligibility id-web-1 true");
    assertThat(node.lastDrain.meta()).containsEntry(HostRun.ROLLOUT_META, "r-test");
  }

  @Test
  void doesNotRebootWhileSystemAllocationsTheDrainCoversAreStillRunning() throws Exception {
    settings = settings(false, "rev-new");
    run(host("web-1", 1));

    FakeLab.Node node = lab.node("web-1");
    Instant drainCleared = Instant.parse("2026-11-22T03:00:00Z").plus(lab.drainTakes);
    // DrainStrategy was gone at drainCleared, but the system allocation ran until 8s later.
    assertThat(node.triggeredAt)
        .isAfterOrEqualTo(drainCleared.plus(lab.systemAllocsStopAfterDrain));
  }

  @Test
  void failsWithoutRebootingWhenACoveredAllocationNeverStops() throws Exception {
    lab.add("web-1").allocStuck = true;
    RolloutResult result = run(host("web-1", 1));

    assertThat(result.succeeded()).isFalse();
    assertThat(result.hosts().get(0).reason()).contains("drain not complete after 2h");
    assertThat(lab.calls).noneMatch(c -> c.startsWith("reboot"));
    assertThat(lab.node("web-1").eligibility).isEqualTo("ineligible");
  }

  @Test
  void aHostThatNeverReturnsFailsAndLaterHostsAreUntouched() throws Exception {
    lab.add("a").neverReturns = true;
    RolloutResult result = run(host("a", 1), host("b", 2));

    assertThat(result.hosts())
        .extracting(HostReport::state)
        .containsExactly(HostState.FAILED, HostState.PENDING);
    assertThat(result.hosts().get(0).reason()).contains("did not return to ready within 20m");
    assertThat(lab.calls)
        .noneMatch(
            c ->
                c.equals("drain id-b") || c.equals("reboot b") || c.startsWith("eligibility id-b"));
    assertThat(lab.node("a").eligibility).isEqualTo("ineligible");
    assertThat(lab.node("b").eligibility).isEqualTo("eligible");
  }

  @Test
  void neverEnablesANodeWhileACheckStaysCritical() throws Exception {
    lab.add("web-1").checkStaysCritical = true;
    RolloutResult result = run(host("web-1", 1));

    assertThat(result.hosts().get(0).state()).isEqualTo(HostState.FAILED);
    assertThat(result.hosts().get(0).reason())
        .contains("not passing after 15m")
        .contains("http critical");
    assertThat(lab.calls).noneMatch(c -> c.startsWith("eligibility"));
  }

  @Test
  void leavesANodeThatAnOperatorHadMadeIneligibleIneligible() throws Exception {
    lab.add("web-1").eligibility = "ineligible";
    RolloutResult result = run(IneligibleHosts.UPDATE, host("web-1", 1));

    assertThat(result.succeeded()).isTrue();
    assertThat(lab.calls).contains("reboot web-1").noneMatch(c -> c.startsWith("eligibility"));
    assertThat(lab.node("web-1").eligibility).isEqualTo("ineligible");
  }

  @Test
  void skipsAnOperatorIneligibleNodeByDefault() throws Exception {
    lab.add("web-1").eligibility = "ineligible";
    RolloutResult result = run(host("web-1", 1));

    assertThat(result.hosts().get(0).state()).isEqualTo(HostState.SKIPPED);
    assertThat(lab.calls).containsExactly("listNodes");
  }

  @Test
  void aRebootThatDidNotHappenIsNotCountedAsOne() throws Exception {
    lab.add("web-1").fakeReboot = true;
    RolloutResult result = run(host("web-1", 1));

    assertThat(result.hosts().get(0).state()).isEqualTo(HostState.FAILED);
    assertThat(result.hosts().get(0).reason())
        .contains("no reboot seen within 20m")
        .contains("lab.boot-id did not change");
    assertThat(lab.calls).noneMatch(c -> c.startsWith("eligibility"));
  }

  @Test
  void failsVerificationOnTheWrongRevisionNamingBoth() throws Exception {
    lab.add("web-1").returnsOnRevision = "rev-other";
    RolloutResult result = run(host("web-1", 1));

    assertThat(result.hosts().get(0).reason()).contains("rev-other").contains("expected rev-new");
    assertThat(lab.node("web-1").eligibility).isEqualTo("ineligible");
  }

  @Test
  void requiresChecksToPassContinuouslyForStableFor() throws Exception {
    lab.add("web-1");
    lab.checksPassAfter = Duration.ofSeconds(20);
    // The check flaps to critical 10s after first passing, then passes again 5s later.
    FakeLab.Node node = lab.node("web-1");
    RolloutListener flapper = (h, from, to, a, b, d) -> {};
    HostSpec spec = host("web-1", 1);
    Plan plan =
        Planner.plan(List.of(spec), lab.listNodes(), new Planner.Options(1, IneligibleHosts.SKIP));
    RolloutEngine engine =
        new RolloutEngine(
            new Ports(
                lab,
                lab,
                new dev.laborchestrator.port.HostExecutor() {
                  @Override
                  public void rebuildAndReboot(dev.laborchestrator.port.HostTarget target)
                      throws ExecutorException {
                    lab.rebuildAndReboot(target);
                    Duration passed = lab.comesBackAfter.plus(lab.checksPassAfter);
                    lab.at(passed.plusSeconds(10), () -> node.setChecks("critical"));
                    lab.at(passed.plusSeconds(15), () -> node.setChecks("passing"));
                  }
                },
                lab.clock),
            settings,
            flapper);
    engine.run(plan, "r-flap");

    Instant lastPass =
        node.triggeredAt.plus(lab.comesBackAfter).plus(lab.checksPassAfter).plusSeconds(15);
    assertThat(node.eligibleAt).isAfterOrEqualTo(lastPass.plus(settings.stableFor()));
  }

  @Test
  void waitsTheHostsRebootDelayBeforeDraining() throws Exception {
    Instant start = lab.clock.now();
    run(host("web-1", 1, 600, "medium"));

    int draining = transitions.indexOf("web-1 DRAINING");
    assertThat(Duration.between(start, transitionTimes.get(draining)))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(600));
  }

  @Test
  void ridesOutTransientApiFailuresDuringWaits() throws Exception {
    lab.add("web-1");
    lab.transientFailuresLeft = 0;
    lab.at(Duration.ofSeconds(1), () -> lab.transientFailuresLeft = 3);
    RolloutResult result = run(host("web-1", 1));

    assertThat(lab.transientFailuresLeft).as("all injected failures were hit").isZero();
    assertThat(result.succeeded()).isTrue();
  }

  @Test
  void anExecutorFailureLeavesTheNodeDrainedAndStopsTheRollout() throws Exception {
    lab.add("a");
    lab.add("b");
    Plan plan =
        Planner.plan(
            List.of(host("a", 1), host("b", 1)),
            lab.listNodes(),
            new Planner.Options(1, IneligibleHosts.SKIP));
    dev.laborchestrator.port.HostExecutor failing =
        target -> {
          throw new dev.laborchestrator.port.HostExecutor.ExecutorException(
              "exit 3: no route to host");
        };
    RolloutResult result =
        new RolloutEngine(
                new Ports(lab, lab, failing, lab.clock), settings, (h, f, t, a, b, d) -> {})
            .run(plan, "r-x");

    assertThat(result.hosts())
        .extracting(HostReport::state)
        .containsExactly(HostState.FAILED, HostState.PENDING);
    assertThat(result.hosts().get(0).reason())
        .contains("could not be triggered")
        .contains("no route to host");
    assertThat(lab.node("a").eligibility).isEqualTo("ineligible");
    assertThat(lab.node("b").lastDrain).isNull();
  }

  @Test
  void refusesToTouchANodeThatIsDownBeforeItsTurn() throws Exception {
    lab.add("web-1").status = "down";
    lab.node("web-1").eligibility = "eligible";
    RolloutResult result = run(host("web-1", 1));

    assertThat(result.hosts().get(0).reason()).contains("is down before its rollout started");
    assertThat(lab.calls).noneMatch(c -> c.startsWith("drain"));
  }

  @Test
  void hostsRunInPlanOrderAcrossWavesAndDependencies() throws Exception {
    run(
        host("db", 1),
        host("app", 2, "cache"),
        host("cache", 2),
        host("web", 3, "app"),
        host("api", 2, "db"));

    List<String> done = transitions.stream().filter(t -> t.endsWith(" DONE")).toList();
    // api's dependency is in an earlier wave; app waits for cache in its own wave.
    assertThat(done).containsExactly("db DONE", "api DONE", "cache DONE", "app DONE", "web DONE");
    assertThat(lab.clock.since(Instant.parse("2026-11-22T03:00:00Z"))).isPositive();
  }

  @Test
  void aRevisionInTheInventoryWinsOverTheConfiguredOne() throws Exception {
    HostSpec base = host("web-1", 1);
    HostSpec pinned =
        new HostSpec(
            base.hostname(),
            base.role(),
            base.groups(),
            base.rebootOrder(),
            base.dependencies(),
            base.healthChecks(),
            base.orchestration(),
            base.services(),
            "rev-from-flake");
    RolloutResult result = run(pinned);

    assertThat(result.hosts().get(0).reason())
        .contains("returned on NixOS revision rev-new, expected rev-from-flake");
  }

  @Test
  void twoSlotsTakeTwoIndependentHostsOutTogether() throws Exception {
    lab.rendezvous = 2;
    RolloutResult result = run(2, IneligibleHosts.SKIP, host("a", 1), host("b", 1));

    assertThat(lab.maxOutOfService).as("hosts out of service at the same time").isEqualTo(2);
    assertThat(lab.missedRendezvous).as("drains that waited in vain for a second host").isZero();
    assertThat(result.succeeded()).isTrue();
  }

  @Test
  void neverHasMoreHostsOutThanMaxParallel() throws Exception {
    lab.rendezvous = 2;
    RolloutResult result =
        run(
            2,
            IneligibleHosts.SKIP,
            host("a", 1),
            host("b", 1),
            host("c", 1),
            host("d", 1),
            host("e", 1));

    assertThat(lab.maxOutOfService).as("hosts out of service at the same time").isEqualTo(2);
    assertThat(lab.missedRendezvous).isZero();
    assertThat(result.succeeded()).isTrue();
    assertThat(lab.eligibility())
        .containsOnlyKeys("a", "b", "c", "d", "e")
        .doesNotContainValue("ineligible");
  }

  @Test
  void aDependencyHoldsAHostBackWhileAFreeSlotTakesAnother() throws Exception {
    lab.rendezvous = 2;
    RolloutResult result =
        run(2, IneligibleHosts.SKIP, host("a", 1), host("b", 1, "a"), host("c", 1));

    assertThat(lab.node("b").drainedAt)
        .as("b is drained only once its dependency a is back in service")
        .isAfterOrEqualTo(lab.node("a").eligibleAt);
    assertThat(lab.node("c").drainedAt)
        .as("c takes the second slot while a is out")
        .isBefore(lab.node("a").eligibleAt);
    assertThat(lab.maxOutOfService).isEqualTo(2);
    assertThat(lab.missedRendezvous).isZero();
    assertThat(result.succeeded()).isTrue();
  }

  @Test
  void theNextHostIsDrainedTheInstantASlotFrees() throws Exception {
    RolloutResult result = run(1, IneligibleHosts.SKIP, host("a", 1), host("b", 1), host("c", 1));

    assertThat(result.succeeded()).isTrue();
    // On the scripted clock nothing passes between a host's re-enabling and the next drain unless
    // the engine waits on a timer instead of on the host finishing.
    assertThat(lab.node("b").drainedAt).isEqualTo(lab.node("a").eligibleAt);
    assertThat(lab.node("c").drainedAt).isEqualTo(lab.node("b").eligibleAt);
  }

  @Test
  void withOverlappingWavesTheNextWaveTakesASlotTheEarlierOneNoLongerNeeds() throws Exception {
    lab.rendezvous = 2;
    // wave 1 has three hosts for two slots; the second round has a slot to spare
    RolloutResult result =
        run(
            2,
            IneligibleHosts.SKIP,
            new Plan.Limits(0, 0, true),
            host("a", 1),
            host("b", 1),
            host("c", 1),
            host("d", 2),
            host("e", 2, "a"));

    assertThat(result.succeeded()).isTrue();
    assertThat(lab.node("d").drainedAt)
        .as("d takes a free slot while c of the earlier wave is still out")
        .isBefore(lab.node("c").eligibleAt);
    assertThat(lab.node("d").drainedAt)
        .as("not before every host of wave 1 has started")
        .isAfterOrEqualTo(lab.node("c").drainedAt);
    assertThat(lab.node("e").drainedAt)
        .as("e still waits for its dependency a")
        .isAfterOrEqualTo(lab.node("a").eligibleAt);
    assertThat(lab.maxOutOfService).isEqualTo(2);
  }

  @Test
  void withoutOverlapTheNextWaveWaitsForTheWholeEarlierOne() throws Exception {
    lab.rendezvous = 2;
    RolloutResult result =
        run(2, IneligibleHosts.SKIP, host("a", 1), host("b", 1), host("c", 1), host("d", 2));

    assertThat(result.succeeded()).isTrue();
    assertThat(lab.node("d").drainedAt).isAfterOrEqualTo(lab.node("c").eligibleAt);
  }

  // ---- issue 9: build before the drain, reboot only when needed ----

  private static RolloutSettings buildSettings(
      boolean whenNeeded, boolean drainOnSwitch, Integer ahead) {
    RolloutSettings s = Fixtures.settings();
    return new RolloutSettings(
        s.drainDeadline(),
        s.ignoreSystemJobs(),
        s.drainTimeout(),
        s.rebootTimeout(),
        s.healthTimeout(),
        s.stableFor(),
        s.expectRevision(),
        s.maxWait(),
        s.minPoll(),
        s.maintenance(),
        s.rollback(),
        s.triggerTimeout(),
        whenNeeded,
        drainOnSwitch,
        ahead,
        java.util.Set.of());
  }

  private int call(String call) {
    int at = lab.calls.indexOf(call);
    assertThat(at).as("index of the call " + call).isNotNegative();
    return at;
  }

  @Test
  void buildsEachHostBeforeItsDrainAndBootsExactlyWhatWasBuilt() throws Exception {
    lab.buildsAhead = true;
    lab.buildHoldMillis = 200; // long enough in real time for a drain that does not wait to show
    settings = buildSettings(false, true, null);
    RolloutResult result = run(host("a", 1), host("b", 2), host("c", 3));

    assertThat(result.succeeded()).isTrue();
    assertThat(lab.drainedWhileBuilding).isEmpty();
    assertThat(lab.calls).filteredOn(c -> c.startsWith("build ")).hasSize(3);
    for (String h : List.of("a", "b", "c")) {
      assertThat(call("build " + h)).isLessThan(call("drain id-" + h));
      assertThat(call("drain id-" + h))
          .isLessThan(call("boot " + h + " /nix/store/0abc-nixos-system-" + h));
      assertThat(transitions.indexOf(h + " BUILDING"))
          .isLessThan(transitions.indexOf(h + " PREPARING"));
    }
    assertThat(lab.calls).noneMatch(c -> c.startsWith("reboot ") || c.startsWith("switch "));
    // Built ahead: b and c were built before a was even drained (maxParallel 1 + 2 ahead).
    assertThat(call("build c")).isLessThan(call("eligibility id-a true"));
  }

  @Test
  void buildsNoFurtherAheadThanPrebuildAhead() throws Exception {
    lab.buildsAhead = true;
    settings = buildSettings(false, true, 1);
    RolloutResult result = run(host("a", 1), host("b", 2), host("c", 3));

    assertThat(result.succeeded()).isTrue();
    // One ahead: c's build waits until b has started, which is after a is done.
    assertThat(call("build c")).isGreaterThan(call("eligibility id-a true"));
  }

  @Test
  void aHostWhoseKernelDidNotChangeIsSwitchedNotRebooted() throws Exception {
    lab.buildsAhead = true;
    settings = buildSettings(true, true, null);
    lab.add("a").kernelChanges = true;
    lab.add("b").kernelChanges = false;
    RolloutResult result = run(host("a", 1), host("b", 2));

    assertThat(result.succeeded()).isTrue();
    assertThat(lab.calls).anyMatch(c -> c.startsWith("boot a "));
    assertThat(call("drain id-b")).isLessThan(call("switch b /nix/store/0abc-nixos-system-b"));
    assertThat(lab.calls).noneMatch(c -> c.startsWith("boot b ") || c.startsWith("reboot b"));
    assertThat(lab.node("b").bootId).isEqualTo("boot-1");
    assertThat(lab.node("b").revision).isEqualTo("rev-new");
    assertThat(lab.node("b").eligibility).isEqualTo("eligible");
    assertThat(transitions).contains("b SWITCHING").doesNotContain("b REBOOTING");
    assertThat(result.hosts().get(1).switched()).isTrue();
    assertThat(result.hosts().get(0).switched()).isFalse();
  }

  @Test
  void withDrainOnSwitchOffASwitchedHostIsNeverDrained() throws Exception {
    lab.buildsAhead = true;
    settings = buildSettings(true, false, null);
    lab.add("a").kernelChanges = false;
    RolloutResult result = run(host("a", 1));

    assertThat(result.succeeded()).isTrue();
    assertThat(lab.calls).contains("switch a /nix/store/0abc-nixos-system-a");
    assertThat(lab.calls).noneMatch(c -> c.startsWith("drain "));
    assertThat(transitions).doesNotContain("a DRAINING");
  }

  @Test
  void aFailedBuildFailsItsHostWithNothingDrainedAndHaltsTheRollout() throws Exception {
    lab.buildsAhead = true;
    settings = buildSettings(false, true, null);
    lab.add("a");
    lab.add("b").buildFails = true;
    lab.add("c");
    RolloutResult result = run(host("a", 1), host("b", 2), host("c", 3));

    assertThat(result.succeeded()).isFalse();
    HostReport b = result.hosts().get(1);
    assertThat(b.state()).isEqualTo(HostState.FAILED);
    assertThat(b.reason()).contains("the build failed").contains("nothing was drained");
    assertThat(lab.calls).doesNotContain("drain id-b", "drain id-c");
    assertThat(lab.node("b").eligibility).isEqualTo("eligible");
  }
}
