package dev.laborchestrator.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Nomad Variables with check-and-set, and their locks. */
class SimVariablesTest {

  static final String TOKEN = "management-secret";
  static final String WORKLOAD = "workload-secret";
  static final String STATE = "nomad/jobs/lab-orchestrator/state";
  static final String LOCK = "nomad/jobs/lab-orchestrator/lock";

  /** The lab's scripted clock: lock timers move only when a test advances it. */
  static final long START = Instant.parse("2026-11-22T03:00:00Z").toEpochMilli();

  final AtomicLong now = new AtomicLong(START);
  SimLab lab;
  String nomad;

  @BeforeEach
  void start() {
    lab =
        SimLab.builder()
            .timing(SimDrainTest.TIMING)
            .nomadToken(TOKEN)
            .nomadWorkloadToken(WORKLOAD)
            .clock(now::get)
            .node(SimNode.named("web-1"))
            .build()
            .start();
    nomad = lab.nomadAddress();
  }

  @AfterEach
  void stop() {
    lab.close();
  }

  /** Sets the lab's clock to {@code START + elapsed} and lets the lab catch up. */
  void at(Duration elapsed) {
    now.set(START + elapsed.toMillis());
    lab.tickNow();
  }

  SimHttp.Answer get(String pathAndQuery) {
    return SimHttp.get(nomad + pathAndQuery, "X-Nomad-Token", TOKEN);
  }

  SimHttp.Answer put(String path, String query, String body) {
    return put(path, query, body, TOKEN);
  }

  SimHttp.Answer put(String path, String query, String body, String token) {
    return SimHttp.put(
        nomad + "/v1/var/" + path + (query.isEmpty() ? "" : "?" + query),
        body,
        "X-Nomad-Token",
        token);
  }

  SimHttp.Answer delete(String path, String query) {
    return SimHttp.delete(
        nomad + "/v1/var/" + path + (query.isEmpty() ? "" : "?" + query), "X-Nomad-Token", TOKEN);
  }

  SimHttp.Answer acquire(String path, String body) {
    return put(path, "lock-acquire", body);
  }

  static String lockId(String id) {
    return "{\"Lock\":{\"ID\":\"" + id + "\"}}";
  }

  static boolean hasIndexHeader(SimHttp.Answer answer) {
    return answer.headers().firstValue("X-Nomad-Index").isPresent();
  }

  boolean recorded(SimEvent.Type type, String path) {
    return lab.eventsFor(path).stream().anyMatch(e -> e.type() == type);
  }

