package dev.laborchestrator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.laborchestrator.cli.DemoLab;
import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.report.Schemas;
import dev.laborchestrator.sim.SimEvent;
import dev.laborchestrator.sim.SimLab;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, what an operator sees around a run: webhooks, {@code /metrics}, {@code --report} and
 * {@code status --json}; and bad values for those keys refused before anything changes.
 */
class OperatorIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  private DemoLab demo;
  private final MockWebServer receiver = new MockWebServer();
  private final List<String> received = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws IOException {
    if (demo != null) {
      demo.close();
    }
    receiver.shutdown();
  }

  private SimLab lab(UnaryOperator<Map<String, Object>> edits) {
    demo = DemoLab.start(dir, Labs.TWO, Set.of(), UnaryOperator.identity(), edits);
    return demo.lab();
  }

  private static UnaryOperator<Map<String, Object>> with(String key, Object value) {
    return config -> {
      config.put(key, value);
      return config;
    };
  }

  private String receiverUrl() throws IOException {
    receiver.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            received.add(request.getBody().readUtf8());
            return new MockResponse().setResponseCode(204);
          }
        });
    receiver.start();
    return receiver.url("/hooks/SECRET-PATH").toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private Controller.Run cli(String... args) throws IOException, InterruptedException {
    Controller.Run run =
        Controller.start(dir, args[0] + "-" + System.nanoTime(), Map.of(), args).await();
    assertThat(run.all()).doesNotContain("SECRET-PATH");
    demo.tokens().forEach(t -> assertThat(run.all()).doesNotContain(t));
    return run;
  }

  private boolean touched() {
    return demo.lab().events().stream()
        .anyMatch(
            e ->
                e.type() == SimEvent.Type.DRAIN_STARTED
                    || e.type() == SimEvent.Type.REBOOT_STARTED
                    || e.type() == SimEvent.Type.ELIGIBILITY_CHANGED);
  }

  /** The non-zero {@code lab_orchestrator_hosts} series of one scrape, or null if none answered. */
  private static Map<String, Integer> hostsByState(OkHttpClient http, int port) {
    Request request = new Request.Builder().url("http://127.0.0.1:" + port + "/metrics").build();
    try (Response response = http.newCall(request).execute()) {
      Map<String, Integer> states = new TreeMap<>();
      for (String line : response.body().string().split("\n")) {
        if (line.startsWith("lab_orchestrator_hosts{state=\"")) {
          String state = line.substring(line.indexOf('"') + 1, line.lastIndexOf('"'));
          int n = (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          if (n > 0) {
            states.put(state, n);
          }
        }
      }
      return states.isEmpty() ? null : states;
    } catch (IOException notYet) {
      return null;
    }
  }

  @Test
  void aWebhookGetsTheEventsInOrderMetricsShowHostsMovingAndTheReportMatchesTheRun()
      throws Exception {
    String url = receiverUrl();
    int port = freePort();
    Map<String, Object> metrics = Map.of("port", port);
    SimLab lab =
        lab(
            with("notify", List.of(Map.of("url", url, "format", "json")))
                    .andThen(with("metrics", metrics))
                ::apply);
    Path report = dir.resolve("report.json");

    Controller run =
        Controller.start(
            dir, "run", Map.of(), "run", "--config=" + demo.config(), "--report=" + report);
    OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(2)).build();
    Set<Map<String, Integer>> distributions = new LinkedHashSet<>();
    while (run.alive()) {
      Map<String, Integer> seen = hostsByState(http, port);
      if (seen != null) {
        distributions.add(seen);
      }
      Thread.sleep(20);
    }
    Controller.Run result = run.await();

    assertThat(result.exitCode()).as(result.all()).isZero();
    assertThat(result.all()).doesNotContain("SECRET-PATH");
    assertThat(distributions).as("host state distributions scraped").hasSizeGreaterThanOrEqualTo(2);

    List<String> events = new ArrayList<>();
    List<String> hosts = new ArrayList<>();
    String rolloutId = null;
    for (String body : received) {
      assertThat(Schemas.violations("notification", body)).as(body).isEmpty();
      JsonNode n = JSON.readTree(body);
      events.add(n.get("event").asText());
      if (n.has("host")) {
        hosts.add(n.get("host").asText());
      }
      rolloutId = n.get("rolloutId").asText();
    }
    assertThat(events).containsExactly("started", "host-done", "host-done", "done");
    assertThat(hosts).containsExactly("a", "b");
    assertThat(result.stdout()).contains("Rollout " + rolloutId + " starting");

    String json = Files.readString(report);
    assertThat(Schemas.violations("report", json)).as(json).isEmpty();
    JsonNode r = JSON.readTree(json);
    assertThat(r.get("rolloutId").asText()).isEqualTo(rolloutId);
    assertThat(r.get("status").asText()).isEqualTo("done");
    for (JsonNode host : r.get("hosts")) {
      assertThat(host.get("result").asText()).isEqualTo("DONE");
      assertThat(host.get("action").asText()).isEqualTo("rebooted");
      assertThat(host.get("states").findValuesAsText("state"))
          .contains("DRAINING", "REBOOTING", "VERIFYING", "DONE");
      assertThat(lab.node(host.get("host").asText()).revision()).isEqualTo(DemoLab.NEW_REVISION);
    }

    Controller.Run status = cli("status", "--config=" + demo.config(), "--json");
    assertThat(status.exitCode()).as(status.all()).isZero();
    assertThat(Schemas.violations("report", status.stdout())).as(status.stdout()).isEmpty();
    assertThat(JSON.readTree(status.stdout()).get("rolloutId").asText()).isEqualTo(rolloutId);
  }

  @Test
  void aReceiverThatIsDownChangesNothingAboutTheRollout() throws Exception {
    int closed = freePort();
    SimLab lab =
        lab(
            with(
                "notify",
                List.of(Map.of("url", "http://127.0.0.1:" + closed + "/hooks/SECRET-PATH"))));

    Controller.Run run = cli("run", "--config=" + demo.config());

    assertThat(run.exitCode()).as(run.all()).isZero();
    for (HostSpec host : Labs.TWO) {
      assertThat(lab.node(host.hostname()).revision()).isEqualTo(DemoLab.NEW_REVISION);
      assertThat(lab.node(host.hostname()).eligible()).isTrue();
    }
    assertThat(run.stdout()).contains("a                DONE").contains("b                DONE");
    assertThat(run.stderr()).contains("notification was not delivered");
  }

  @Test
  void badNotifyAndMetricsValuesAreRefusedWithExit2AndNothingChanged() throws Exception {
    lab(UnaryOperator.identity());
    Path config = demo.config();
    String base = Files.readString(config);
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("notify: [{ url: \"ftp://files/x\" }]\n", "notify[0].url is not an http");
    cases.put("notify: [{ url: \"http://r/\", format: teams }]\n", "notify[0].format 'teams'");
    cases.put("notify: [{ url: \"http://r/\", events: [rebooted] }]\n", "'rebooted' is not known");
    try (ServerSocket busy = new ServerSocket()) {
      busy.bind(new InetSocketAddress(0));
      cases.put("metrics: { port: " + busy.getLocalPort() + " }\n", "is it in use?");
      for (Map.Entry<String, String> bad : cases.entrySet()) {
        Files.writeString(config, base + bad.getKey());
        Controller.Run run = cli("run", "--config=" + config);
        assertThat(run.exitCode()).as(bad.getKey() + run.all()).isEqualTo(2);
        assertThat(run.stderr()).contains(bad.getValue());
      }
    }
    assertThat(touched()).as("the cluster was touched").isFalse();
    Files.writeString(config, base);
    Controller.Run status = cli("status", "--config=" + config);
    assertThat(status.stdout()).contains("Lock: free").contains("No rollout recorded.");
  }
}
