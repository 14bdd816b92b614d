package dev.laborchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.OrchestratorConfig.IneligibleHosts;
import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.plan.Planner;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Gates, server quorum, Consul maintenance mode and rollback, on the scripted fake lab. */
class SafetyGatesTest {
  private final FakeLab lab = new FakeLab();
  private final List<String> transitions = new ArrayList<>();

  private static RolloutSettings settings(boolean maintenance, boolean rollback) {
    return Fixtures.settings(true, "rev-new", maintenance, rollback);
  }

  private static HostSpec host(String name, int order) {
    return Fixtures.host(name, order);
  }

  private RolloutResult run(RolloutSettings settings, Set<String> servers, HostSpec... hosts)
      throws Exception {
    for (HostSpec host : hosts) {
      if (lab.node(host.hostname()) == null) {
        lab.add(host.hostname());
      }
    }
    Plan plan =
        Planner.plan(
            List.of(hosts),
            lab.listNodes(),
            new Planner.Options(1, IneligibleHosts.SKIP, null, servers, Set.of()));
    Ports ports = new Ports(lab, lab, lab, lab.clock, lab.autopilot, lab.autopilot, lab);
    return new RolloutEngine(
            ports, settings, (h, f, t, a, b, d) -> transitions.add(h + " " + t + " " + d))
        .run(plan, "r-g");
  }

  @Test
  void doesNotTakeAHostOutWhileAnotherHostOfThePlanIsDown() throws Exception {
    lab.add("a");
    lab.add("b").status = "down";
    RolloutResult result = run(settings(false, false), Set.of(), host("a", 1), host("b", 2));

    assertThat(result.hosts().get(0).state()).isEqualTo(HostState.FAILED);
    assertThat(result.hosts().get(0).reason())
        .contains("not started, nothing was changed")
        .contains("b is down");
    assertThat(lab.calls).doesNotContain("drain id-a");
  }

  @Test
  void doesNotTakeAHostOutWhileChecksOnAnotherHostFail() throws Exception {
    lab.add("a");
    lab.add("b").setChecks("warning");
    RolloutResult result = run(settings(false, false), Set.of(), host("a", 1), host("b", 2));

    assertThat(result.hosts().get(0).reason())
        .contains("checks failing on b: serfHealth warning, http warning");
    assertThat(lab.calls).doesNotContain("drain id-a");
  }

  @Test
  void neverDrainsAServerHostWhileAutopilotIsUnhealthy() throws Exception {
    lab.autopilotHealthy = false;
    RolloutResult result = run(settings(false, false), Set.of("srv"), host("srv", 1));

    assertThat(result.hosts().get(0).reason())
        .contains("Nomad autopilot reports the servers unhealthy");
    assertThat(lab.calls).doesNotContain("drain id-srv");
  }

  @Test
  void neverDrainsAServerHostWithoutFailureTolerance() throws Exception {
    lab.failureTolerance = 0;
    RolloutResult result = run(settings(false, false), Set.of("srv"), host("srv", 1));

    assertThat(result.hosts().get(0).reason()).contains("failure tolerance is 0");
    assertThat(lab.calls).doesNotContain("drain id-srv");
  }

  @Test
  void aPlainHostDoesNotNeedFailureTolerance() throws Exception {
    lab.failureTolerance = 0;
    assertThat(run(settings(false, false), Set.of(), host("a", 1)).succeeded()).isTrue();
  }

  @Test
  void waitsForAGateToOpenRatherThanFailingAtOnce() throws Exception {
    lab.add("a");
    lab.add("b").setChecks("critical");
    List<Instant> opened = new ArrayList<>();
    lab.at(
        Duration.ofSeconds(30),
        () -> {
          lab.node("b").setChecks("passing");
          opened.add(lab.clock.now());
        });
    RolloutResult result = run(settings(false, false), Set.of(), host("a", 1), host("b", 2));

    assertThat(opened).hasSize(1);
    assertThat(lab.node("a").drainedAt)
        .as("a is drained only once the checks on b pass")
        .isAfterOrEqualTo(opened.get(0));
    assertThat(result.succeeded()).isTrue();
  }

  @Test
  void usesConsulMaintenanceModeDuringTheRolloutAndEndsIt() throws Exception {
    RolloutResult result = run(settings(true, false), Set.of(), host("a", 1));

    assertThat(result.succeeded()).isTrue();
    assertThat(lab.calls)
        .containsSubsequence(
            "maintenance on 10.0.0.1",
            "drain id-a",
            "reboot a",
            "maintenance off 10.0.0.1",
            "eligibility id-a true");
    assertThat(lab.node("a").maintenance).isFalse();
  }

  @Test
  void rollsBackAHostThatReturnsUnhealthyAndHaltsWithAReport() throws Exception {
    lab.add("a").checkStaysCritical = true;
    RolloutResult result = run(settings(false, true), Set.of(), host("a", 1), host("b", 2));

    HostReport a = result.hosts().get(0);
    assertThat(a.state()).isEqualTo(HostState.ROLLED_BACK);
    assertThat(a.reason())
        .contains("rolled back to its previous generation (rev-old)")
        .contains("http critical");
    assertThat(result.succeeded()).isFalse();
    assertThat(result.hosts().get(1).state()).isEqualTo(HostState.PENDING);
    assertThat(lab.calls).containsSubsequence("reboot a", "rollback a", "eligibility id-a true");
    assertThat(lab.node("a").revision).isEqualTo("rev-old");
    assertThat(lab.node("a").eligibility).isEqualTo("eligible");
  }