  @Test
  void createReadUpdateAndDeleteWithCheckAndSet() {
    SimHttp.Answer absent = get("/v1/var/" + STATE);
    assertThat(absent.status()).isEqualTo(404);
    assertThat(absent.body()).isEqualTo("variable not found");
    assertThat(absent.nomadIndex()).isPositive();

    SimHttp.Answer created = put(STATE, "cas=0", "{\"Items\":{\"step\":\"1\"}}");
    assertThat(created.status()).isEqualTo(200);
    JsonNode first = created.json();
    assertThat(first.get("Namespace").asText()).isEqualTo("default");
    assertThat(first.get("Path").asText()).isEqualTo(STATE);
    assertThat(first.get("Items").get("step").asText()).isEqualTo("1");
    assertThat(first.get("CreateIndex").asLong()).isEqualTo(first.get("ModifyIndex").asLong());
    assertThat(first.get("CreateTime").asLong())
        .as("unix nanoseconds")
        .isGreaterThan(1_600_000_000_000_000_000L);
    assertThat(first.has("Lock")).isFalse();
    assertThat(created.nomadIndex()).isEqualTo(first.get("ModifyIndex").asLong());
    long index1 = first.get("ModifyIndex").asLong();

    SimHttp.Answer exists = put(STATE, "cas=0", "{\"Items\":{\"step\":\"other\"}}");
    assertThat(exists.status()).as("cas=0 creates only").isEqualTo(409);
    assertThat(exists.json().get("Items").get("step").asText()).isEqualTo("1");
    assertThat(exists.json().get("ModifyIndex").asLong()).isEqualTo(index1);
    assertThat(exists.nomadIndex()).isEqualTo(index1);

    SimHttp.Answer updated = put(STATE, "cas=" + index1, "{\"Items\":{\"step\":\"2\"}}");
    assertThat(updated.status()).isEqualTo(200);
    long index2 = updated.json().get("ModifyIndex").asLong();
    assertThat(index2).isGreaterThan(index1);
    assertThat(updated.json().get("CreateIndex").asLong()).isEqualTo(index1);

    SimHttp.Answer stale = put(STATE, "cas=" + index1, "{\"Items\":{\"step\":\"lost\"}}");
    assertThat(stale.status()).isEqualTo(409);
    assertThat(stale.json().get("Items").get("step").asText()).isEqualTo("2");
    assertThat(stale.json().get("ModifyIndex").asLong()).isEqualTo(index2);

    SimHttp.Answer read = get("/v1/var/" + STATE);
    assertThat(read.json().get("Items")).hasSize(1);
    assertThat(read.json().get("Items").get("step").asText()).isEqualTo("2");
    assertThat(read.nomadIndex()).isEqualTo(index2);
    assertThat(lab.variable(STATE)).contains(Map.of("step", "2"));

    assertThat(delete(STATE, "cas=" + index1).status()).isEqualTo(409);
    SimHttp.Answer deleted = delete(STATE, "cas=" + index2);
    assertThat(deleted.status()).isEqualTo(204);
    assertThat(deleted.body()).isEmpty();
    assertThat(get("/v1/var/" + STATE).status()).isEqualTo(404);
    assertThat(lab.variable(STATE)).isEmpty();
    assertThat(delete(STATE, "").status()).as("deleting nothing succeeds").isEqualTo(204);

    assertThat(lab.eventsFor(STATE))
        .extracting(SimEvent::type)
        .containsExactly(
            SimEvent.Type.VAR_WRITTEN, SimEvent.Type.VAR_WRITTEN, SimEvent.Type.VAR_DELETED);
    assertThat(lab.eventsFor(STATE)).noneMatch(SimEvent::aboutNode);
    assertThat(lab.maxNodesOutOfService(Set.of())).isZero();
  }

  @Test
  void aCasOnAVariableThatDoesNotExistConflictsWithAZeroValue() {
    SimHttp.Answer missing = put(STATE, "cas=7", "{\"Items\":{\"a\":\"b\"}}");

    assertThat(missing.status()).isEqualTo(409);
    assertThat(missing.json().get("Path").asText()).isEqualTo(STATE);
    assertThat(missing.json().get("ModifyIndex").asLong()).isZero();
    assertThat(missing.json().has("Items")).isFalse();
    assertThat(lab.variable(STATE)).isEmpty();
  }

  @Test
  void writesAreValidatedAsTheServerValidatesThem() {
    assertThat(put(STATE, "", "{\"Items\":{}}").body())
        .isEqualTo("variable missing required Items object");
    SimHttp.Answer badCas = put(STATE, "cas=x", "{\"Items\":{\"a\":\"b\"}}");
    assertThat(badCas.status()).isEqualTo(400);
    assertThat(badCas.body()).startsWith("can not parse cas");
    SimHttp.Answer reserved = put("nomad/other", "", "{\"Items\":{\"a\":\"b\"}}");
    assertThat(reserved.status()).isEqualTo(400);
    assertThat(reserved.body())
        .isEqualTo(
            "RPC Error:: 400,only paths at \"nomad/jobs\" or \"nomad/job-templates\" and below"
                + " are valid paths under the top-level \"nomad\" directory");
    assertThat(put(STATE, "cas=0&lock-acquire", "{}").body())
        .isEqualTo("CAS can't be used with lock operations");
    assertThat(put(STATE, "lock-acquire&lock-release", "{}").body())
        .isEqualTo("multiple lock operations");
    assertThat(put(STATE, "", "{\"Items\":{\"a\":\"b\"},\"Lock\":{\"TTL\":\"20s\"}}").body())
        .as("a lock is made with lock-acquire only")
        .endsWith("variable should not contain lock definition");
    assertThat(put(STATE, "", null).body()).isEqualTo("Request body is empty");
    assertThat(SimHttp.put(nomad + "/v1/var/" + STATE, "{\"Items\":{\"a\":\"b\"}}").status())
        .as("no token")
        .isEqualTo(403);
    assertThat(lab.variable(STATE)).isEmpty();
  }

