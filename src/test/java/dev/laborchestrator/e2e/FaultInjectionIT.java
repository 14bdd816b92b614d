package dev.laborchestrator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.cli.DemoLab;
import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.nomad.NomadConnection;
import dev.laborchestrator.nomad.NomadVariableLock;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.RolloutLock;
import dev.laborchestrator.sim.SafetyRules;
import dev.laborchestrator.sim.SimEvent;
import dev.laborchestrator.sim.SimLab;
import dev.laborchestrator.sim.SimRequest;
import dev.laborchestrator.sim.SimTiming;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection over the simulated lab: the controller killed in every state, a fifth of all API
 * requests failing, two controllers at once, a stale lock, unhealthy servers, a rollback, and a
 * migration of the controller's own allocation. Each test prints its figures.
 */
class FaultInjectionIT {
  private static final String STATE = "nomad/jobs/lab-orchestrator/state";
  private static final List<String> FIGURES = new ArrayList<>();

  @TempDir Path dir;
  private DemoLab demo;

  @AfterEach
  void stop() {
    if (demo != null) {
      demo.close();
    }
  }

  @AfterAll
  static void printFigures() {
    System.out.println();
    System.out.println("Fault injection figures:");
    FIGURES.forEach(line -> System.out.println("  " + line));
  }

  private static UnaryOperator<Map<String, Object>> config(String... keyValues) {
    return config -> {
      config.put(
          "timeouts",
          new LinkedHashMap<>(Map.of("drain", "30s", "reboot", "30s", "health", "30s")));
      config.put("lock", Map.of("ttl", "10s"));
      @SuppressWarnings("unchecked")
      Map<String, Object> rebuild =
          new LinkedHashMap<>((Map<String, Object>) config.get("rebuild"));
      rebuild.put("timeout", "10s");
      config.put("rebuild", rebuild);
      for (int i = 0; i < keyValues.length; i += 2) {
        config.put(keyValues[i], keyValues[i + 1]);
      }
      return config;
    };
  }

