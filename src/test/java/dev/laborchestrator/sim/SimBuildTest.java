package dev.laborchestrator.sim;

import static dev.laborchestrator.sim.SimHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Builds ahead of activation, whether they need a reboot, and switching without one. */
class SimBuildTest {

  static final Duration BUILD = Duration.ofMinutes(3);

  final SimCapacityTest clock = new SimCapacityTest();

  @AfterEach
  void stop() {
    clock.stop();
  }

  String control(String verb, String host) {
    return clock.nomad + "/sim/v1/" + verb + "/" + host;
  }

  CompletableFuture<SimHttp.Answer> buildAsync(String host, String revision) {
    HttpRequest request =
        SimHttp.request(control("build", host) + "?revision=" + revision)
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    return java.net.http.HttpClient.newHttpClient()
        .sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new SimHttp.Answer(r.statusCode(), r.headers(), r.body()));
  }

  @Test
  void aBuildTakesTheHostsBuildTimeWhileTheHostStaysInServiceAndThenNeedsAReboot()
      throws Exception {
    clock.start(b -> b.node(SimNode.named("web-1").serviceAllocs(1).buildTime(BUILD)));

    CompletableFuture<SimHttp.Answer> build = buildAsync("web-1", "rev-b");
    SimHttp.await(
        "build started",
        Duration.ofSeconds(10),
        () ->
            clock.lab.eventsFor("web-1").stream()
                .anyMatch(e -> e.type() == SimEvent.Type.BUILD_STARTED));
    clock.at(BUILD.minusMillis(1));
    assertThat(build).isNotDone();
    SimNodeState during = clock.lab.node("web-1");
    assertThat(during.ready() && during.eligible() && !during.draining()).isTrue();
    assertThat(during.revision()).isEqualTo("initial");

    clock.at(BUILD);
    SimHttp.Answer answer = build.get(10, TimeUnit.SECONDS);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().get("StorePath").asText())
        .matches("/nix/store/[0-9a-df-np-sv-z]{32}-nixos-system-web-1-rev-b");
    assertThat(answer.json().get("RebootNeeded").asBoolean()).isTrue();
    assertThat(clock.lab.eventsFor("web-1"))
        .filteredOn(e -> e.type() == SimEvent.Type.BUILD_FINISHED)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.atMillis() - SimCapacityTest.START).isEqualTo(BUILD.toMillis());
              assertThat(e.detail()).contains("rev-b", "reboot needed");
            });
    assertThat(clock.lab.node("web-1").revision()).as("built, not activated").isEqualTo("initial");
  }

  @Test
  void aRebootWithoutARevisionBootsTheStagedBuildAndItsKernel() throws Exception {
    clock.start(b -> b.node(SimNode.named("web-1")));
    assertThat(post(control("build", "web-1") + "?revision=rev-b", null).status()).isEqualTo(200);

    assertThat(post(control("reboot", "web-1"), null).status()).isEqualTo(202);
    SimTiming t = SimDrainTest.TIMING;
    clock.at(t.rebootGoesDown());
    clock.at(t.rebootGoesDown().plus(t.downFor()));
    clock.at(t.rebootGoesDown().plus(t.downFor()).plus(t.initializingFor()));

    assertThat(clock.lab.node("web-1").revision()).isEqualTo("rev-b");
    assertThat(clock.lab.node("web-1").ready()).isTrue();
    SimHttp.Answer again = post(control("build", "web-1") + "?revision=rev-b", null);
    assertThat(again.json().get("RebootNeeded").asBoolean())
        .as("the booted kernel is the built one now")
        .isFalse();
  }

  @Test
  void withoutAKernelChangeTheHostSwitchesWithoutARebootAndItsServicesRestart() {
    clock.start(b -> b.node(SimNode.named("web-1").kernelChanges(false).services("web")));
    String bootId = clock.lab.node("web-1").bootId();
    SimHttp.Answer built = post(control("build", "web-1") + "?revision=rev-b", null);
    assertThat(built.json().get("RebootNeeded").asBoolean()).isFalse();

    SimHttp.Answer switched =
        post(control("switch", "web-1") + "?path=" + built.json().get("StorePath").asText(), null);

    assertThat(switched.status()).isEqualTo(200);
    SimNodeState after = clock.lab.node("web-1");
    assertThat(after.revision()).isEqualTo("rev-b");
    assertThat(after.bootId()).isEqualTo(bootId);
    assertThat(after.reboots()).isZero();
    assertThat(after.ready()).isTrue();
    assertThat(after.checks()).containsEntry("service:web", "critical");
    assertThat(clock.lab.nodeMeta("web-1")).containsEntry("nixos.revision", "rev-b");
    assertThat(clock.lab.eventsFor("web-1"))
        .extracting(SimEvent::type)
        .containsSubsequence(
            SimEvent.Type.BUILD_STARTED, SimEvent.Type.BUILD_FINISHED, SimEvent.Type.SWITCHED)
        .doesNotContain(SimEvent.Type.REBOOT_STARTED, SimEvent.Type.STATUS_CHANGED);

    clock.at(SimDrainTest.TIMING.checksPassAfter());
    assertThat(clock.lab.node("web-1").checks()).containsEntry("service:web", "passing");
    assertThat(post(control("switch", "web-1"), null).status())
        .as("nothing staged any more")
        .isEqualTo(409);
  }

  @Test
  void aFailedBuildStagesNothing() {
    clock.start(b -> b.node(SimNode.named("web-1")));
    clock.lab.faults("web-1").buildFails(true);

    SimHttp.Answer answer = post(control("build", "web-1") + "?revision=rev-b", null);

    assertThat(answer.status()).isEqualTo(422);
    assertThat(post(control("switch", "web-1"), null).status()).isEqualTo(409);
    assertThat(clock.lab.eventsFor("web-1"))
        .extracting(SimEvent::type)
        .contains(SimEvent.Type.BUILD_FAILED)
        .doesNotContain(SimEvent.Type.BUILD_FINISHED);
  }
}
