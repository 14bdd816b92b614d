package dev.laborchestrator.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NomadNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Who a change of the view wakes: whoever waits for any change, and of those waiting for one node
 * only the ones it concerns. Every wait ends on a change the test makes; the deadlines only guard
 * against a hang.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ViewTest {
  private final View view =
      new View(Clock.system()) {
        @Override
        public long awaitChange(long seen, Instant deadline) throws InterruptedException {
          return awaitInRealTime(seen, deadline);
        }

        @Override
        public Indexed<NomadNode> refresh(String nodeId) {
          return node(nodeId);
        }

        @Override
        public String mode() {
          return "test";
        }
      };

  private static Indexed<NomadNode> node(String id, String name, String status, long index) {
    return new Indexed<>(
        new NomadNode(id, name, null, status, 0, "eligible", null, null, Map.of(), Map.of()),
        index);
  }

  private static HealthCheck check(String node, String status) {
    return new HealthCheck(node, "serfHealth", "Serf Health Status", status, "", "");
  }

  private void twoNodes() {
    view.putNode("id-a", node("id-a", "a", "ready", 1));
    view.putNode("id-b", node("id-b", "b", "ready", 1));
    view.putChecks(List.of(check("a", "passing"), check("b", "passing")));
  }

  @Test
  void aChangeConcernsTheNodeItIsOfAndTheNodeWhoseChecksMoved() {
    twoNodes();
    long a = view.lastChangeOf("id-a");
    long b = view.lastChangeOf("id-b");

    view.putNode("id-b", node("id-b", "b", "down", 2));
    assertThat(view.lastChangeOf("id-a")).as("b's node is no concern of a").isEqualTo(a);
    assertThat(view.lastChangeOf("id-b")).isGreaterThan(b).isEqualTo(view.version());

    b = view.lastChangeOf("id-b");
    view.putChecks(List.of(check("a", "critical"), check("b", "passing")));
    assertThat(view.lastChangeOf("id-a")).isGreaterThan(a).isEqualTo(view.version());
    assertThat(view.lastChangeOf("id-b")).as("b's checks did not move").isEqualTo(b);

    long before = view.version();
    view.putChecks(List.of(check("a", "critical"), check("b", "passing")));
    assertThat(view.version()).as("the same answer again is no change").isEqualTo(before);

    view.poke();
    assertThat(view.lastChangeOf("id-a")).isEqualTo(view.version());
    assertThat(view.lastChangeOf("id-b")).isEqualTo(view.version());

    view.checksUnknown();
    assertThat(view.checks("a")).isNull();
    assertThat(view.lastChangeOf("id-b"))
        .as("Consul unknown concerns everyone")
        .isEqualTo(view.version());
  }

  @Test
  void aNodeRenamedInConsulIsConcernedByTheChecksOfItsNewName() {
    twoNodes();
    view.putNode("id-b", node("id-b", "b2", "ready", 2));
    long b = view.lastChangeOf("id-b");

    view.putChecks(List.of(check("a", "passing"), check("b", "critical")));
    assertThat(view.lastChangeOf("id-b")).as("the old name's checks").isEqualTo(b);

    view.putChecks(List.of(check("a", "passing"), check("b", "critical"), check("b2", "passing")));
    assertThat(view.lastChangeOf("id-b")).isGreaterThan(b).isEqualTo(view.version());
  }

  @Test
  void oneWaitingForANodeWakesWhenItsChecksChange() throws Exception {
    twoNodes();
    long seen = view.version();
    CompletableFuture<Long> waiter =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return view.awaitInRealTime(
                    seen, Instant.now().plus(Duration.ofMinutes(5)), "id-a");
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });

    while (!view.waitingFor("id-a")) {
      Thread.sleep(1);
    }
    view.putNode("id-b", node("id-b", "b", "down", 2));
    view.putChecks(List.of(check("a", "critical"), check("b", "passing")));

    assertThat(waiter.get(30, TimeUnit.SECONDS)).isGreaterThan(seen);
    assertThat(view.checks("a")).extracting(HealthCheck::status).containsExactly("critical");
  }
}
