package dev.laborchestrator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.cli.DemoLab;
import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.sim.SimEvent;
import dev.laborchestrator.sim.SimLab;
import dev.laborchestrator.sim.SimPrometheus;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: the maintenance window, the operator's pause and the alert gate hold the real CLI's
 * rollout over the simulated lab; {@code status --watch} follows it.
 */
class WindowPauseIT {
  /** Three independent hosts, one at a time: short, and every start is a separate decision. */
  private static final List<HostSpec> HOSTS =
      List.of(
          DemoLab.host("web-1", "web", 1, List.of(), "medium", 0),
          DemoLab.host("web-2", "web", 1, List.of(), "medium", 0),
          DemoLab.host("web-3", "web", 1, List.of(), "medium", 0));

  /** Only {@code Holds.TEST_NOW_FILE} in the CLI reads it; see there. */
  private static final String TEST_NOW_FILE = "LAB_ORCHESTRATOR_TEST_NOW_FILE";

  @TempDir Path dir;
  private DemoLab demo;
  private SimPrometheus prometheus;

  @AfterEach
  void stop() {
    if (demo != null) {
      demo.close();
    }
    if (prometheus != null) {
      prometheus.close();
    }
  }

  private SimLab lab(UnaryOperator<Map<String, Object>> edits) {
    demo =
        DemoLab.start(
            dir,
            HOSTS,
            Set.of(),
            UnaryOperator.identity(),
            config -> {
              config.put("maxParallel", 1);
              return edits.apply(config);
            });
    return demo.lab();
  }

  private String[] args(String command, String... extra) {
    List<String> args = new ArrayList<>(List.of(command, "--config=" + demo.config()));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  private Controller.Run cli(Map<String, String> env, String command, String... extra)
      throws IOException, InterruptedException {
    Controller.Run run = Controller.start(dir, command, env, args(command, extra)).await();
    for (String token : demo.tokens()) {
      assertThat(run.all()).as("a token in the output").doesNotContain(token);
    }
    return run;
  }

  private static Set<String> drained(SimLab lab) {
    return lab.events().stream()
        .filter(e -> e.type() == SimEvent.Type.DRAIN_STARTED)
        .map(SimEvent::node)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> started(String stdout) {
    Set<String> hosts = new TreeSet<>();
    Pattern preparing = Pattern.compile("\\s(web-\\d)\\s+PREPARING");
    stdout
        .lines()
        .map(preparing::matcher)
        .filter(m -> m.find())
        .forEach(m -> hosts.add(m.group(1)));
    return hosts;
  }

  private static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file) : "";
  }

  @Test
  void aWindowThatClosesMidRolloutStartsNoHostAfterItAndTheNextRunFinishes() throws Exception {
    SimLab lab =
        lab(
            config -> {
              config.put(
                  "window",
                  Map.of(
                      "days", List.of("sat"), "start", "02:00", "end", "06:00", "timeZone", "UTC"));
              return config;
            });
    Path now = dir.resolve("now");
    Files.writeString(now, "2026-12-05T03:00:00Z"); // a Saturday, inside
    Map<String, String> env = Map.of(TEST_NOW_FILE, now.toString());

    Controller first = Controller.start(dir, "first", env, args("run"));
    assertThat(first.awaitLine(Pattern.compile("web-1\\s+DRAINING"), Duration.ofMinutes(1)))
        .isTrue();
    Files.writeString(now, "2026-12-05T06:00:01Z"); // closed
    Set<String> startedBeforeClose = started(read(dir.resolve("first.out")));
    Controller.Run run = first.await();

    assertThat(run.exitCode()).as(run.all()).isZero();
    assertThat(run.stdout())
        .contains("Paused: outside the maintenance window (sat 02:00-06:00 UTC")
        .contains("next opens 2026-12-12T02:00Z")
        .containsPattern("[12] hosts? (is|are) left; the checkpoint is kept");
    assertThat(drained(lab)).isEqualTo(startedBeforeClose).contains("web-1").hasSizeLessThan(3);
    for (String host : drained(lab)) {
      assertThat(lab.node(host).eligible()).as(host + " finished").isTrue();
      assertThat(lab.node(host).revision()).isEqualTo(DemoLab.NEW_REVISION);
    }

    Controller.Run outside = cli(env, "run");
    assertThat(outside.exitCode()).as(outside.all()).isZero();
    assertThat(outside.stdout()).contains("Nothing was started");
    assertThat(drained(lab)).isEqualTo(startedBeforeClose);

    Controller.Run plan = cli(env, "plan");
    assertThat(plan.stdout())
        .contains("Maintenance window: sat 02:00-06:00 UTC, next opens 2026-12-12T02:00Z");

    Files.writeString(now, "2026-12-12T02:00:00Z");
    Controller.Run next = cli(env, "run");
    assertThat(next.exitCode()).as(next.all()).isZero();
    assertThat(next.stdout()).contains("Resuming rollout");
    assertThat(drained(lab)).containsExactly("web-1", "web-2", "web-3");
    for (String host : List.of("web-1", "web-2", "web-3")) {
      assertThat(lab.node(host).revision()).isEqualTo(DemoLab.NEW_REVISION);
    }
  }

