package dev.laborchestrator.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.laborchestrator.config.OrchestratorConfig.TlsSettings;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.ApiException.TlsFailure;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.Indexed;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLException;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP API (Nomad's or Consul's): its address, its token header and its index header, with one
 * OkHttp client. Every call has a timeout; a blocking query's allows for its wait. Reads are
 * retried on transient failures, writes only when the caller says so. Failures are {@link
 * ApiException}s whose messages name the method and path and never contain the token.
 *
 * <p>Redirects are not followed (the token header would go along to wherever they point), and
 * OkHttp's own silent retry of failed connections is off, so that a write is sent once unless its
 * caller asked for retries.
 *
 * <p>An {@code https} address uses the {@link TlsSettings} given to the builder; {@code
 * unix:///path/to/api.sock} (Nomad's Task API socket) sends {@code http://localhost/...} requests
 * over that Unix domain socket.
 */
public final class HttpApi {
  /** Whether a write may be repeated when it failed transiently. */
  public enum Retries {
    /** The write is idempotent: retry it as the {@link RetryPolicy} says. */
    TRANSIENT_FAILURES,
    /** Send it once; the caller re-reads state and decides. */
    NONE
  }

  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  private static final String UNIX_SCHEME = "unix://";
  private static final String USER_AGENT = "lab-orchestrator";
  private static final String REDACTED = "<redacted>";
  private static final int ERROR_BODY_LIMIT = 512;
  private static final int SHAPE_EXCERPT_LIMIT = 80;

  private final HttpUrl base;
  private final String address;
  private final Path socket;
  private final String tokenHeader;
  private final String token;
  private final String indexHeader;
  private final Map<String, String> defaultQuery;
  private final HttpOptions options;
  private final OkHttpClient client;

  private static volatile ApiCallObserver observer = ApiCallObserver.NONE;
  private static final ThreadLocal<String> LAST_API = new ThreadLocal<>();

  /** Where every attempt and retry of every API in this process is reported (metrics). */
  public static void observe(ApiCallObserver replacement) {
    observer = replacement == null ? ApiCallObserver.NONE : replacement;
  }

  /** A retry is about to happen on this thread: of the API whose exchange just failed here. */
  static void retrying() {
    String api = LAST_API.get();
    observer.retry(api == null ? "unknown" : api);
  }

  /** {@code nomad} for {@code X-Nomad-Index}, {@code consul} for {@code X-Consul-Index}. */
  private String apiName() {
    return indexHeader.toLowerCase(java.util.Locale.ROOT).replace("x-", "").replace("-index", "");
  }

  private HttpApi(Builder builder) {
    this.address = builder.address == null ? null : builder.address.strip();
    this.socket = unixSocket(address);
    this.base = socket != null ? HttpUrl.get("http://localhost/") : parseAddress(address);
    this.tokenHeader = builder.tokenHeader;
    this.token = builder.token;
    this.indexHeader = builder.indexHeader;
    this.defaultQuery = Collections.unmodifiableMap(new LinkedHashMap<>(builder.defaultQuery));
    this.options = builder.options;
    OkHttpClient.Builder client =
        new OkHttpClient.Builder()
            .connectTimeout(options.connectTimeout())
            .readTimeout(options.readTimeout())
            .writeTimeout(options.readTimeout())
            .followRedirects(false)
            .followSslRedirects(false)
            .retryOnConnectionFailure(false)
            .addInterceptor(HttpApi::applyReadTimeout);
    if (socket != null) {
      client
          .socketFactory(new UnixDomainSocketFactory(socket))
          .dns(host -> List.of(InetAddress.getLoopbackAddress()))
          .proxy(Proxy.NO_PROXY);
    } else {
      client.socketFactory(new NoDelaySocketFactory());
    }
    if (socket == null && base.isHttps() && builder.tls.configured()) {
      ClientTls.load(builder.tls, address).applyTo(client);
    } else if (socket == null && builder.tls.configured()) {
      LOG.warn("TLS settings are given for {}, which is not https: they are not used", address);
    }
    this.client = client.build();
  }

  private HttpApi(HttpApi api, HttpUrl base) {
    this.base = base;
    this.address = base.toString();
    this.socket = null;
    this.tokenHeader = api.tokenHeader;
    this.token = api.token;
    this.indexHeader = api.indexHeader;
    this.defaultQuery = api.defaultQuery;
    this.options = api.options;
    this.client = api.client;
  }

  /**
   * @param address {@code http(s)://host:port}, optionally with a path prefix; {@code host:port}
   *     means plain http, as {@code CONSUL_HTTP_ADDR} usually has it; {@code unix:///path} a Unix
   *     domain socket
   */
  public static Builder builder(String address) {
    return new Builder(address);
  }

  /**
   * {@code GET} a JSON document together with the index header, blocking as {@code query} asks
   * ({@code ?index=&wait=<ms>ms}). Retried on transient failures. An answer without a usable index
   * header is of an unexpected shape: the next blocking query would need it.
   */
  public <T> Indexed<T> getIndexed(
      List<String> path, BlockingQuery query, ResponseReader<T> reader) {
    return getIndexed(path, query, (method, where, header) -> {}, reader);
  }

  /**
   * Like {@link #getIndexed(List, BlockingQuery, ResponseReader)}, with {@code check} looking at
   * the headers of each successful answer before its body is read: an answer the check refuses (by
   * throwing an {@link ApiException} that is not transient) is not retried and not read.
   */
  public <T> Indexed<T> getIndexed(
      List<String> path, BlockingQuery query, HeaderCheck check, ResponseReader<T> reader) {
    return getIndexed(path, Map.of(), query, check, reader);
  }

  /**
   * Like {@link #getIndexed(List, BlockingQuery, HeaderCheck, ResponseReader)}, with query
   * parameters of its own ({@code ?resources=true}, Consul's bare {@code ?passing} as a null
   * value); one named like a default parameter replaces it (a {@code namespace=*} read).
   */
  public <T> Indexed<T> getIndexed(
      List<String> path,
      Map<String, String> params,
      BlockingQuery query,
      HeaderCheck check,
      ResponseReader<T> reader) {
    Request request = request("GET", url(path, params, query), null, query);
    return options
        .retry()
        .run(
            () ->
                exchange(
                    request,
                    (response, body) -> {
                      check.check(request.method(), request.url().encodedPath(), response::header);
                      return indexed(response, body, reader);
                    }));
  }

  /**
   * Like {@link #getIndexed(List, BlockingQuery, HeaderCheck, ResponseReader)}, for answers large
   * enough that building their tree costs: {@code reader} takes the body token by token and may
   * skip what it does not need (every check of every node, at 1,000 nodes, is 2,000 objects that
   * the watch reads again at each change).
   */
  public <T> Indexed<T> getIndexedStreamed(
      List<String> path, BlockingQuery query, HeaderCheck check, StreamReader<T> reader) {
    Request request = request("GET", url(path, query), null, query);
    return options
        .retry()
        .run(
            () ->
                exchangeRaw(
                    request,
                    Set.of(),
                    (response, body) -> {
                      check.check(request.method(), request.url().encodedPath(), response::header);
                      long index = index(response);
                      return new Indexed<>(read(body, reader), index);
                    }));
  }

  /** Reads the body as it arrives, never holding all of it (at 1,000 nodes, ~660 KB a time). */
  private static <T> T read(ResponseBody body, StreamReader<T> reader) throws IOException {
    try (JsonParser json = JsonShapes.MAPPER.createParser(body.byteStream())) {
      return reader.read(json);
    } catch (JsonProcessingException e) {
      throw new UnexpectedShape(
          "the body is not JSON: " + excerpt(e.getOriginalMessage(), SHAPE_EXCERPT_LIMIT));
    }
  }

  /** Judges a successful answer by its headers before its body is read. */
  @FunctionalInterface
  public interface HeaderCheck {
    /**
     * @param header a header's value by name, or null when the answer has none
     * @throws ApiException to refuse the answer
     */
    void check(String method, String path, UnaryOperator<String> header);
  }

  /** {@code GET} a JSON document; retried on transient failures. */
  public <T> T get(List<String> path, ResponseReader<T> reader) {
    Request request = request("GET", url(path, BlockingQuery.NONE), null, BlockingQuery.NONE);
    return options
        .retry()
        .run(() -> exchange(request, (response, body) -> reader.read(parse(body))));
  }

  /** {@code POST} {@code body} as JSON; the answer's body is not read beyond its status. */
  public void post(List<String> path, Object body, Retries retries) {
    Request request =
        request("POST", url(path, BlockingQuery.NONE), jsonBody(body), BlockingQuery.NONE);
    if (retries == Retries.TRANSIENT_FAILURES) {
      options.retry().run(() -> exchange(request, (response, answer) -> null));
    } else {
      exchange(request, (response, answer) -> null);
    }
  }

  /**
   * Sends {@code exchange} once, without retries, and reads its answer when the status is 2xx or
   * one that the exchange {@link Exchange#answering accepts as an answer} (a 409 conflict whose
   * body tells the current value, a 429 that still carries a health report). Any other status, no
   * answer, or a reader's {@link UnexpectedShape} is an {@link ApiException}; whatever else the
   * reader throws passes through. Callers that may repeat the request wrap this in {@link
   * #retry()}.
   */
  public <T> T send(Exchange exchange, AnswerReader<T> reader) {
    RequestBody body =
        exchange.body() != null
            ? jsonBody(exchange.body())
            : "PUT".equals(exchange.method()) || "POST".equals(exchange.method())
                ? RequestBody.create(new byte[0], null)
                : null;
    Request request =
        request(
            exchange.method(),
            url(exchange.path(), exchange.query(), BlockingQuery.NONE),
            body,
            BlockingQuery.NONE);
    return exchange(
        request,
        exchange.answering(),
        (response, answer) -> reader.read(new Answer(response.code(), answer)));
  }

  /**
   * Sends one {@code GET} (no retry) that must be over within {@code timeout}, to learn whether the
   * API answers at all: any HTTP status is an answer. Throws the {@link ApiException} of a failed
   * connection or TLS handshake.
   */
  public void probe(List<String> path, Duration timeout) {
    Request request =
        request("GET", url(path, BlockingQuery.NONE), null, BlockingQuery.NONE)
            .newBuilder()
            .tag(Deadlines.class, new Deadlines(timeout, timeout))
            .build();
    try {
      exchange(request, (response, body) -> null);
    } catch (ApiException e) {
      if (e.status() == 0) {
        throw e;
      }
    }
  }

  /**
   * Sends a {@code GET} {@code exchange} once as a blocking query ({@code ?index=&wait=}, with a
   * timeout that allows for the wait) and reads its answer together with the index header, which is
   * required also on the statuses the exchange accepts as answers (Nomad sets it on a 404 for a
   * variable that does not exist, so that one can block until it does).
   */
  public <T> Indexed<T> sendIndexed(
      Exchange exchange, BlockingQuery query, AnswerReader<T> reader) {
    Request request =
        request(exchange.method(), url(exchange.path(), exchange.query(), query), null, query);
    return exchange(
        request,
        exchange.answering(),
        (response, answer) ->
            new Indexed<>(reader.read(new Answer(response.code(), answer)), index(response)));
  }

  /**
   * Opens a streaming {@code GET} (sent once, no retry) and returns its body line by line. The call
   * has no overall deadline; a read that waits longer than {@code readTimeout} for the next bytes
   * fails the stream. A status other than 2xx is an {@link ApiException} carrying it.
   *
   * @param query parameters in order; a name may repeat (Nomad's {@code topic})
   */
  public LineStream stream(
      List<String> path, List<Map.Entry<String, String>> query, Duration readTimeout) {
    HttpUrl.Builder url = url(path, BlockingQuery.NONE).newBuilder();
    query.forEach(q -> url.addQueryParameter(q.getKey(), q.getValue()));
    Request request =
        request("GET", url.build(), null, BlockingQuery.NONE)
            .newBuilder()
            .tag(Deadlines.class, new Deadlines(readTimeout, Duration.ZERO))
            .build();
    String method = request.method();
    String where = request.url().encodedPath();
    Call call = client.newCall(request);
    call.timeout().timeout(0, TimeUnit.MILLISECONDS);
    Response response;
    try {
      response = call.execute();
    } catch (SSLException e) {
      TlsFailure kind = TlsDiagnosis.of(e);
      throw redacted(
          kind == null
              ? ApiException.unreachable(method, where, e)
              : ApiException.tls(method, where, kind, e));
    } catch (IOException e) {
      observer.attempt(apiName(), "error");
      throw redacted(ApiException.unreachable(method, where, reported(e)));
    }
    observer.attempt(apiName(), response.code() / 100 + "xx");
    if (!response.isSuccessful()) {
      try (response) {
        String body = response.body() == null ? "" : response.body().string();
        throw redacted(
            ApiException.status(response.code(), method, where, excerpt(body, ERROR_BODY_LIMIT)));
      } catch (IOException e) {
        throw redacted(ApiException.status(response.code(), method, where, ""));
      }
    }
    return new LineStream(call, response, method, where, readTimeout);
  }

  /**
   * The body of a {@link #stream}, read one line at a time by one reader; {@link #close} may come
   * from any thread and makes a blocked {@link #readLine} return null.
   */
  public final class LineStream implements AutoCloseable {
    private final Call call;
    private final Response response;
    private final String method;
    private final String path;
    private final Duration readTimeout;
    private volatile boolean closed;

    private LineStream(
        Call call, Response response, String method, String path, Duration readTimeout) {
      this.call = call;
      this.response = response;
      this.method = method;
      this.path = path;
      this.readTimeout = readTimeout;
    }

    /** {@code GET /v1/event/stream}: for messages. */
    public String describe() {
      return method + " " + path;
    }

    /**
     * The next line, without its end; null when the server ended the body or the stream was closed.
     * A silent connection (nothing for the read timeout) or a broken one is a transient {@link
     * ApiException}.
     */
    public String readLine() {
      if (closed) {
        return null;
      }
      try {
        return response.body().source().readUtf8Line();
      } catch (java.io.InterruptedIOException e) {
        if (closed) {
          return null;
        }
        throw redacted(
            ApiException.unreachable(
                method,
                path,
                new IOException(
                    "nothing received for " + readTimeout.toSeconds() + " s, not even a heartbeat",
                    e)));
      } catch (IOException e) {
        if (closed) {
          return null;
        }
        throw redacted(ApiException.unreachable(method, path, reported(e)));
      }
    }

    @Override
    public void close() {
      closed = true;
      call.cancel();
      try {
        response.close();
      } catch (RuntimeException e) {
        // Okio's timeout refuses a close from another thread while a read is under way
        // ("Unbalanced enter/exit"); the cancel above has ended the call all the same.
      }
    }
  }

  /** How this API's idempotent requests are retried. */
  public RetryPolicy retry() {
    return options.retry();
  }

  /**
   * The same API (token, TLS, timeouts, connections) at another host, keeping scheme and port: a
   * Consul agent's own local endpoints are reached on that agent.
   *
   * @throws IllegalArgumentException when {@code host} is not a host name or IP address
   */
  public HttpApi atHost(String host) {
    if (socket != null) {
      throw new IllegalStateException("a unix socket address has no host to replace");
    }
    try {
      return new HttpApi(this, base.newBuilder().host(host).build());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("not a host name or IP address: " + host, e);
    }
  }

  @Override
  public String toString() {
    return "HttpApi[" + (socket != null ? address : base) + "]";
  }

  /**
   * One request as an adapter describes it.
   *
   * @param query parameters in order; a null value is a bare flag such as {@code ?lock-acquire}
   * @param body sent as JSON, or null
   * @param answering HTTP error statuses that are answers to read rather than failures
   */
  public record Exchange(
      String method,
      List<String> path,
      Map<String, String> query,
      Object body,
      Set<Integer> answering) {
    public Exchange {
      Objects.requireNonNull(method, "method");
      path = List.copyOf(path);
      query = Collections.unmodifiableMap(new LinkedHashMap<>(query));
      answering = Set.copyOf(answering);
    }

    public static Exchange get(List<String> path) {
      return new Exchange("GET", path, Map.of(), null, Set.of());
    }

    public static Exchange put(List<String> path, Object body) {
      return new Exchange("PUT", path, Map.of(), body, Set.of());
    }

    public static Exchange delete(List<String> path) {
      return new Exchange("DELETE", path, Map.of(), null, Set.of());
    }

    /** Adds {@code ?name=value}, or the bare {@code ?name} when {@code value} is null. */
    public Exchange query(String name, String value) {
      Map<String, String> more = new LinkedHashMap<>(query);
      more.put(Objects.requireNonNull(name, "name"), value);
      return new Exchange(method, path, more, body, answering);
    }

    public Exchange answering(Integer... statuses) {
      return new Exchange(method, path, query, body, Set.of(statuses));
    }
  }

  /** The status and body of an answer to an {@link Exchange}. */
  public record Answer(int status, String body) {
    public boolean successful() {
      return status >= 200 && status < 300;
    }

    /** The body as JSON; an empty body reads as a missing node. */
    public JsonNode json() {
      return parse(body);
    }
  }

  /** Turns an {@link Answer} into a value; throws {@link UnexpectedShape} when it cannot. */
  @FunctionalInterface
  public interface AnswerReader<T> {
    T read(Answer answer);
  }

  @FunctionalInterface
  private interface Handler<T> {
    T handle(Response response, String body);
  }

  @FunctionalInterface
  private interface RawHandler<T> {
    T handle(Response response, ResponseBody body) throws IOException;
  }

  /**
   * Reads a JSON answer token by token; throws {@link UnexpectedShape} when it is not of the shape
   * expected.
   */
  @FunctionalInterface
  public interface StreamReader<T> {
    T read(JsonParser json) throws IOException;
  }

  /** Per-call timeouts, carried to {@link #applyReadTimeout} as a request tag. */
  private record Deadlines(Duration read, Duration call) {}

  private <T> T exchange(Request request, Handler<T> handler) {
    return exchange(request, Set.of(), handler);
  }

  private <T> T exchange(Request request, Set<Integer> answering, Handler<T> handler) {
    return exchangeRaw(
        request, answering, (response, body) -> handler.handle(response, body.string()));
  }

  /** Like {@link #exchange(Request, Set, Handler)}, handing the answer's body over unread. */
  private <T> T exchangeRaw(Request request, Set<Integer> answering, RawHandler<T> handler) {
    String method = request.method();
    String path = request.url().encodedPath();
    Call call = client.newCall(request);
    call.timeout().timeout(request.tag(Deadlines.class).call().toMillis(), TimeUnit.MILLISECONDS);
    LAST_API.set(apiName());
    try (Response response = call.execute()) {
      observer.attempt(apiName(), response.code() / 100 + "xx");
      ResponseBody body =
          response.body() == null ? ResponseBody.create(new byte[0], null) : response.body();
      if (!response.isSuccessful() && !answering.contains(response.code())) {
        throw redacted(
            ApiException.status(
                response.code(), method, path, excerpt(body.string(), ERROR_BODY_LIMIT)));
      }
      options.retry().answered(method + " " + path);
      return handler.handle(response, body);
    } catch (UnexpectedShape e) {
      throw redacted(ApiException.shape(method, path, e.getMessage()));
    } catch (SSLException e) {
      TlsFailure kind = TlsDiagnosis.of(e);
      throw redacted(
          kind == null
              ? ApiException.unreachable(method, path, e)
              : ApiException.tls(method, path, kind, e));
    } catch (IOException e) {
      observer.attempt(apiName(), "error");
      throw redacted(ApiException.unreachable(method, path, reported(e)));
    }
  }

  /** OkHttp reports a failed connect as one to localhost:80, which says nothing about a socket. */
  private IOException reported(IOException e) {
    if (socket != null && e instanceof ConnectException && e.getCause() instanceof IOException c) {
      return c;
    }
    return e;
  }

  private <T> Indexed<T> indexed(Response response, String body, ResponseReader<T> reader) {
    long index = index(response);
    return new Indexed<>(reader.read(parse(body)), index);
  }

  private long index(Response response) {
    String value = response.header(indexHeader);
    if (value == null || value.isBlank()) {
      throw new UnexpectedShape("no " + indexHeader + " header, which blocking queries need");
    }
    try {
      long index = Long.parseLong(value.strip());
      if (index >= 0) {
        return index;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UnexpectedShape(indexHeader + " header is not an index: " + excerpt(value, 40));
  }

  private static JsonNode parse(String body) {
    if (body.isBlank()) {
      return MissingNode.getInstance();
    }
    try {
      return JsonShapes.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new UnexpectedShape("the body is not JSON: " + excerpt(body, SHAPE_EXCERPT_LIMIT));
    }
  }

  private static RequestBody jsonBody(Object body) {
    try {
      return RequestBody.create(JsonShapes.MAPPER.writeValueAsBytes(body), JSON);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write request body as JSON", e);
    }
  }

  private HttpUrl url(List<String> path, BlockingQuery query) {
    return url(path, Map.of(), query);
  }

  private HttpUrl url(List<String> path, Map<String, String> explicit, BlockingQuery query) {
    HttpUrl.Builder url = base.newBuilder();
    for (String segment : path) {
      url.addPathSegment(checkedSegment(segment));
    }
    defaultQuery.forEach(
        (name, value) -> {
          if (!explicit.containsKey(name)) {
            url.addQueryParameter(name, value);
          }
        });
    explicit.forEach(url::addQueryParameter);
    if (query.blocks()) {
      url.addQueryParameter("index", Long.toString(query.index()));
      url.addQueryParameter("wait", HttpOptions.waitOf(query).toMillis() + "ms");
    }
    return url.build();
  }

  private Request request(String method, HttpUrl url, RequestBody body, BlockingQuery query) {
    Request.Builder request =
        new Request.Builder()
            .url(url)
            .method(method, body)
            .header("Accept", "application/json")
            .header("User-Agent", USER_AGENT)
            .tag(
                Deadlines.class,
                new Deadlines(options.readTimeoutFor(query), options.callTimeoutFor(query)));
    if (token != null) {
      request.header(tokenHeader, token);
    }
    return request.build();
  }

  private static Response applyReadTimeout(Interceptor.Chain chain) throws IOException {
    Deadlines deadlines = chain.request().tag(Deadlines.class);
    if (deadlines == null) {
      return chain.proceed(chain.request());
    }
    int millis = (int) Math.min(Integer.MAX_VALUE, deadlines.read().toMillis());
    return chain.withReadTimeout(millis, TimeUnit.MILLISECONDS).proceed(chain.request());
  }

  private ApiException redacted(ApiException e) {
    if (token == null || e.getMessage() == null || !e.getMessage().contains(token)) {
      return e;
    }
    return e.withMessage(e.getMessage().replace(token, REDACTED));
  }

  private static String checkedSegment(String segment) {
    if (segment == null || segment.isEmpty() || ".".equals(segment) || "..".equals(segment)) {
      throw new IllegalArgumentException("not a usable path segment: " + segment);
    }
    return segment;
  }

  private static String excerpt(String text, int limit) {
    String flat = text.strip().replaceAll("\\s+", " ");
    return flat.length() <= limit ? flat : flat.substring(0, limit) + "…";
  }

  /** The socket file of a {@code unix:///path} address, or null for any other address. */
  private static Path unixSocket(String address) {
    if (address == null || !address.startsWith(UNIX_SCHEME)) {
      return null;
    }
    String path = address.substring(UNIX_SCHEME.length());
    if (!path.startsWith("/") || path.length() == 1) {
      throw new IllegalArgumentException(
          "not a unix socket address: " + address + " (use unix:///absolute/path/to/api.sock)");
    }
    return Path.of(path);
  }

  private static HttpUrl parseAddress(String address) {
    if (address == null || address.isBlank()) {
      throw new IllegalArgumentException("API address is missing");
    }
    String withScheme = address.contains("://") ? address.strip() : "http://" + address.strip();
    HttpUrl url = HttpUrl.parse(withScheme);
    if (url == null) {
      throw new IllegalArgumentException("not an http(s) address: " + address);
    }
    return url;
  }

  /** Configures an {@link HttpApi}; address and index header are required, the token is not. */
  public static final class Builder {
    private final String address;
    private String tokenHeader;
    private String token;
    private String indexHeader;
    private final Map<String, String> defaultQuery = new LinkedHashMap<>();
    private HttpOptions options = HttpOptions.defaults();
    private TlsSettings tls = TlsSettings.NONE;

    private Builder(String address) {
      this.address = address;
    }

    /** Sends {@code token} in the header {@code headerName} (never as a query parameter). */
    public Builder token(String headerName, String token) {
      this.tokenHeader = Objects.requireNonNull(headerName, "headerName");
      this.token = token == null || token.isEmpty() ? null : token;
      return this;
    }

    /** The response header that carries the index for blocking queries. */
    public Builder indexHeader(String headerName) {
      this.indexHeader = Objects.requireNonNull(headerName, "headerName");
      return this;
    }

    /** A query parameter sent with every request; ignored when {@code value} is null or blank. */
    public Builder queryParameter(String name, String value) {
      if (value != null && !value.isBlank()) {
        defaultQuery.put(name, value);
      }
      return this;
    }

    public Builder options(HttpOptions replacement) {
      this.options = Objects.requireNonNull(replacement, "options");
      return this;
    }

    /**
     * CA, client certificate, server name or no verification for an {@code https} address; read
     * when the API is built ({@link dev.laborchestrator.config.InvalidInputException} when a file
     * is unusable). Not used for other addresses.
     */
    public Builder tls(TlsSettings settings) {
      this.tls = settings == null ? TlsSettings.NONE : settings;
      return this;
    }

    public HttpApi build() {
      if (indexHeader == null) {
        throw new IllegalStateException("indexHeader is required");
      }
      return new HttpApi(this);
    }
  }
}