  @Test
  void aLockTtlMustLieWithinTenSecondsAndADay() {
    for (String ttl : new String[] {"9s", "25h", "-10s"}) {
      SimHttp.Answer refused = acquire(LOCK, "{\"Lock\":{\"TTL\":\"" + ttl + "\"}}");
      assertThat(refused.status()).as(ttl).isEqualTo(400);
      assertThat(refused.body()).contains("TTL must be between 10 seconds and 24 hours");
    }

    SimHttp.Answer defaults = acquire(LOCK, "{}");
    assertThat(defaults.status()).isEqualTo(200);
    assertThat(defaults.json().get("Lock").get("TTL").asText()).isEqualTo("15s");
    assertThat(defaults.json().get("Lock").get("LockDelay").asText()).isEqualTo("15s");
    assertThat(acquire("other", "{\"Lock\":{\"TTL\":\"10s\"}}").status()).isEqualTo(200);
    JsonNode longest =
        acquire("longest", "{\"Lock\":{\"TTL\":\"24h\",\"LockDelay\":\"1m\"}}").json().get("Lock");
    assertThat(longest.get("TTL").asText()).isEqualTo("24h0m0s");
    assertThat(longest.get("LockDelay").asText()).isEqualTo("1m0s");
  }

  @Test
  void aLockIsHeldByOneHolderAtATimeAndGuardsTheVariable() {
    SimHttp.Answer acquired =
        acquire(
            LOCK,
            "{\"Items\":{\"holder\":\"run-1\"},\"Lock\":{\"TTL\":\"10s\",\"LockDelay\":\"15s\"}}");
    assertThat(acquired.status()).isEqualTo(200);
    assertThat(hasIndexHeader(acquired)).isTrue();
    JsonNode lock = acquired.json().get("Lock");
    assertThat(lock.get("TTL").asText()).isEqualTo("10s");
    assertThat(lock.get("LockDelay").asText()).isEqualTo("15s");
    String id = lock.get("ID").asText();
    assertThat(id).hasSize(36);
    assertThat(acquired.json().get("Items").get("holder").asText()).isEqualTo("run-1");

    SimHttp.Answer second = acquire(LOCK, "{\"Items\":{\"holder\":\"run-2\"}}");
    assertThat(second.status()).isEqualTo(409);
    assertThat(second.json().get("ModifyIndex").asLong()).as("a zero value").isZero();
    assertThat(second.json().has("Items")).isFalse();
    assertThat(second.json().has("Lock")).isFalse();
    assertThat(hasIndexHeader(second)).isFalse();

    assertThat(put(LOCK, "", "{\"Items\":{\"holder\":\"intruder\"}}").status()).isEqualTo(409);
    assertThat(delete(LOCK, "").status()).isEqualTo(409);
    SimHttp.Answer byHolder =
        put(
            LOCK,
            "",
            "{\"Items\":{\"holder\":\"run-1\",\"step\":\"2\"},\"Lock\":{\"ID\":\"" + id + "\"}}");
    assertThat(byHolder.status()).isEqualTo(200);
    assertThat(byHolder.json().get("Lock").get("ID").asText()).isEqualTo(id);
    assertThat(lab.variable(LOCK)).contains(Map.of("holder", "run-1", "step", "2"));

    SimHttp.Answer renewed = put(LOCK, "lock-renew", lockId(id));
    assertThat(renewed.status()).isEqualTo(200);
    assertThat(renewed.json().get("Lock").get("ID").asText()).isEqualTo(id);
    assertThat(renewed.json().has("Items")).isFalse();
    assertThat(hasIndexHeader(renewed)).isFalse();
    SimHttp.Answer wrongRenew = put(LOCK, "lock-renew", lockId("not-the-id"));
    assertThat(wrongRenew.status()).isEqualTo(409);
    assertThat(wrongRenew.body()).isEqualTo("attempting to modify locked variable");

    assertThat(put(LOCK, "lock-release", lockId("not-the-id")).status()).isEqualTo(409);
    SimHttp.Answer released = put(LOCK, "lock-release", lockId(id));
    assertThat(released.status()).isEqualTo(200);
    assertThat(released.json().has("Lock")).isFalse();
    assertThat(released.json().has("Items")).isFalse();
    assertThat(lab.variable(LOCK)).as("a release keeps the items").isPresent();

    SimHttp.Answer next = acquire(LOCK, "{\"Items\":{\"holder\":\"run-2\"}}");
    assertThat(next.status()).as("no lock delay after a release").isEqualTo(200);
    assertThat(next.json().get("Lock").get("ID").asText()).isNotEqualTo(id);
    assertThat(lab.variable(LOCK)).contains(Map.of("holder", "run-2"));
    assertThat(lab.eventsFor(LOCK))
        .extracting(SimEvent::type)
        .containsSubsequence(
            SimEvent.Type.LOCK_ACQUIRED,
            SimEvent.Type.VAR_WRITTEN,
            SimEvent.Type.LOCK_RENEWED,
            SimEvent.Type.LOCK_RELEASED,
            SimEvent.Type.LOCK_ACQUIRED);
  }

