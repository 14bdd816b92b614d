package dev.laborchestrator.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * One simulated HTTP API, on 127.0.0.1 with an ephemeral port unless told where to listen. Every
 * request passes fault injection and the token check, is answered by {@link #route}, and lands in
 * the lab's record. Handlers run on a cached thread pool because blocking queries hold their thread
 * for up to ten minutes.
 */
abstract class ApiServer implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();

  /** Nomad's {@code structs.DefaultBlockingRPCQueryTime} and Consul's default query time. */
  private static final long DEFAULT_WAIT_NANOS = TimeUnit.MINUTES.toNanos(5);

  /** Nomad's {@code structs.MaxBlockingRPCQueryTime} and Consul's maximum query time. */
  private static final long MAX_WAIT_NANOS = TimeUnit.MINUTES.toNanos(10);

  /** {@code structs.JitterFraction} in both: up to wait/16 is added to spread wake-ups. */
  private static final int JITTER_FRACTION = 16;

  static {
    // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle's algorithm
    // and delayed ACKs hold every answer for ~40 ms. Read once, when the first server is made.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  final Cluster cluster;
  private final HttpServer server;
  private final ExecutorService pool;

  ApiServer(Cluster cluster, String name) {
    this(cluster, name, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  /** Listens on {@code bind}; an {@link UncheckedIOException} when that address cannot be had. */
  ApiServer(Cluster cluster, String name, InetSocketAddress bind) {
    this.cluster = cluster;
    try {
      server = HttpServer.create(bind, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the simulated " + name + " API on " + bind, e);
    }
    AtomicInteger threads = new AtomicInteger();
    pool =
        Executors.newCachedThreadPool(
            task -> {
              Thread thread = new Thread(task, "sim-" + name + "-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    server.setExecutor(pool);
    server.createContext("/", this::handle);
  }

  void start() {
    server.start();
  }

  /** {@code http://<ip>:<port>}. */
  String address() {
    return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + port();
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }

  /** A request as the handlers see it: the path decoded, query parameters by first value. */
  record Call(
      String method,
      String path,
      String rawQuery,
      Map<String, String> query,
      Headers headers,
      byte[] body) {

    String param(String name) {
      return query.get(name);
    }

    String header(String name) {
      String value = headers.getFirst(name);
      return value == null ? "" : value.trim();
    }

    /** The token of an {@code Authorization: Bearer <token>} header, else empty. */
    String bearerToken() {
      String[] parts = header("Authorization").split(" +");
      return parts.length > 1 && parts[0].equalsIgnoreCase("bearer") ? parts[1] : "";
    }
  }

  /**
   * An answer; {@code body} is JSON unless the content type says otherwise. A reply with a {@code
   * stream} has no body: after the headers it is written chunked by the stream, which returns when
   * it is over.
   */
  record Reply(
      int status, Map<String, String> headers, String contentType, byte[] body, Streamer stream) {

    Reply(int status, Map<String, String> headers, String contentType, byte[] body) {
      this(status, headers, contentType, body, null);
    }

    static Reply streaming(Map<String, String> headers, Streamer stream) {
      return new Reply(200, headers, "application/json", new byte[0], stream);
    }

    static Reply json(int status, Object body, Map<String, String> headers) {
      try {
        return new Reply(status, headers, "application/json", JSON.writeValueAsBytes(body));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot render a simulated answer", e);
      }
    }

    static Reply text(int status, String message) {
      return new Reply(
          status, Map.of(), "text/plain; charset=utf-8", message.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Writes a streaming answer's body; must not hold the cluster lock while it writes. */
  interface Streamer {
    void write(java.io.OutputStream body) throws IOException, InterruptedException;
  }

  /** Control endpoints bypass faults, tokens and the request record. */
  boolean isControl(Call call) {
    return false;
  }

  Reply control(Call call) {
    throw new UnsupportedOperationException();
  }

  /**
   * Whether anything listens: false drops every connection unanswered, as when the process behind
   * the API is not running.
   */
  boolean listeningLocked(Cluster cluster) {
    return true;
  }

  /** The node a request names, for its fault rate; null when it names none. */
  abstract NodeModel namedNodeLocked(Cluster cluster, Call call);

  /** An error answer when the request's token is refused, else null. */
  abstract Reply authorize(Call call);

  abstract Reply route(Call call) throws InterruptedException;

  private void handle(HttpExchange exchange) {
    long arrivedAt = System.currentTimeMillis();
    try (exchange) {
      Call call = read(exchange);
      if (isControl(call)) {
        send(exchange, control(call));
        return;
      }
      Cluster.Fault fault =
          cluster.locked(this::listeningLocked)
              ? cluster.rollFault(c -> namedNodeLocked(c, call))
              : Cluster.Fault.DROP_BEFORE;
      Reply reply = serve(call, fault);
      // Recorded before the answer leaves, so a client that has its answer finds it in the record.
      cluster.recordRequest(
          new SimRequest(
              call.method(),
              call.path(),
              redact(call.rawQuery()),
              reply == null ? 0 : reply.status(),
              arrivedAt));
      if (reply != null) {
        send(exchange, reply);
      }
    } catch (IOException e) {
      // The client went away, or the lab is closing: nothing left to answer.
    }
  }

  /** The answer to send, or null to drop the connection without one. */
  private Reply serve(Call call, Cluster.Fault fault) {
    switch (fault) {
      case DROP_BEFORE:
        return null;
      case ERROR_500:
        // Nomad and Consul answer 500 "No cluster leader" while the servers elect a leader.
        return Reply.text(500, "No cluster leader");
      case ERROR_503:
        // What a load balancer in front of the servers answers when no backend is healthy.
        return Reply.text(503, "Service Unavailable");
      default:
        break;
    }
    Reply reply;
    try {
      reply = authorize(call);
      if (reply == null) {
        reply = route(call);
      }
    } catch (ApiError e) {
      reply = Reply.text(e.status, e.getMessage());
    } catch (RuntimeException e) {
      reply = Reply.text(500, "sim: unexpected " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
    return fault == Cluster.Fault.DROP_AFTER ? null : reply;
  }

  private static Call read(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    String rawQuery = exchange.getRequestURI().getRawQuery();
    return new Call(
        exchange.getRequestMethod(),
        exchange.getRequestURI().getPath(),
        rawQuery == null ? "" : rawQuery,
        parseQuery(rawQuery),
        exchange.getRequestHeaders(),
        body);
  }

  /** Go's {@code url.Values.Get}: the first value; a key without {@code =} has value "". */
  private static Map<String, String> parseQuery(String rawQuery) {
    Map<String, String> query = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return query;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      query.putIfAbsent(key, value);
    }
    return query;
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  /** The record keeps no secrets: a {@code token} query parameter's value is dropped. */
  static String redact(String rawQuery) {
    return rawQuery.replaceAll("(^|&)token=[^&]*", "$1token=redacted");
  }

  private static void send(HttpExchange exchange, Reply reply) throws IOException {
    Headers headers = exchange.getResponseHeaders();
    reply.headers().forEach(headers::set);
    headers.set("Content-Type", reply.contentType());
    if (reply.stream() != null) {
      exchange.sendResponseHeaders(reply.status(), 0);
      try {
        reply.stream().write(exchange.getResponseBody());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    byte[] body = reply.body();
    exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      exchange.getResponseBody().write(body);
    }
  }

  /** Go's strconv.ParseBool, which both agents use for boolean parameters; null if invalid. */
  static Boolean goParseBool(String value) {
    return switch (value) {
      case "1", "t", "T", "TRUE", "true", "True" -> true;
      case "0", "f", "F", "FALSE", "false", "False" -> false;
      default -> null;
    };
  }

  // ---- shared parsing (Nomad's and Consul's parseWait behave alike) ----

  /** A blocking query on the call's {@code index} and {@code wait} parameters. */
  <T> Cluster.Read<T> blockingRead(
      Call call, ToLongFunction<Cluster> index, Function<Cluster, T> render)
      throws InterruptedException {
    return cluster.read(minIndex(call), waitNanos(call), index, render);
  }

  /** The {@code index} parameter; 0 when absent. */
  private static long minIndex(Call call) {
    String index = call.param("index");
    if (index == null || index.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseUnsignedLong(index);
    } catch (NumberFormatException e) {
      throw new ApiError(400, "Invalid index");
    }
  }

  /**
   * The {@code wait} parameter in Go duration syntax: default 5m, at most 10m, plus a random
   * stagger of up to a sixteenth (api-docs "Blocking Queries").
   */
  private static long waitNanos(Call call) {
    String wait = call.param("wait");
    long nanos = 0;
    if (wait != null && !wait.isEmpty()) {
      try {
        nanos = GoDuration.parseNanos(wait);
      } catch (IllegalArgumentException e) {
        throw new ApiError(400, "Invalid wait time");
      }
    }
    if (nanos > MAX_WAIT_NANOS) {
      nanos = MAX_WAIT_NANOS;
    } else if (nanos <= 0) {
      nanos = DEFAULT_WAIT_NANOS;
    }
    long stagger = nanos / JITTER_FRACTION;
    return nanos + (stagger > 0 ? ThreadLocalRandom.current().nextLong(stagger) : 0);
  }

  /** The JSON request body: 400 as Nomad's decodeBody answers an empty or malformed one. */
  static JsonNode jsonBody(Call call) {
    if (call.body().length == 0) {
      throw new ApiError(400, "Request body is empty");
    }
    try {
      JsonNode body = JSON.readTree(call.body());
      if (body == null) {
        throw new ApiError(400, "EOF");
      }
      return body;
    } catch (JsonProcessingException e) {
      throw new ApiError(400, "malformed JSON body: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ApiError(400, e.getMessage());
    }
  }
}
