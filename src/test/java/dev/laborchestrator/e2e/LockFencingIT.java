package dev.laborchestrator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.laborchestrator.cli.DemoLab;
import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.nomad.NomadConnection;
import dev.laborchestrator.nomad.NomadVariableLock;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.sim.SafetyRules;
import dev.laborchestrator.sim.SimEvent;
import dev.laborchestrator.sim.SimLab;
import dev.laborchestrator.sim.SimRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rollout lock as a fence (design §3): a run that cannot prove its lease makes no mutating
 * request once the lease's TTL has passed since its last renewal, and a lease found lost stops it.
 * Checked against the lab's own record of requests and events. And a holder whose Nomad allocation
 * has ended is dead: its lock is taken over at once.
 */
class LockFencingIT {
  private static final String STATE = "nomad/jobs/lab-orchestrator/state";
  private static final long TTL_MILLIS = 10_000;

  /** Host a waits 4s in PREPARING (its rebootDelay): time to cut it off before its drain. */
  private static final List<HostSpec> TWO =
      List.of(
          DemoLab.host("a", "app", 1, List.of(), "medium", 4),
          DemoLab.host("b", "app", 2, List.of(), "medium", 0));

  @TempDir Path dir;
  private DemoLab demo;

  @AfterEach
  void stop() {
    if (demo != null) {
      demo.close();
    }
  }

  private static UnaryOperator<Map<String, Object>> config() {
    return config -> {
      config.put(
          "timeouts",
          new LinkedHashMap<>(Map.of("drain", "45s", "reboot", "30s", "health", "30s")));
      config.put("lock", Map.of("ttl", "10s"));
      return config;
    };
  }