  @Test
  void renewingAndReleasingWhatIsNotLockedIsRefused() {
    put(STATE, "", "{\"Items\":{\"a\":\"b\"}}");

    assertThat(put("nothing", "lock-renew", lockId("x")).status()).isEqualTo(404);
    SimHttp.Answer notLocked = put(STATE, "lock-renew", lockId("x"));
    assertThat(notLocked.status()).isEqualTo(409);
    assertThat(notLocked.body()).isEqualTo("variable doesn't hold a lock");
    SimHttp.Answer noId = put(STATE, "lock-release", "{}");
    assertThat(noId.status()).isEqualTo(400);
    assertThat(noId.body()).isEqualTo("RPC Error:: 400,missing lock information");
    assertThat(put(STATE, "lock-release", lockId("x")).body())
        .isEqualTo("variable doesn't hold a lock");
  }

  @Test
  void aLockWhoseHolderStopsRenewingIsLostAfterTwiceItsTtlThenHeldForItsLockDelay() {
    String id =
        acquire(LOCK, "{\"Lock\":{\"TTL\":\"10s\",\"LockDelay\":\"15s\"}}")
            .json()
            .get("Lock")
            .get("ID")
            .asText();

    at(Duration.ofSeconds(20).minusMillis(1));
    assertThat(recorded(SimEvent.Type.LOCK_EXPIRED, LOCK)).as("lost before 2 × TTL").isFalse();

    at(Duration.ofSeconds(20));
    assertThat(recorded(SimEvent.Type.LOCK_EXPIRED, LOCK)).as("lost at 2 × TTL").isTrue();
    assertThat(eventTime(SimEvent.Type.LOCK_EXPIRED)).isEqualTo(START + 20_000);
    SimHttp.Answer lateRenew = put(LOCK, "lock-renew", lockId(id));
    assertThat(lateRenew.status()).isEqualTo(409);
    assertThat(lateRenew.body()).isEqualTo("attempting to modify locked variable");
    assertThat(acquire(LOCK, "{}").status()).as("still held for the lock delay").isEqualTo(409);

    at(Duration.ofSeconds(35).minusMillis(1));
    assertThat(recorded(SimEvent.Type.LOCK_RELEASED, LOCK))
        .as("released before the lock delay ends")
        .isFalse();
    assertThat(acquire(LOCK, "{}").status()).as("still held for the lock delay").isEqualTo(409);

    at(Duration.ofSeconds(35));
    assertThat(eventTime(SimEvent.Type.LOCK_RELEASED))
        .as("released at 2 × TTL + lock delay")
        .isEqualTo(START + 35_000);
    assertThat(get("/v1/var/" + LOCK).json().has("Lock")).isFalse();
    assertThat(acquire(LOCK, "{}").status()).as("taken over").isEqualTo(200);
  }

  @Test
  void renewingKeepsTheLockPastItsTtl() {
    String id = acquire(LOCK, "{\"Lock\":{\"TTL\":\"10s\"}}").json().get("Lock").get("ID").asText();

    Duration last = Duration.ZERO;
    for (int i = 0; i < 8; i++) {
      last = last.plusSeconds(15);
      at(last);
      assertThat(put(LOCK, "lock-renew", lockId(id)).status())
          .as("renewal at " + last)
          .isEqualTo(200);
    }
    assertThat(last).isGreaterThan(Duration.ofSeconds(20));
    at(last.plusSeconds(20).minusMillis(1));

    assertThat(recorded(SimEvent.Type.LOCK_EXPIRED, LOCK))
        .as("lost before 2 × TTL after the last renewal")
        .isFalse();
    assertThat(acquire(LOCK, "{}").status()).isEqualTo(409);
    at(last.plusSeconds(20));
    assertThat(recorded(SimEvent.Type.LOCK_EXPIRED, LOCK))
        .as("lost 2 × TTL after the last renewal")
        .isTrue();
  }