  @Test
  void aPausedRolloutStartsNoHostUntilResumedAndStatusWatchFollowsItToTheEnd() throws Exception {
    SimLab lab = lab(UnaryOperator.identity());
    Controller.Run pause = cli(Map.of(), "pause", "--reason", "disk swap");
    assertThat(pause.exitCode()).as(pause.all()).isZero();

    Controller run = Controller.start(dir, "paused", Map.of(), args("run"));
    assertThat(
            run.awaitLine(Pattern.compile("disk swap: no new host starts"), Duration.ofMinutes(1)))
        .isTrue();
    Controller.Run status = cli(Map.of(), "status");
    assertThat(status.stdout()).contains("Pause: paused by").contains("disk swap");
    assertThat(drained(lab)).isEmpty();

    Controller watch = Controller.start(dir, "watch", Map.of(), args("status", "--watch"));
    Controller.Run resume = cli(Map.of(), "resume");
    assertThat(resume.exitCode()).as(resume.all()).isZero();
    Controller.Run finished = run.await();

    assertThat(finished.exitCode()).as(finished.all()).isZero();
    assertThat(finished.stdout()).contains("hold lifted");
    assertThat(Pattern.compile("disk swap").matcher(finished.stdout()).results().count())
        .as("the hold is said once")
        .isEqualTo(1);
    assertThat(drained(lab)).containsExactly("web-1", "web-2", "web-3");
    Controller.Run watched = watch.await();
    assertThat(watched.exitCode()).as(watched.all()).isZero();
    assertThat(watched.stdout()).contains("web-3            DONE").contains("The rollout is done.");
  }

  private UnaryOperator<Map<String, Object>> gate(String url) {
    return config -> {
      Map<String, Object> gate = new HashMap<>();
      gate.put("url", url);
      gate.put("maxWait", "3s");
      gate.put("interval", "1s");
      config.put("gates", Map.of("prometheus", gate));
      return config;
    };
  }

  @Test
  void aFiringAlertHoldsTheRolloutUntilMaxWaitEndsTheRun() throws Exception {
    prometheus = SimPrometheus.start();
    prometheus.fire("DiskFull");
    SimLab lab = lab(gate(prometheus.address()));

    Controller.Run run = cli(Map.of(), "run");

    assertThat(run.exitCode()).as(run.all()).isZero();
    assertThat(run.stdout())
        .contains("alerts active in Prometheus: DiskFull: no new host starts")
        .contains("Paused: still held after 3s: alerts active in Prometheus: DiskFull")
        .contains("3 hosts are left");
    assertThat(prometheus.queries()).isGreaterThan(1);
    assertThat(drained(lab)).isEmpty();
  }

  @Test
  void anUnreachablePrometheusHoldsTheRolloutToo() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    SimLab lab = lab(gate("http://127.0.0.1:" + closedPort));

    Controller.Run run = cli(Map.of(), "run");

    assertThat(run.exitCode()).as(run.all()).isZero();
    assertThat(run.stdout()).contains("cannot be asked for alerts").contains("Paused: still held");
    assertThat(drained(lab)).isEmpty();
  }

  @Test
  void aWindowWithAnUnknownDayIsRefusedAndNothingChanges() throws Exception {
    SimLab lab =
        lab(
            config -> {
              config.put("window", Map.of("days", List.of("funday")));
              return config;
            });

    Controller.Run run = cli(Map.of(), "run");

    assertThat(run.exitCode()).as(run.all()).isEqualTo(2);
    assertThat(run.all()).contains("window.days: 'funday'");
    assertThat(lab.events()).noneMatch(e -> e.type() == SimEvent.Type.VAR_WRITTEN);
    assertThat(drained(lab)).isEmpty();
  }
}