  @Test
  void rollsBackAHostOnTheWrongRevision() throws Exception {
    lab.add("a").returnsOnRevision = "rev-broken";
    RolloutResult result = run(settings(false, true), Set.of(), host("a", 1));

    assertThat(result.hosts().get(0).state()).isEqualTo(HostState.ROLLED_BACK);
    assertThat(result.hosts().get(0).reason()).contains("rev-broken");
  }

  @Test
  void withoutRollbackAnUnhealthyHostStaysDrained() throws Exception {
    lab.add("a").checkStaysCritical = true;
    RolloutResult result = run(settings(false, false), Set.of(), host("a", 1));

    assertThat(result.hosts().get(0).state()).isEqualTo(HostState.FAILED);
    assertThat(lab.calls).doesNotContain("rollback a");
    assertThat(lab.node("a").eligibility).isEqualTo("ineligible");
  }

  @Test
  void aRiseInBlockedEvaluationsWhileADrainRunsHoldsEveryFurtherHost() throws Exception {
    withGatesForB(
        (gates, b) -> {
          gates.drainStarting("id-a");
          assertThat(gates.beforeHost(b.host, Set.of("a"))).as("nothing rose yet").isEmpty();

          lab.blockedEvaluations = 3;
          lab.clock.advanceTo(lab.clock.now().plusSeconds(2)); // past the one-second memo
          assertThat(gates.beforeHost(b.host, Set.of("a")))
              .get()
              .asString()
              .contains("blocked evaluations rose from 2 to 3");

          gates.drainOver("id-a");
          lab.clock.advanceTo(lab.clock.now().plusSeconds(2));
          assertThat(gates.beforeHost(b.host, Set.of("a"))).as("a's drain is over").isEmpty();
        });
  }

  @Test
  void aWorkRefusalTheViewChangedUnderIsDueAgainWhenItsSecondIsOver() throws Exception {
    withGatesForB(
        (gates, b) -> {
          gates.drainStarting("id-a");
          lab.blockedEvaluations = 3;
          Instant at = lab.clock.now(); // a polled view moves the clock only while one waits
          assertThat(gates.beforeHost(b.host, Set.of("a"))).isPresent();
          assertThat(gates.refusalExpires(b.host)).as("nothing changed since").isNull();

          view.bump();
          assertThat(gates.refusalExpires(b.host))
              .as("the view changed: due when the refusal's second is over")
              .isEqualTo(at.plusSeconds(1));

          lab.clock.advanceTo(at.plusSeconds(2));
          assertThat(gates.refusalExpires(b.host))
              .as("over already: no wake-up in the past, which would spin the engine")
              .isNull();
        });
  }

  @Test
  void aRefusalOfAHostsWorkIsJudgedAgainAtOnceWhenAHostComesBack() throws Exception {
    withGatesForB(
        (gates, b) -> {
          gates.drainStarting("id-a");
          lab.blockedEvaluations = 3;
          assertThat(gates.beforeHost(b.host, Set.of("a"))).isPresent();

          // a is back: its drain over, nothing blocked any more; the clock has not moved
          gates.drainOver("id-a");
          lab.blockedEvaluations = 2;
          assertThat(gates.beforeHost(b.host, Set.of("a")))
              .as("the same hosts out: the refusal stands for its second")
              .isPresent();
          assertThat(gates.beforeHost(b.host, Set.of()))
              .as("a host came back: judged again, not held a second longer")
              .isEmpty();
        });
  }

  /** Hosts a and b, two slots, 2 blocked evaluations; {@code test} judges b. */
  private void withGatesForB(GatesTest test) throws Exception {
    lab.add("a");
    lab.add("b");
    lab.blockedEvaluations = 2;
    Plan plan =
        Planner.plan(
            List.of(host("a", 1), host("b", 1)),
            lab.listNodes(),
            new Planner.Options(2, IneligibleHosts.SKIP, null, Set.of(), Set.of()));
    dev.laborchestrator.watch.PolledWatch watch =
        dev.laborchestrator.watch.PolledWatch.start(
            lab, lab, List.of("id-a", "id-b"), lab.clock, Duration.ofMillis(250));
    try {
      view = new BumpedView(watch);
      test.run(new Gates(new Ports(lab, lab, lab, lab.clock), plan, view), new PlanHost(plan, "b"));
    } finally {
      watch.close();
    }
  }

  private BumpedView view;

  /** The polled view, whose version a test can move on as if the cluster had changed. */
  private static final class BumpedView implements dev.laborchestrator.watch.ClusterWatch {
    private final dev.laborchestrator.watch.ClusterWatch inner;
    private volatile long extra;

    BumpedView(dev.laborchestrator.watch.ClusterWatch inner) {
      this.inner = inner;
    }

    void bump() {
      extra++;
    }

    @Override
    public long version() {
      return inner.version() + extra;
    }

    @Override
    public dev.laborchestrator.port.Indexed<dev.laborchestrator.port.NomadNode> node(String id) {
      return inner.node(id);
    }

    @Override
    public List<dev.laborchestrator.port.HealthCheck> checks(String consulName) {
      return inner.checks(consulName);
    }

    @Override
    public long awaitChange(long seen, Instant deadline) throws InterruptedException {
      return inner.awaitChange(seen, deadline);
    }

    @Override
    public void poke() {
      inner.poke();
    }

    @Override
    public dev.laborchestrator.port.Indexed<dev.laborchestrator.port.NomadNode> refresh(String id) {
      return inner.refresh(id);
    }

    @Override
    public String mode() {
      return inner.mode();
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  private interface GatesTest {
    void run(Gates gates, PlanHost b) throws Exception;
  }

  private record PlanHost(Plan.PlannedHost host) {
    PlanHost(Plan plan, String name) {
      this(plan.hosts().stream().filter(h -> h.hostname().equals(name)).findFirst().orElseThrow());
    }
  }
}