  private String[] run(String... extra) {
    List<String> args = new ArrayList<>(List.of("run", "--config=" + demo.config()));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  /**
   * Brings the rollout to the point where host a's drain is due while Nomad Variables are
   * unreachable: host a is cut off during its rebootDelay, so that its drain request waits for a
   * read of the node after the DRAINING checkpoint; then Variables go down. Returns the lab time of
   * the last lock renewal before the outage.
   */
  private long drainDueDuringAVariablesOutage(Controller controller) throws Exception {
    SimLab lab = demo.lab();
    // The rollout's first checkpoint: host a starts at once and waits its 4s rebootDelay in
    // PREPARING, a state that is not checkpointed (it only waits).
    awaitHostState(lab, "a", "PENDING");
    Thread.sleep(1000); // inside host a's 4s rebootDelay
    lab.faults("a").unreachable(true);
    awaitHostState(lab, "a", "DRAINING");
    lab.globalFaults().variablesUnreachable(true);
    long outage = System.currentTimeMillis();
    long renewed =
        lab.events().stream()
            .filter(e -> e.atMillis() <= outage && lockProved(e))
            .mapToLong(SimEvent::atMillis)
            .max()
            .orElseThrow();
    sleepUntil(renewed + TTL_MILLIS + 1000);
    lab.faults("a").unreachable(false); // the drain could go now, but the lease is not proven
    return renewed;
  }

  @Test
  void aVariablesOutageLongerThanTheTtlHoldsBackEveryMutationUntilTheLockIsRenewed()
      throws Exception {
    demo = DemoLab.start(dir, TWO, Set.of(), UnaryOperator.identity(), config());
    SimLab lab = demo.lab();
    Controller controller = Controller.start(dir, "run", Map.of(), run());

    long renewed = drainDueDuringAVariablesOutage(controller);
    // Nomad keeps the lock for twice its TTL after the last renewal: 20s.
    sleepUntil(renewed + TTL_MILLIS + 4000);
    lab.globalFaults().variablesUnreachable(false);
    Controller.Run run = controller.await();

    assertThat(run.exitCode()).as(run.all()).isZero();
    long renewedAgain =
        lab.events().stream()
            .filter(e -> e.atMillis() > renewed && lockProved(e))
            .mapToLong(SimEvent::atMillis)
            .min()
            .orElseThrow();
    assertThat(renewedAgain).as("the outage outlasted the TTL").isGreaterThan(renewed + TTL_MILLIS);
    assertThat(mutations(lab, renewed + TTL_MILLIS, renewedAgain))
        .as("mutating requests between the TTL's end and the next renewal")
        .isEmpty();
    assertThat(mutations(lab, renewedAgain, Long.MAX_VALUE))
        .as("the rollout went on once the lock was renewed")
        .contains("POST /v1/node/" + lab.node("a").id() + "/drain");
    assertThat(run.stderr()).contains("could not renew the rollout lock");
    assertThat(lab.variable(STATE).orElseThrow())
        .containsEntry("host.a", "DONE")
        .containsEntry("host.b", "DONE");
    assertThat(SafetyRules.violations(lab.events(), 2, Set.of(), Set.of(), Set.of(DemoLab.SPARE)))
        .isEmpty();
  }

  @Test
  void aLeaseLostDuringAnOutageStopsTheRunAndTheNextRunFinishesAlone() throws Exception {
    // Sim lock time x0.5: Nomad releases the unrenewed lock 10s after its last renewal, then
    // holds it for a lock delay of 7.5s.
    demo = DemoLab.start(dir, TWO, Set.of(), b -> b.lockTimeScale(0.5), config());
    SimLab lab = demo.lab();
    Controller first = Controller.start(dir, "first", Map.of(), run());

    long renewed = drainDueDuringAVariablesOutage(first);
    sleepUntil(renewed + TTL_MILLIS + 3000);
    lab.globalFaults().variablesUnreachable(false);
    Controller second = Controller.start(dir, "second", Map.of(), run("--wait-for-lock=1m"));
    Controller.Run stopped = first.await();
    Controller.Run finished = second.await();

    assertThat(stopped.exitCode()).as(stopped.all()).isEqualTo(1);
    assertThat(stopped.stderr()).contains("the rollout lock was lost");
    assertThat(stopped.stdout()).contains("the next run resumes it");
    assertThat(finished.exitCode()).as(finished.all()).isZero();
    long takenOver =
        lab.events().stream()
            .filter(e -> e.atMillis() > renewed && e.type() == SimEvent.Type.LOCK_ACQUIRED)
            .mapToLong(SimEvent::atMillis)
            .min()
            .orElseThrow();
    assertThat(mutations(lab, renewed + TTL_MILLIS, takenOver))
        .as("mutating requests after the first run's TTL, before the second run took the lock")
        .isEmpty();
    for (String host : List.of("a", "b")) {
      assertThat(lab.eventsFor(host).stream().filter(e -> e.type() == SimEvent.Type.DRAIN_STARTED))
          .as("drains of " + host)
          .hasSize(1);
    }
    assertThat(lab.variable(STATE).orElseThrow())
        .containsEntry("host.a", "DONE")
        .containsEntry("host.b", "DONE");
  }

  /** Takes the lock for a holder that ran in Nomad allocation {@code allocId}, and never renews. */
  private void lockHeldFromAllocation(String allocId) throws Exception {
    @SuppressWarnings("unchecked")
    Map<String, Object> nomad =
        (Map<String, Object>)
            new ObjectMapper(new YAMLFactory())
                .readValue(demo.config().toFile(), Map.class)
                .get("nomad");
    NomadConnection connection =
        new NomadConnection(
            new ApiSettings((String) nomad.get("address"), (String) nomad.get("token")),
            HttpOptions.defaults(),
            null,
            null);
    new NomadVariableLock(connection, Clock.system())
        .acquire("pid=1 host=elsewhere alloc=" + allocId, Duration.ofSeconds(10));
  }

  @Test
  void aHolderWhoseAllocationEndedIsTakenOverAtOnce() throws Exception {
    for (String status : List.of("complete", "failed")) {
      demo = DemoLab.start(dir.resolve(status), Labs.TWO, Set.of(), b -> b, config());
      String alloc =
          demo.lab().registerAllocation(DemoLab.SPARE, "lab-orchestrator/periodic-1", status);
      lockHeldFromAllocation(alloc);

      Controller.Run run = Controller.run(dir.resolve(status), Map.of(), run());

      assertThat(run.exitCode()).as(run.all()).isZero();
      assertThat(run.stderr())
          .contains("its Nomad allocation " + alloc + " is " + status)
          .contains("taking the lock over");
      assertThat(demo.lab().variable(STATE).orElseThrow())
          .containsEntry("host.a", "DONE")
          .containsEntry("host.b", "DONE");
      demo.close();
      demo = null;
    }
  }

  @Test
  void aHolderWhoseAllocationRunsKeepsTheLock() throws Exception {
    demo = DemoLab.start(dir, Labs.TWO, Set.of(), b -> b, config());
    String alloc =
        demo.lab().registerAllocation(DemoLab.SPARE, "lab-orchestrator/periodic-1", "running");
    lockHeldFromAllocation(alloc);

    Controller.Run run = Controller.run(dir, Map.of(), run());

    assertThat(run.exitCode()).as(run.all()).isEqualTo(3);
    assertThat(run.stderr()).contains("another rollout holds the lock: pid=1 host=elsewhere");
    assertThat(mutations(demo.lab(), 0, Long.MAX_VALUE)).isEmpty();
  }

  private static boolean lockProved(SimEvent e) {
    return e.type() == SimEvent.Type.LOCK_RENEWED || e.type() == SimEvent.Type.LOCK_ACQUIRED;
  }

  /**
   * Mutating requests to nodes, and reboots and maintenance changes (the executor and the agents),
   * the lab saw in [from, to]; Variables writes (lock, checkpoint) are not steps of the rollout.
   */
  private static List<String> mutations(SimLab lab, long from, long to) {
    Stream<String> requests =
        lab.requests().stream()
            .filter(r -> r.mutating() && !r.path().startsWith("/v1/var"))
            .filter(r -> r.atMillis() >= from && r.atMillis() <= to)
            .map(LockFencingIT::describe);
    Stream<String> events =
        lab.events().stream()
            .filter(e -> e.atMillis() >= from && e.atMillis() <= to)
            .filter(
                e ->
                    e.type() == SimEvent.Type.REBOOT_STARTED
                        || e.type() == SimEvent.Type.MAINTENANCE_ON
                        || e.type() == SimEvent.Type.MAINTENANCE_OFF)
            .map(e -> e.type() + " " + e.node());
    return Stream.concat(requests, events).toList();
  }

  private static String describe(SimRequest r) {
    return r.method() + " " + r.path();
  }

  private static void awaitHostState(SimLab lab, String host, String state) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!lab.variable(STATE)
        .map(items -> items.getOrDefault("host." + host, ""))
        .orElse("")
        .startsWith(state)) {
      if (System.nanoTime() > until) {
        throw new AssertionError(host + " never reached " + state + ": " + lab.variable(STATE));
      }
      Thread.sleep(10);
    }
  }

  private static void sleepUntil(long epochMillis) throws InterruptedException {
    long left = epochMillis - System.currentTimeMillis();
    if (left > 0) {
      Thread.sleep(left);
    }
  }
}