  private String[] run(String... extra) {
    List<String> args = new ArrayList<>(List.of("run", "--config=" + demo.config()));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  private void assertCleanRecord(SimLab lab, List<String> hosts) {
    assertThat(
            SafetyRules.violations(
                lab.events(), 2, demo.criticalHosts(), Set.of(), Set.of(DemoLab.SPARE)))
        .as("hard rules")
        .isEmpty();
    for (String host : hosts) {
      assertThat(count(lab, host, SimEvent.Type.DRAIN_STARTED))
          .as("drains of " + host)
          .isEqualTo(1);
      assertThat(SafetyRules.rebootOrder(lab.events()).stream().filter(host::equals).count())
          .as("reboots of " + host)
          .isEqualTo(1);
      assertThat(lab.variable(STATE).orElseThrow()).containsEntry("host." + host, "DONE");
    }
  }

  private static long count(SimLab lab, String host, SimEvent.Type type) {
    return lab.eventsFor(host).stream().filter(e -> e.type() == type).count();
  }

  private void assertNoToken(Controller.Run run) {
    demo.tokens().forEach(token -> assertThat(run.all()).doesNotContain(token));
  }

  @Test
  void killedInEveryStateAndRestartedEveryRolloutFinishesWithEveryRuleKept() throws Exception {
    List<String> states =
        List.of(
            "PREPARING",
            "DRAINING",
            "REBUILDING",
            "REBOOTING",
            "RETURNING",
            "VERIFYING",
            "ENABLING");
    Set<String> landed = new java.util.TreeSet<>();
    for (String state : states) {
      Path work = Files.createDirectories(dir.resolve(state));
      // Slower steps and a reboot delay on "a", so that a kill timed from a progress line lands in
      // its state.
      List<HostSpec> hosts =
          List.of(DemoLab.host("a", "app", 1, List.of(), "medium", 2), Labs.TWO.get(1));
      demo =
          DemoLab.start(
              work,
              hosts,
              Set.of(),
              b -> b.timing(SimTiming.uniform(Duration.ofMillis(700))),
              config());
      long started = System.nanoTime();
      Controller first = Controller.start(work, "first", Map.of(), run());
      assertThat(
              first.awaitLine(Pattern.compile("\\sa\\s+" + state + "\\s"), Duration.ofSeconds(60)))
          .as("reached " + state)
          .isTrue();
      first.kill();
      landed.add(
          demo.lab()
              .variable(STATE)
              .map(items -> items.get("host.a").split(":")[0])
              .orElse("none"));
      String checkpoint =
          demo.lab().variable(STATE).map(items -> items.get("host.a")).orElse("(none)");
      int restarts = 0;
      Controller.Run last;
      StringBuilder outputs = new StringBuilder();
      do {
        last = Controller.start(work, "restart" + ++restarts, Map.of(), run()).await();
        assertNoToken(last);
        outputs.append("--- restart ").append(restarts).append(":\n").append(last.all());
      } while (last.exitCode() != 0 && restarts < 3);

      assertThat(last.exitCode())
          .as("killed in %s, restarted %d times:%n%s", state, restarts, outputs)
          .isZero();
      assertCleanRecord(demo.lab(), List.of("a", "b"));
      FIGURES.add(
          String.format(
              Locale.ROOT,
              "SIGKILL in %-10s (checkpoint: %-10s): %d restart(s), done in %.1fs,"
                  + " 1 drain and 1 reboot per host, 0 rules broken",
              state,
              checkpoint.split(":")[0],
              restarts,
              Controller.elapsedSeconds(started)));
      demo.close();
      demo = null;
    }
    // A kill is timed from the progress line, so it can land a step later. Only the states that
    // act are checkpointed (HostState#persisted): a kill in PREPARING leaves PENDING, in REBOOTING
    // or RETURNING leaves REBUILDING, in ENABLING leaves VERIFYING. Every one of those four must be
    // where some kill landed.
    FIGURES.add(
        "SIGKILL landed with the checkpoint in " + landed.size() + " distinct states: " + landed);
    assertThat(landed).contains("PENDING", "DRAINING", "REBUILDING", "VERIFYING");
  }

  @Test
  void aFifthOfAllRequestsFailingTheRolloutStillCompletesWithoutDuplicates() throws Exception {
    demo = DemoLab.start(dir, DemoLab.HOSTS, Set.of(), b -> b.seed(7), config());
    demo.lab().globalFaults().errorRate(0.2);
    long started = System.nanoTime();
    Controller.Run run = Controller.start(dir, "faulty", Map.of(), run()).await();
    assertNoToken(run);

    assertThat(run.exitCode()).as(run.all()).isZero();
    List<String> hosts = DemoLab.HOSTS.stream().map(HostSpec::hostname).toList();
    assertCleanRecord(demo.lab(), hosts);
    List<SimRequest> requests = demo.lab().requests();
    long failed = requests.stream().filter(r -> r.status() == 0 || r.status() >= 500).count();
    FIGURES.add(
        String.format(
            Locale.ROOT,
            "20%% faults: %d requests, %d answered 5xx or dropped (%.0f%%); "
                + "%d hosts done in %.1fs; 1 drain and 1 reboot per host",
            requests.size(),
            failed,
            100.0 * failed / requests.size(),
            hosts.size(),
            Controller.elapsedSeconds(started)));
    assertThat(failed).as("faults were injected").isGreaterThan(requests.size() / 10);
  }

  @Test
  void twoRunsStartedTogetherExactlyOneProceeds() throws Exception {
    // A reboot delay keeps the winner's rollout, and its lock, well past the other JVM's start.
    List<HostSpec> hosts =
        List.of(DemoLab.host("a", "app", 1, List.of(), "medium", 5), Labs.TWO.get(1));
    demo = DemoLab.start(dir, hosts, Set.of(), UnaryOperator.identity(), config());
    Controller one = Controller.start(dir, "one", Map.of(), run());
    Controller two = Controller.start(dir, "two", Map.of(), run());
    Controller.Run first = one.await();
    Controller.Run second = two.await();

    List<Integer> codes = new ArrayList<>(List.of(first.exitCode(), second.exitCode()));
    codes.sort(Integer::compare);
    assertThat(codes).as(first.all() + "\n---\n" + second.all()).containsExactly(0, 3);
    Controller.Run loser = first.exitCode() == 3 ? first : second;
    assertThat(loser.stderr()).contains("another rollout holds the lock: pid=");
    assertCleanRecord(demo.lab(), List.of("a", "b"));
    FIGURES.add(
        "two runs at once: exit codes "
            + codes
            + "; the loser named the holder and changed nothing");
  }

  @Test
  void aStaleLockFromADeadHolderIsTakenOverAfterItsTtl() throws Exception {
    demo = DemoLab.start(dir, Labs.TWO, Set.of(), b -> b.lockTimeScale(0.5), config());
    @SuppressWarnings("unchecked")
    Map<String, Object> nomad =
        (Map<String, Object>)
            new com.fasterxml.jackson.databind.ObjectMapper(
                    new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readValue(demo.config().toFile(), Map.class)
                .get("nomad");
    NomadConnection connection =
        new NomadConnection(
            new ApiSettings((String) nomad.get("address"), (String) nomad.get("token")),
            HttpOptions.defaults(),
            null,
            null);
    RolloutLock stale = new NomadVariableLock(connection, Clock.system());
    stale.acquire("pid=1 host=elsewhere alloc=8d3c0c58-dead", Duration.ofSeconds(10));

    long started = System.nanoTime();
    Controller.Run run =
        Controller.start(dir, "later", Map.of(), run("--wait-for-lock=2m")).await();
    double waited = Controller.elapsedSeconds(started);

    assertThat(run.exitCode()).as(run.all()).isZero();
    assertThat(run.stderr()).doesNotContain("taking the lock over");
    assertCleanRecord(demo.lab(), List.of("a", "b"));
    // Nomad keeps an unrenewed lock for twice its TTL, then its lock delay: (2 x 10s + 15s) x 0.5
    // here.
    assertThat(waited).isGreaterThan(17.5 * 0.8);
    FIGURES.add(
        String.format(
            Locale.ROOT,
            "stale lock (TTL 10s, sim time x0.5): taken over, rollout done after"
                + " %.1fs (expiry alone is 17.5s)",
            waited));
  }

  @Test
  void aServerHostIsNotDrainedWhileAutopilotIsUnhealthy() throws Exception {
    List<HostSpec> hosts =
        List.of(
            DemoLab.host("web", "web", 1, List.of(), "medium", 0),
            // The gates are checked after the reboot delay: 3s to turn autopilot unhealthy first.
            DemoLab.host("srv-1", "server", 2, List.of(), "medium", 3),
            DemoLab.host("srv-2", "server", 2, List.of(), "medium", 3),
            DemoLab.host("srv-3", "server", 2, List.of(), "medium", 3));
    demo =
        DemoLab.start(
            dir,
            hosts,
            Set.of("srv-1", "srv-2", "srv-3"),
            UnaryOperator.identity(),
            config("maxParallel", "1"));
    Controller controller = Controller.start(dir, "servers", Map.of(), run());
    assertThat(controller.awaitLine(Pattern.compile("\\sweb\\s+DONE\\s"), Duration.ofSeconds(60)))
        .isTrue();
    demo.lab().autopilot().forceUnhealthy(true);
    Controller.Run run = controller.await();

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(run.stdout())
        .contains("autopilot reports the servers unhealthy")
        .contains("nothing was changed");
    for (String server : List.of("srv-1", "srv-2", "srv-3")) {
      assertThat(count(demo.lab(), server, SimEvent.Type.DRAIN_STARTED))
          .as("drains of " + server)
          .isZero();
    }
    FIGURES.add("autopilot unhealthy: 0 of 3 server hosts drained, the rollout halted with exit 1");
  }

  @Test
  void serverHostsGoOneAtATimeWithTheLeaderLast() throws Exception {
    List<HostSpec> hosts =
        List.of(
            DemoLab.host("srv-1", "server", 1, List.of(), "medium", 0),
            DemoLab.host("srv-2", "server", 1, List.of(), "medium", 0),
            DemoLab.host("srv-3", "server", 1, List.of(), "medium", 0),
            DemoLab.host("web", "web", 1, List.of(), "medium", 0));
    demo =
        DemoLab.start(
            dir, hosts, Set.of("srv-1", "srv-2", "srv-3"), UnaryOperator.identity(), config());
    String leader = demo.lab().autopilot().leader().orElseThrow();
    Controller.Run run = Controller.start(dir, "servers", Map.of(), run()).await();

    assertThat(run.exitCode()).as(run.all()).isZero();
    List<String> order =
        SafetyRules.rebootOrder(demo.lab().events()).stream()
            .filter(h -> h.startsWith("srv"))
            .toList();
    assertThat(order).hasSize(3).endsWith(leader);
    assertThat(run.stdout())
        .containsSubsequence(
            "1. web", "runs a Nomad/Consul server", "runs the current server leader");
    assertThat(demo.lab().maxNodesOutOfService(Set.of("web", DemoLab.SPARE)))
        .as("servers out at once")
        .isEqualTo(1);
    assertCleanRecord(demo.lab(), List.of("web", "srv-1", "srv-2", "srv-3"));
    FIGURES.add(
        "server hosts: rebooted "
            + order
            + ", leader "
            + leader
            + " last, never two servers out at once");
  }

  @Test
  void aHostThatReturnsUnhealthyIsRolledBackReEnabledAndReported() throws Exception {
    demo =
        DemoLab.start(
            dir,
            DemoLab.HOSTS,
            Set.of(),
            UnaryOperator.identity(),
            config("onUnhealthy", "rollback"));
    demo.lab().faults("db").checkStaysCritical(true);
    Controller.Run run = Controller.start(dir, "rollback", Map.of(), run()).await();

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(run.stdout())
        .contains("ROLLED BACK db")
        .contains("rolled back to its previous generation (rev-1)");
    assertThat(demo.lab().node("db").revision()).isEqualTo(DemoLab.OLD_REVISION);
    assertThat(demo.lab().node("db").eligible()).isTrue();
    assertThat(demo.lab().node("db").checksPassing()).isTrue();
    assertThat(count(demo.lab(), "api", SimEvent.Type.DRAIN_STARTED)).isZero();
    assertThat(
            SafetyRules.violations(
                demo.lab().events(), 2, demo.criticalHosts(), Set.of(), Set.of(DemoLab.SPARE)))
        .isEmpty();
    FIGURES.add(
        "rollback: db returned unhealthy, booted rev-1 again, healthy and eligible; later hosts untouched");
  }

  @Test
  void theControllersOwnNodeIsHandedToASuccessorThatNomadPlacesOnAnotherNode() throws Exception {
    demo = DemoLab.start(dir, Labs.TWO, Set.of(), UnaryOperator.identity(), patientRebuild());
    SimLab lab = demo.lab();
    String ownNode = lab.node("a").id();
    Map<String, String> periodicChild = Map.of("NOMAD_JOB_PARENT_ID", "lab-orchestrator");
    List<SimLab.Launch> launches = new CopyOnWriteArrayList<>();
    List<Controller> successors = new CopyOnWriteArrayList<>();
    // Nomad places the forced child on a node it may use; the test then runs it there.
    lab.onPeriodicLaunch(
        launch -> {
          launches.add(launch);
          Map<String, String> env = new LinkedHashMap<>(periodicChild);
          env.put("NOMAD_NODE_ID", launch.nodeId());
          try {
            successors.add(Controller.start(dir, "successor", env, run()));
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    SimLab.Launch first = lab.startController("a");
    Map<String, String> env = new LinkedHashMap<>(periodicChild);
    env.put("NOMAD_NODE_ID", ownNode);
    Controller.Run onA = Controller.start(dir, "on-a", env, run()).await();
    lab.allocExited(first.allocId(), onA.exitCode() == 0);

    assertThat(onA.exitCode()).as(onA.all()).isZero();
    assertThat(onA.stdout())
        .contains("the controller's own node: last of all, alone; handed over first")
        .contains("Handed over: a runs this controller")
        .doesNotContainPattern("\\sa\\s+DRAINING\\s");
    assertThat(launches).hasSize(1);
    assertThat(launches.get(0).nodeName()).isNotEqualTo("a");
    Controller.Run successor = successors.get(0).await();
    lab.allocExited(launches.get(0).allocId(), successor.exitCode() == 0);
    assertThat(successor.exitCode()).as(successor.all()).isZero();
    assertThat(successor.stdout()).contains("Resuming rollout");
    // Never drained while the controller ran on it: its drain comes after the successor's launch.
    List<SimEvent> events = lab.events();
    int forced = indexOf(events, e -> e.type() == SimEvent.Type.PERIODIC_FORCED);
    int drainedA =
        indexOf(events, e -> e.node().equals("a") && e.type() == SimEvent.Type.DRAIN_STARTED);
    assertThat(forced).isNotNegative();
    assertThat(drainedA).isGreaterThan(forced);
    assertThat(SafetyRules.rebootOrder(events)).containsExactly("b", "a");
    assertThat(lab.node("a").eligible()).as("eligible again, as before the rollout").isTrue();
    assertCleanRecord(lab, List.of("a", "b"));
    FIGURES.add(
        "own node: made ineligible, not drained; a forced periodic launch on "
            + launches.get(0).nodeName()
            + " resumed and rolled it");
  }

  @Test
  void whenNoOtherNodeCanRunTheControllerItsOwnNodeIsLeftUnrolledWithAClearMessage()
      throws Exception {
    demo =
        DemoLab.start(
            dir,
            Labs.TWO,
            Set.of(),
            b ->
                b.editNode("b", n -> n.javaDriver(false))
                    .editNode(DemoLab.SPARE, n -> n.javaDriver(false)),
            patientRebuild());
    SimLab lab = demo.lab();
    Map<String, String> env =
        Map.of("NOMAD_NODE_ID", lab.node("a").id(), "NOMAD_JOB_PARENT_ID", "lab-orchestrator");
    SimLab.Launch first = lab.startController("a");
    Controller.Run plan = Controller.run(dir, env, "plan", "--config=" + demo.config());
    Controller.Run onA = Controller.start(dir, "on-a", env, run()).await();
    lab.allocExited(first.allocId(), onA.exitCode() == 0);

    assertThat(plan.stdout())
        .contains("NOT rolled by this run: no other node can run the controller")
        .contains("Warning: no other node can run the controller");
    assertThat(onA.exitCode()).as(onA.all()).isEqualTo(1);
    assertThat(onA.stderr()).contains("a was not rolled: it runs this controller");
    assertThat(count(lab, "a", SimEvent.Type.DRAIN_STARTED)).isZero();
    assertThat(lab.node("a").reboots()).isZero();
    assertThat(lab.node("a").eligible()).isTrue();
    assertThat(SafetyRules.rebootOrder(lab.events())).containsExactly("b");
    FIGURES.add("own node, no other node for the controller: left unrolled, exit 1, said why");
  }

  @Test
  void withoutABootIdStatusUpdatesAreNotTakenForAReboot() throws Exception {
    demo =
        DemoLab.start(
            dir,
            Labs.TWO,
            Set.of(),
            b -> b.editNode("a", n -> n.publishesBootId(false)),
            config -> {
              patientRebuild().apply(config);
              @SuppressWarnings("unchecked")
              Map<String, Object> timeouts = (Map<String, Object>) config.get("timeouts");
              timeouts.put("reboot", "20s");
              return config;
            });
    SimLab lab = demo.lab();
    lab.faults("a").fakeReboot(true);
    Controller.Run plan = Controller.run(dir, Map.of(), "plan", "--config=" + demo.config());
    Controller controller = Controller.start(dir, "fake", Map.of(), run());
    assertThat(
            controller.awaitLine(Pattern.compile("\\sa\\s+REBOOTING\\s"), Duration.ofSeconds(60)))
        .isTrue();
    // StatusUpdatedAt has a resolution of one second: let the next one begin, then an operator's
    // eligibility changes move it (node_endpoint.go UpdateEligibility), as drains do.
    Thread.sleep(1100);
    lab.operatorSetEligibility("a", true);
    lab.operatorSetEligibility("a", false);
    Controller.Run run = controller.await();

    assertThat(plan.stdout()).contains("Warning: a publishes no lab.boot-id");
    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(run.stdout()).contains("no reboot seen");
    assertThat(lab.node("a").reboots()).isZero();
    assertThat(count(lab, "b", SimEvent.Type.DRAIN_STARTED)).isZero();
    FIGURES.add("no boot id, fake reboot, StatusUpdatedAt moved: FAILED, no reboot seen");
  }

  /**
   * The tests' config with a rebuild timeout that a loaded machine cannot overrun (the trigger
   * starts a JVM): these tests are about what happens after the trigger.
   */
  private static UnaryOperator<Map<String, Object>> patientRebuild() {
    return c -> {
      config().apply(c);
      @SuppressWarnings("unchecked")
      Map<String, Object> rebuild = new LinkedHashMap<>((Map<String, Object>) c.get("rebuild"));
      rebuild.put("timeout", "60s");
      c.put("rebuild", rebuild);
      return c;
    };
  }

  private static int indexOf(List<SimEvent> events, java.util.function.Predicate<SimEvent> test) {
    for (int i = 0; i < events.size(); i++) {
      if (test.test(events.get(i))) {
        return i;
      }
    }
    return -1;
  }
}
