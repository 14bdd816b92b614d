package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.SimHttp.await;
import static dev.laborchestrator.sim.SimHttp.get;
import static dev.laborchestrator.sim.SimHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimRebootTest {

  static final Duration WITHIN = Duration.ofSeconds(5);

  SimLab lab;
  String nomad;
  String consul;

  @BeforeEach
  void start() {
    lab =
        SimLab.builder()
            .timing(SimDrainTest.TIMING)
            .node(
                SimNode.named("web-1")
                    .consulName("web-1.lab")
                    .revision("rev-a")
                    .serviceAllocs(1)
                    .systemAllocs(1)
                    .checks("http: web", "tcp: postgres"))
            .node(SimNode.named("web-2").publishesBootId(false))
            .build()
            .start();
    nomad = lab.nomadAddress();
    consul = lab.consulAddress();
  }

  @AfterEach
  void stop() {
    lab.close();
  }

  SimHttp.Answer reboot(String host, String revision) {
    return post(
        nomad + "/sim/v1/reboot/" + host + (revision == null ? "" : "?revision=" + revision), null);
  }

  /** Waits until the first reboot of {@code host} has run its course. */
  void awaitBack(String host) {
    await(
        host + " back", WITHIN, () -> lab.node(host).reboots() == 1 && !lab.node(host).rebooting());
  }

  Map<String, String> checks(String consulName) {
    Map<String, String> byId = new HashMap<>();
    get(consul + "/v1/health/node/" + consulName)
        .json()
        .forEach(c -> byId.put(c.get("CheckID").asText(), c.get("Status").asText()));
    return byId;
  }

  @Test
  void aRebootGoesDownThenInitializingThenReadyWithANewBootIdAndRevision() {
    String id = lab.node("web-1").id();
    String bootId = lab.node("web-1").bootId();
    long statusUpdatedAt = get(nomad + "/v1/node/" + id).json().get("StatusUpdatedAt").asLong();
    lab.faults("web-1").neverReturns(true);

    SimHttp.Answer accepted = reboot("web-1", "rev-b");

    assertThat(accepted.status()).isEqualTo(202);
    assertThat(accepted.json().get("Revision").asText()).isEqualTo("rev-b");
    await("down", WITHIN, () -> lab.node("web-1").status().equals("down"));
    JsonNode down = get(nomad + "/v1/node/" + id).json();
    assertThat(down.get("Status").asText()).isEqualTo("down");
    assertThat(down.get("StatusUpdatedAt").asLong()).isGreaterThanOrEqualTo(statusUpdatedAt);
    assertThat(down.get("SchedulingEligibility").asText()).isEqualTo("eligible");
    SimHttp.Answer noChecks = get(consul + "/v1/health/node/web-1.lab");
    assertThat(noChecks.status()).isEqualTo(200);
    assertThat(noChecks.json()).as("the agent left on shutdown").isEmpty();

    lab.faults("web-1").neverReturns(false);
    await("initializing", WITHIN, () -> !lab.node("web-1").status().equals("down"));

    Map<String, String> returning = checks("web-1.lab");
    assertThat(returning).containsOnlyKeys("serfHealth", "service:web", "service:postgres");
    assertThat(returning).containsEntry("serfHealth", "passing");
    await(
        "ready and passing",
        WITHIN,
        () -> lab.node("web-1").ready() && lab.node("web-1").checksPassing());
    JsonNode back = get(nomad + "/v1/node/" + id).json();
    assertThat(back.get("Meta").get("lab.boot-id").asText()).isNotEqualTo(bootId);
    assertThat(back.get("Meta").get("nixos.revision").asText()).isEqualTo("rev-b");
    assertThat(checks("web-1.lab").values()).containsOnly("passing");
    assertThat(lab.node("web-1").reboots()).isEqualTo(1);
    assertThat(lab.eventsFor("web-1"))
        .extracting(e -> e.type() + ":" + e.detail())
        .containsSubsequence(
            "REBOOT_STARTED:revision rev-b",
            "STATUS_CHANGED:down",
            "CHECKS_CHANGED:deregistered",
            "STATUS_CHANGED:initializing",
            "CHECKS_CHANGED:registered, 2 critical",
            "STATUS_CHANGED:ready");
    assertThat(lab.eventsFor("web-1"))
        .filteredOn(e -> e.type() == SimEvent.Type.CHECKS_CHANGED)
        .extracting(SimEvent::detail)
        .endsWith("passing");
  }

  @Test
  void checksAreCriticalWhenTheAgentReturnsAndPassOnlyLater() {
    reboot("web-1", null);
    await(
        "back and passing",
        WITHIN,
        () -> !lab.node("web-1").rebooting() && lab.node("web-1").checksPassing());

    List<SimEvent> checks =
        lab.eventsFor("web-1").stream()
            .filter(e -> e.type() == SimEvent.Type.CHECKS_CHANGED)
            .toList();
    assertThat(checks)
        .extracting(SimEvent::detail)
        .containsExactly("deregistered", "registered, 2 critical", "passing");
    assertThat(checks.get(1).checksPassing()).isFalse();
    assertThat(checks.get(1).ready()).isFalse();
    assertThat(checks.get(2).atMillis() - checks.get(1).atMillis())
        .isGreaterThanOrEqualTo(SimDrainTest.TIMING.checksPassAfter().toMillis() - 10);
  }

  @Test
  void aHostThatNeverReturnsStaysDown() {
    String id = lab.node("web-1").id();
    lab.faults("web-1").neverReturns(true);
    reboot("web-1", "rev-b");
    await("down", WITHIN, () -> lab.node("web-1").status().equals("down"));
    long index = get(nomad + "/v1/node/" + id).nomadIndex();

    SimHttp.Answer still = get(nomad + "/v1/node/" + id + "?index=" + index + "&wait=300ms");

    assertThat(still.json().get("Status").asText()).isEqualTo("down");
    assertThat(lab.node("web-1").rebooting()).isTrue();
    assertThat(reboot("web-1", "rev-c").status()).as("still rebooting").isEqualTo(409);
  }

  @Test
  void aCheckThatStaysCriticalKeepsTheNodeUnhealthyUntilTheFaultClears() {
    lab.faults("web-1").checkStaysCritical(true);
    reboot("web-1", null);
    await(
        "the other checks pass",
        WITHIN,
        () ->
            lab.eventsFor("web-1").stream().anyMatch(e -> e.detail().startsWith("passing except")));

    assertThat(checks("web-1.lab"))
        .containsEntry("service:web", "critical")
        .containsEntry("service:postgres", "passing")
        .containsEntry("serfHealth", "passing");
    assertThat(lab.node("web-1").checksPassing()).isFalse();

    lab.faults("web-1").checkStaysCritical(false);
    await("all pass", WITHIN, () -> lab.node("web-1").checksPassing());
  }

  @Test
  void aFakeRebootIsAcceptedButChangesNothing() {
    String id = lab.node("web-1").id();
    String bootId = lab.node("web-1").bootId();
    lab.faults("web-1").fakeReboot(true);
    long index = get(nomad + "/v1/node/" + id).nomadIndex();

    assertThat(reboot("web-1", "rev-b").status()).isEqualTo(202);
    SimHttp.Answer later = get(nomad + "/v1/node/" + id + "?index=" + index + "&wait=300ms");

    assertThat(later.nomadIndex()).isEqualTo(index);
    assertThat(later.json().get("Status").asText()).isEqualTo("ready");
    assertThat(later.json().get("Meta").get("lab.boot-id").asText()).isEqualTo(bootId);
    assertThat(later.json().get("Meta").get("nixos.revision").asText()).isEqualTo("rev-a");
    assertThat(lab.eventsFor("web-1").get(lab.eventsFor("web-1").size() - 1).detail())
        .startsWith("fake");
    assertThat(lab.node("web-1").reboots()).isZero();
    assertThat(reboot("web-1", "rev-b").status()).isEqualTo(202);
  }

  @Test
  void aHostCanComeBackOnTheWrongRevision() {
    lab.faults("web-2").returnsRevision("rev-wrong");

    reboot("web-2", "rev-b");
    awaitBack("web-2");

    assertThat(lab.node("web-2").revision()).isEqualTo("rev-wrong");
    assertThat(lab.node("web-2").bootId()).as("web-2 publishes no boot id").isNull();
  }

  @Test
  void theControlEndpointKnowsItsHostsAndRefusesADoubleReboot() {
    assertThat(reboot("nope", null).status()).isEqualTo(404);
    assertThat(reboot("web-1", null).status()).isEqualTo(202);
    assertThat(reboot("web-1", null).status()).isEqualTo(409);
    assertThat(get(nomad + "/sim/v1/reboot/web-1").status()).isEqualTo(405);
    assertThat(lab.requests()).as("control calls are not API requests").isEmpty();
  }

  @Test
  void rebootingAnUndrainedNodeLosesItsAllocsAndTheSystemJobReturnsWhileEligible() {
    reboot("web-1", null);
    awaitBack("web-1");

    SimEvent started =
        lab.eventsFor("web-1").stream()
            .filter(e -> e.type() == SimEvent.Type.REBOOT_STARTED)
            .findFirst()
            .orElseThrow();
    assertThat(started.activeNonSystemAllocs()).isEqualTo(1);
    assertThat(started.activeSystemAllocs()).isEqualTo(1);
    assertThat(lab.eventsFor("web-1"))
        .filteredOn(e -> e.type() == SimEvent.Type.ALLOC_LOST)
        .hasSize(2);
    await(
        "replacement on web-2", WITHIN, () -> lab.node("web-2").activeAllocs().get("service") == 1);
    await(
        "system job placed again",
        WITHIN,
        () -> lab.node("web-1").activeAllocs().get("system") == 1);
  }

  @Test
  void aDrainedNodeStaysIneligibleAfterARebootAndGetsItsSystemJobOnlyOnceEligible() {
    String id = lab.node("web-1").id();
    post(
        nomad + "/v1/node/" + id + "/drain",
        "{\"DrainSpec\":{\"Deadline\":0,\"IgnoreSystemJobs\":true}}");
    await("drained", WITHIN, () -> !lab.node("web-1").draining());

    reboot("web-1", "rev-b");
    awaitBack("web-1");

    assertThat(lab.node("web-1").eligible()).isFalse();
    assertThat(lab.node("web-1").activeAllocs()).containsEntry("system", 0);
    post(nomad + "/v1/node/" + id + "/eligibility", "{\"Eligibility\":\"eligible\"}");
    await("system job placed", WITHIN, () -> lab.node("web-1").activeAllocs().get("system") == 1);
    List<JsonNode> events = List.of(get(nomad + "/v1/node/" + id).json().get("Events"));
    assertThat(events.get(0).findValuesAsText("Message"))
        .contains(
            "Node heartbeat missed",
            "Node re-registered",
            "Node marked as eligible for scheduling");
  }

  SimHttp.Answer rollback(String host) {
    return post(nomad + "/sim/v1/rollback/" + host, null);
  }

  @Test
  void aRollbackBootsThePreviousRevisionWithoutTheBadGenerationsFaults() {
    reboot("web-1", "rev-b");
    awaitBack("web-1");
    lab.faults("web-1").checkStaysCritical(true).returnsRevision("rev-broken");
    reboot("web-1", "rev-c");
    await(
        "back on the bad generation",
        WITHIN,
        () -> lab.node("web-1").reboots() == 2 && !lab.node("web-1").rebooting());
    await(
        "all but the stuck check pass",
        WITHIN,
        () -> "passing".equals(lab.node("web-1").checks().get("service:postgres")));
    assertThat(lab.node("web-1").revision()).isEqualTo("rev-broken");
    assertThat(lab.node("web-1").checksPassing()).isFalse();

    SimHttp.Answer accepted = rollback("web-1");

    assertThat(accepted.status()).isEqualTo(202);
    assertThat(accepted.json().get("Revision").asText())
        .as("before its last rebuild")
        .isEqualTo("rev-b");
    assertThat(accepted.json().get("Rollback").asBoolean()).isTrue();
    assertThat(lab.node("web-1").checksPassing()).as("the bad generation still runs").isFalse();
    await(
        "back and passing",
        WITHIN,
        () -> !lab.node("web-1").rebooting() && lab.node("web-1").checksPassing());
    assertThat(lab.node("web-1").reboots()).isEqualTo(3);
    assertThat(lab.node("web-1").revision()).isEqualTo("rev-b");
    assertThat(lab.faults("web-1").checkStaysCritical()).isFalse();
    assertThat(lab.faults("web-1").returnsRevision()).isEmpty();
    assertThat(lab.eventsFor("web-1"))
        .filteredOn(e -> e.type() == SimEvent.Type.REBOOT_STARTED)
        .extracting(SimEvent::detail)
        .containsExactly("revision rev-b", "revision rev-c", "rollback to rev-b");
    assertThat(SafetyRules.rebootOrder(lab.events())).containsExactly("web-1", "web-1", "web-1");
  }

  @Test
  void aRollbackIgnoresTheLabWideFaultsOfTheBadGenerationForThatBootOnly() {
    reboot("web-2", "rev-b");
    awaitBack("web-2");
    lab.globalFaults().returnsRevision("rev-broken");

    rollback("web-2");
    await("back", WITHIN, () -> lab.node("web-2").reboots() == 2 && !lab.node("web-2").rebooting());
    assertThat(lab.node("web-2").revision()).isEqualTo("initial");

    reboot("web-2", "rev-c");
    await(
        "back again",
        WITHIN,
        () -> lab.node("web-2").reboots() == 3 && !lab.node("web-2").rebooting());
    assertThat(lab.node("web-2").revision()).isEqualTo("rev-broken");
  }

  @Test
  void aRollbackNeedsAnEarlierGenerationAndAHostThatIsNotRebooting() {
    SimHttp.Answer never = rollback("web-1");
    assertThat(never.status()).isEqualTo(409);
    assertThat(never.json().get("Error").asText()).contains("no previous generation");
    assertThat(reboot("web-1", "rev-a").status())
        .as("same revision, no new generation")
        .isEqualTo(202);
    awaitBack("web-1");
    assertThat(rollback("web-1").status()).isEqualTo(409);

    reboot("web-1", "rev-b");
    assertThat(rollback("web-1").status()).as("still rebooting").isEqualTo(409);
    assertThat(rollback("nope").status()).isEqualTo(404);
    assertThat(get(nomad + "/sim/v1/rollback/web-1").status()).isEqualTo(405);
  }
}
