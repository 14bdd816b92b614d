package dev.laborchestrator.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny Prometheus for the alert gate: only the instant query of the {@code ALERTS} series, {@code
 * GET /api/v1/query?query=ALERTS}, on its own loopback port.
 *
 * <p>The answer follows prometheus/prometheus docs/querying/api.md ("Instant queries", "Format
 * overview" and "Instant vectors"): {@code {"status":"success","data":{"resultType":"vector",
 * "result":[{"metric":{"__name__":"ALERTS","alertname":"...","alertstate":"firing"},"value":[<unix
 * seconds>,"1"]}]}}}. The {@code ALERTS} series has one sample of value 1 per active alert, with
 * the alert's labels and {@code alertstate} {@code pending} or {@code firing} (docs/configuration/
 * alerting_rules.md, "Inspecting alerts during runtime"). Any other query is answered with an empty
 * vector; any other path with 404, as Prometheus's router does.
 */
public final class SimPrometheus implements AutoCloseable {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final HttpServer server;
  private final Map<String, String> alerts = new ConcurrentHashMap<>();
  private final AtomicInteger queries = new AtomicInteger();

  private SimPrometheus(HttpServer server) {
    this.server = server;
  }

  /** Starts on 127.0.0.1 on an ephemeral port. */
  public static SimPrometheus start() {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the simulated Prometheus", e);
    }
    SimPrometheus prometheus = new SimPrometheus(server);
    server.createContext("/", prometheus::handle);
    server.start();
    return prometheus;
  }

  /** {@code http://127.0.0.1:<port>} */
  public String address() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** An alert of this name is now active, in state {@code firing}. */
  public void fire(String alertname) {
    alerts.put(alertname, "firing");
  }

  /** An alert of this name is now active, in state {@code pending}. */
  public void pending(String alertname) {
    alerts.put(alertname, "pending");
  }

  /** The alert is resolved: it leaves the {@code ALERTS} series. */
  public void resolve(String alertname) {
    alerts.remove(alertname);
  }

  /** How many queries have been answered. */
  public int queries() {
    return queries.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (!"/api/v1/query".equals(path)) {
        reply(exchange, 404, "404 page not found\n".getBytes(StandardCharsets.UTF_8), "text/plain");
        return;
      }
      String query = "";
      String raw = exchange.getRequestURI().getRawQuery();
      for (String pair : raw == null ? new String[0] : raw.split("&")) {
        if (pair.startsWith("query=")) {
          query = URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
        }
      }
      queries.incrementAndGet();
      ArrayNode result = F.arrayNode();
      if ("ALERTS".equals(query.strip())) {
        double now = System.currentTimeMillis() / 1000.0;
        alerts.forEach(
            (name, state) -> {
              ObjectNode sample = result.addObject();
              sample
                  .putObject("metric")
                  .put("__name__", "ALERTS")
                  .put("alertname", name)
                  .put("alertstate", state);
              sample.putArray("value").add(now).add("1");
            });
      }
      ObjectNode body = F.objectNode().put("status", "success");
      body.putObject("data").put("resultType", "vector").set("result", result);
      reply(exchange, 200, ApiServer.JSON.writeValueAsBytes(body), "application/json");
    }
  }

  private static void reply(HttpExchange exchange, int status, byte[] body, String type)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