  @Test
  void lockTimersRunAtTheLabsTimeScale() {
    lab.close();
    lab =
        SimLab.builder()
            .timing(SimDrainTest.TIMING)
            .nomadToken(TOKEN)
            .lockTimeScale(0.5)
            .clock(now::get)
            .node(SimNode.named("web-1"))
            .build()
            .start();
    nomad = lab.nomadAddress();
    acquire(LOCK, "{\"Lock\":{\"TTL\":\"10s\",\"LockDelay\":\"15s\"}}");

    at(Duration.ofSeconds(10).minusMillis(1));
    assertThat(recorded(SimEvent.Type.LOCK_EXPIRED, LOCK)).isFalse();
    at(Duration.ofSeconds(10));
    assertThat(recorded(SimEvent.Type.LOCK_EXPIRED, LOCK)).as("2 × 10s, halved").isTrue();
    at(Duration.ofMillis(17_500 - 1));
    assertThat(recorded(SimEvent.Type.LOCK_RELEASED, LOCK)).isFalse();
    at(Duration.ofMillis(17_500));
    assertThat(recorded(SimEvent.Type.LOCK_RELEASED, LOCK)).as("then 15s, halved").isTrue();
  }

  @Test
  void onlyAManagementTokenSeesALockInReadsAndLists() {
    SimHttp.Answer acquired = put(LOCK, "lock-acquire", "{\"Items\":{\"a\":\"b\"}}", WORKLOAD);
    assertThat(acquired.json().has("Lock")).as("the holder sees its own lock").isTrue();

    JsonNode asWorkload = SimHttp.get(nomad + "/v1/var/" + LOCK, "X-Nomad-Token", WORKLOAD).json();
    JsonNode asManagement = get("/v1/var/" + LOCK).json();
    assertThat(asWorkload.has("Lock")).isFalse();
    assertThat(asWorkload.get("Items").get("a").asText()).isEqualTo("b");
    assertThat(asManagement.get("Lock").get("ID").asText())
        .isEqualTo(acquired.json().get("Lock").get("ID").asText());
    assertThat(SimHttp.get(nomad + "/v1/vars", "X-Nomad-Token", WORKLOAD).json().get(0).has("Lock"))
        .isFalse();
    assertThat(get("/v1/vars").json().get(0).has("Lock")).isTrue();
  }

  @Test
  void theListHasMetadataOnlyFilteredByPrefix() {
    put("nomad/jobs/lab-orchestrator/b", "", "{\"Items\":{\"k\":\"v\"}}");
    put("nomad/jobs/lab-orchestrator/a", "", "{\"Items\":{\"k\":\"v\"}}");
    put("elsewhere", "", "{\"Items\":{\"k\":\"v\"}}");

    SimHttp.Answer list = get("/v1/vars?prefix=nomad/jobs/lab-orchestrator/");

    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json()).hasSize(2);
    assertThat(list.json().get(0).get("Path").asText()).isEqualTo("nomad/jobs/lab-orchestrator/a");
    assertThat(list.json().get(0).has("Items")).isFalse();
    assertThat(list.json().get(0).get("ModifyTime").asLong()).isPositive();
    assertThat(list.nomadIndex()).isPositive();
    assertThat(get("/v1/vars").json()).hasSize(3);
    assertThat(get("/v1/vars?namespace=prod").json()).isEmpty();
  }

  @Test
  void aBlockingReadReturnsWhenTheVariableChanges() throws Exception {
    long index = put(STATE, "", "{\"Items\":{\"step\":\"1\"}}").nomadIndex();
    CompletableFuture<SimHttp.Answer> waiting =
        SimHttp.getAsync(
            nomad + "/v1/var/" + STATE + "?index=" + index + "&wait=5s", "X-Nomad-Token", TOKEN);
    Thread.sleep(50);
    assertThat(waiting).isNotDone();

    put(STATE, "", "{\"Items\":{\"step\":\"2\"}}");

    SimHttp.Answer changed = waiting.get();
    assertThat(changed.nomadIndex()).isGreaterThan(index);
    assertThat(changed.json().get("Items").get("step").asText()).isEqualTo("2");
  }

  private long eventTime(SimEvent.Type type) {
    return lab.eventsFor(LOCK).stream()
        .filter(e -> e.type() == type)
        .findFirst()
        .orElseThrow()
        .atMillis();
  }
}
