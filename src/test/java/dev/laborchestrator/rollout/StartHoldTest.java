package dev.laborchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.MaintenanceWindow;
import dev.laborchestrator.config.OrchestratorConfig.IneligibleHosts;
import dev.laborchestrator.config.OrchestratorConfig.PrometheusGate;
import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.plan.Planner;
import dev.laborchestrator.port.ActiveAlerts;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.PauseFlag;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The engine's start hold and the window, pause and alert holds, all on the fake clock. */
class StartHoldTest {
  private final FakeLab lab = new FakeLab();
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());
  private final List<RolloutState> saved = Collections.synchronizedList(new ArrayList<>());
  private RolloutEngine engine;

  private RolloutResult run(int maxParallel, StartHold hold, HostSpec... hosts)
      throws InterruptedException {
    for (HostSpec host : hosts) {
      lab.add(host.hostname());
    }
    Plan plan =
        Planner.plan(
            List.of(hosts),
            lab.listNodes(),
            new Planner.Options(maxParallel, IneligibleHosts.SKIP));
    RolloutListener listener =
        new RolloutListener() {
          @Override
          public void transition(
              String host,
              HostState from,
              HostState to,
              Duration inPrevious,
              Duration sinceStart,
              String detail) {
            events.add(host + " " + to);
          }

          @Override
          public void held(String reason, boolean endsRun, int hostsLeft) {
            events.add((endsRun ? "stop: " : "held: ") + reason);
          }

          @Override
          public void holdLifted() {
            events.add("lifted");
          }
        };
    engine =
        new RolloutEngine(
                new Ports(lab, lab, lab, lab.clock), Fixtures.settings(), listener, saved::add)
            .withStartHold(hold);
    return engine.run(plan, "r-test");
  }

  private static HostSpec host(String name, int order) {
    return Fixtures.host(name, order);
  }

  /** Holds for its first {@code holds} checks, then lets hosts go; counts checks and waits. */
  private static final class Scripted implements StartHold {
    final AtomicInteger checks = new AtomicInteger();
    final AtomicInteger waits = new AtomicInteger();
    private final List<Hold> answers;

    Scripted(Hold... answers) {
      this.answers = List.of(answers);
    }

    @Override
    public Hold check() {
      int n = checks.getAndIncrement();
      return n < answers.size() ? answers.get(n) : Hold.GO;
    }

    @Override
    public void await() {
      waits.incrementAndGet();
    }
  }

  @Test
  void startsNoHostWhileHeldAndSaysTheHoldOnceNotOnEveryCheck() throws Exception {
    Scripted hold =
        new Scripted(
            StartHold.Hold.hold("paused by alice"),
            StartHold.Hold.hold("paused by alice"),
            StartHold.Hold.hold("paused by alice"));

    RolloutResult result = run(1, hold, host("a", 1));

    assertThat(result.succeeded()).isTrue();
    assertThat(hold.waits).hasValue(3);
    assertThat(events.subList(0, 3))
        .containsExactly("held: paused by alice", "lifted", "a PREPARING");
    assertThat(events).filteredOn(e -> e.startsWith("held")).hasSize(1);
  }

  @Test
  void aStopLetsHostsInFlightFinishStartsNoOtherAndKeepsTheRolloutRunning() throws Exception {
    Scripted hold = new Scripted(StartHold.Hold.GO, StartHold.Hold.stop("outside the window"));

    RolloutResult result = run(2, hold, host("a", 1), host("b", 1), host("c", 1));

    assertThat(events).contains("a DONE", "b DONE", "stop: outside the window");
    assertThat(events).noneMatch(e -> e.startsWith("c "));
    assertThat(lab.calls).doesNotContain("drain id-c", "reboot c");
    assertThat(result.hosts())
        .filteredOn(h -> h.hostname().equals("c"))
        .allMatch(h -> h.state() == HostState.PENDING);
    assertThat(engine.heldStop()).contains("outside the window");
    assertThat(saved.get(saved.size() - 1).status()).isEqualTo(RolloutState.Status.RUNNING);
  }

  /** A flag set until {@code clearedAt}; a blocking read jumps the fake clock as Nomad would. */
  private final class FakeFlag implements PauseFlag {
    final List<BlockingQuery> reads = Collections.synchronizedList(new ArrayList<>());
    Instant clearedAt;
    boolean broken;

    @Override
    public Indexed<Optional<String>> read(BlockingQuery query) {
      reads.add(query);
      if (broken) {
        throw ApiException.unreachable("GET", "/v1/var/x", new java.io.IOException("refused"));
      }
      if (query.blocks()) {
        Instant until = lab.clock.now().plus(query.maxWait());
        lab.clock.advanceTo(clearedAt != null && clearedAt.isBefore(until) ? clearedAt : until);
      }
      boolean paused = clearedAt == null || lab.clock.now().isBefore(clearedAt);
      return new Indexed<>(
          paused ? Optional.of("paused by alice: disk swap") : Optional.empty(), 7);
    }
  }

  @Test
  void aPausedRolloutGoesOnWhenTheFlagIsClearedWaitingOnBlockingQueries() throws Exception {
    FakeFlag flag = new FakeFlag();
    flag.clearedAt = lab.clock.now().plus(Duration.ofMinutes(10));

    RolloutResult result =
        run(1, new PauseHold(flag, lab.clock, Duration.ofHours(1)), host("a", 1));

    assertThat(result.succeeded()).isTrue();
    assertThat(events.subList(0, 3))
        .containsExactly("held: paused by alice: disk swap", "lifted", "a PREPARING");
    assertThat(flag.reads).anyMatch(q -> q.blocks() && q.index() == 7);
  }

  @Test
  void aRolloutStillPausedAfterMaxWaitEndsWithItsCheckpointRunning() throws Exception {
    FakeFlag flag = new FakeFlag();
    Instant start = lab.clock.now();

    RolloutResult result =
        run(1, new PauseHold(flag, lab.clock, Duration.ofMinutes(30)), host("a", 1));

    assertThat(result.hosts()).allMatch(h -> h.state() == HostState.PENDING);
    assertThat(engine.heldStop())
        .hasValueSatisfying(r -> assertThat(r).startsWith("still held after 30m"));
    assertThat(lab.clock.since(start)).isEqualTo(Duration.ofMinutes(30));
    assertThat(saved.get(saved.size() - 1).status()).isEqualTo(RolloutState.Status.RUNNING);
  }

  @Test
  void aPauseFlagThatCannotBeReadHolds() throws Exception {
    FakeFlag flag = new FakeFlag();
    flag.broken = true;

    StartHold.Hold hold = new PauseHold(flag, lab.clock, Duration.ofHours(1)).check();

    assertThat(hold.kind()).isEqualTo(StartHold.Hold.Kind.HOLD);
    assertThat(hold.reason()).contains("cannot be read");
  }

  private static PrometheusGate gate(String filter, boolean firingOnly) {
    return new PrometheusGate(
        "http://prometheus:9090",
        filter == null ? null : Pattern.compile(filter),
        firingOnly,
        Duration.ofMinutes(10),
        Duration.ofSeconds(30));
  }

  private StartHold.Hold alerts(PrometheusGate gate, ActiveAlerts.Alert... active)
      throws InterruptedException {
    return new AlertHold(() -> List.of(active), gate, lab.clock).check();
  }

  @Test
  void anActiveAlertHoldsUnlessTheFilterExcludesItOrItIsPendingWithFiringOnly() throws Exception {
    ActiveAlerts.Alert disk = new ActiveAlerts.Alert("DiskFull", "firing");
    ActiveAlerts.Alert reboot = new ActiveAlerts.Alert("RebootRequired", "firing");
    ActiveAlerts.Alert slow = new ActiveAlerts.Alert("SlowDisk", "pending");

    assertThat(alerts(gate(null, false), disk, slow).reason())
        .isEqualTo("alerts active in Prometheus: DiskFull, SlowDisk");
    assertThat(alerts(gate("^RebootRequired$", false), reboot).kind())
        .isEqualTo(StartHold.Hold.Kind.GO);
    assertThat(alerts(gate("^RebootRequired$", false), reboot, disk).reason())
        .isEqualTo("alerts active in Prometheus: DiskFull");
    assertThat(alerts(gate(null, true), slow).kind()).isEqualTo(StartHold.Hold.Kind.GO);
    assertThat(alerts(gate(null, false), slow).kind()).isEqualTo(StartHold.Hold.Kind.HOLD);
    assertThat(alerts(gate(null, false)).kind()).isEqualTo(StartHold.Hold.Kind.GO);
  }

  @Test
  void anUnreachablePrometheusHoldsAndEndsTheRunAfterMaxWait() throws Exception {
    ActiveAlerts down =
        () -> {
          throw ApiException.unreachable(
              "GET", "/api/v1/query", new java.io.IOException("Connection refused"));
        };
    Instant start = lab.clock.now();

    RolloutResult result = run(1, new AlertHold(down, gate(null, false), lab.clock), host("a", 1));

    assertThat(result.hosts()).allMatch(h -> h.state() == HostState.PENDING);
    assertThat(events.get(0))
        .startsWith("held: Prometheus at http://prometheus:9090 cannot be asked");
    assertThat(engine.heldStop())
        .hasValueSatisfying(r -> assertThat(r).startsWith("still held after 10m"));
    assertThat(lab.clock.since(start)).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void outsideTheWindowTheRunStopsAndSaysWhenItOpens() throws Exception {
    // FakeClock starts at 2026-11-22T03:00Z, a Sunday; 04:00 Berlin.
    MaintenanceWindow window =
        MaintenanceWindow.parse(List.of("sat"), "02:00", "06:00", "Europe/Berlin");
    StartHold.Hold outside = new WindowHold(window, lab.clock).check();
    MaintenanceWindow sunday =
        MaintenanceWindow.parse(List.of("sun"), "02:00", "06:00", "Europe/Berlin");

    assertThat(outside.kind()).isEqualTo(StartHold.Hold.Kind.STOP);
    assertThat(outside.reason()).contains("next opens 2026-11-28T02:00+01:00");
    assertThat(new WindowHold(sunday, lab.clock).check()).isEqualTo(StartHold.Hold.GO);
  }
}
