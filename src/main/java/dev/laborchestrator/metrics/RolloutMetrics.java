package dev.laborchestrator.metrics;

import dev.laborchestrator.config.OrchestratorConfig.MetricsSettings;
import dev.laborchestrator.config.OrchestratorConfig.Pushgateway;
import dev.laborchestrator.http.ApiCallObserver;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.rollout.HostReport;
import dev.laborchestrator.rollout.HostState;
import dev.laborchestrator.rollout.RolloutListener;
import dev.laborchestrator.rollout.RolloutResult;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.exporter.pushgateway.PushGateway;
import io.prometheus.metrics.exporter.pushgateway.Scheme;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The rollout's Prometheus metrics: hosts by state, time per phase, the result, API calls and the
 * lock. Served on {@code /metrics} while the run lasts and, because a batch job can end between two
 * scrapes, optionally pushed to a Pushgateway after each host and at the end (on a thread of its
 * own: a slow Pushgateway never slows the rollout). Its own registry, so tests and runs in one JVM
 * do not mix.
 */
public final class RolloutMetrics implements RolloutListener, ApiCallObserver, AutoCloseable {
  static final String PREFIX = "lab_orchestrator_";

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Gauge hosts =
      Gauge.builder()
          .name(PREFIX + "hosts")
          .help("Hosts of the current rollout by state")
          .labelNames("state")
          .register(registry);
  private final Histogram phase =
      Histogram.builder()
          .name(PREFIX + "phase_duration_seconds")
          .help("Time a host spent in a rollout state")
          .labelNames("phase")
          .classicUpperBounds(1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200)
          .register(registry);
  private final Gauge result =
      Gauge.builder()
          .name(PREFIX + "rollout_result")
          .help("1 for how the last run ended: done, failed or unfinished; 0 for the others")
          .labelNames("result")
          .register(registry);
  private final Gauge lastSuccess =
      Gauge.builder()
          .name(PREFIX + "last_success_timestamp_seconds")
          .help("When a rollout last finished with every host done (Unix time)")
          .register(registry);
  private final Counter requests =
      Counter.builder()
          .name(PREFIX + "api_requests_total")
          .help("HTTP requests to the Nomad and Consul APIs, by outcome (status class or error)")
          .labelNames("api", "outcome")
          .register(registry);
  private final Counter retries =
      Counter.builder()
          .name(PREFIX + "api_retries_total")
          .help("Retries of failed Nomad and Consul API requests")
          .labelNames("api")
          .register(registry);
  private final Gauge lockHeld =
      Gauge.builder()
          .name(PREFIX + "lock_held")
          .help("1 while this run holds the rollout lock")
          .register(registry);

  private final Map<String, HostState> states = new ConcurrentHashMap<>();
  private final Clock clock;
  private final Consumer<String> warn;
  private final HTTPServer server;
  private final PushGateway push;
  private final ExecutorService pusher;
  private volatile boolean pushFailed;

  private RolloutMetrics(MetricsSettings settings, Clock clock, Consumer<String> warn)
      throws IOException {
    this.clock = clock;
    this.warn = warn;
    Pushgateway pushgateway = settings.pushgateway();
    if (pushgateway == null) {
      this.push = null;
      this.pusher = null;
    } else {
      this.push =
          PushGateway.builder()
              .address(
                  pushgateway.url().getHost()
                      + ":"
                      + (pushgateway.url().getPort() > 0
                          ? pushgateway.url().getPort()
                          : "https".equals(pushgateway.url().getScheme()) ? 443 : 80))
              .scheme("https".equals(pushgateway.url().getScheme()) ? Scheme.HTTPS : Scheme.HTTP)
              .job(pushgateway.job())
              .registry(registry)
              .connectionTimeout(Duration.ofSeconds(3))
              .readTimeout(Duration.ofSeconds(5))
              .build();
      this.pusher =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread thread = new Thread(r, "metrics-push");
                thread.setDaemon(true);
                return thread;
              });
    }
    for (HostState state : HostState.values()) {
      hosts.labelValues(state.name()).set(0);
    }
    lockHeld.set(0);
    this.server =
        settings.port() == null
            ? null
            : HTTPServer.builder().port(settings.port()).registry(registry).buildAndStart();
  }

  /**
   * Starts {@code /metrics} on the configured port (all interfaces) when one is set.
   *
   * @throws IOException when the port cannot be bound (in use): the caller refuses to run
   */
  public static RolloutMetrics start(MetricsSettings settings, Clock clock, Consumer<String> warn)
      throws IOException {
    return new RolloutMetrics(settings, clock, warn);
  }

  /** Metrics without an endpoint or a push, for tests. */
  static RolloutMetrics detached(Clock clock) {
    try {
      return new RolloutMetrics(MetricsSettings.OFF, clock, line -> {});
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  PrometheusRegistry registry() {
    return registry;
  }

  /** The port {@code /metrics} listens on, or -1. */
  public int port() {
    return server == null ? -1 : server.getPort();
  }

  public void lockHeld(boolean held) {
    lockHeld.set(held ? 1 : 0);
  }

  @Override
  public void started(String rolloutId, Map<String, HostState> planned, boolean resumed) {
    states.clear();
    states.putAll(planned);
    publishStates();
  }

  @Override
  public void transition(
      String host,
      HostState from,
      HostState to,
      Duration inPrevious,
      Duration sinceStart,
      String detail) {
    states.put(host, to);
    publishStates();
    if (from != HostState.PENDING && !from.terminal()) {
      phase.labelValues(from.name()).observe(inPrevious.toMillis() / 1000.0);
    }
    if (to.terminal()) {
      pushLater();
    }
  }

  @Override
  public void finished(RolloutResult outcome) {
    outcome.hosts().forEach(h -> states.put(h.hostname(), h.state()));
    publishStates();
    boolean unfinished =
        outcome.hosts().stream().map(HostReport::state).anyMatch(s -> !s.terminal());
    String ended = unfinished ? "unfinished" : outcome.succeeded() ? "done" : "failed";
    for (String r : new String[] {"done", "failed", "unfinished"}) {
      result.labelValues(r).set(r.equals(ended) ? 1 : 0);
    }
    if (ended.equals("done")) {
      lastSuccess.set(clock.now().toEpochMilli() / 1000.0);
    }
    pushLater();
  }

  @Override
  public void attempt(String api, String outcome) {
    requests.labelValues(api, outcome).inc();
  }

  @Override
  public void retry(String api) {
    retries.labelValues(api).inc();
  }

  private void publishStates() {
    Map<HostState, Integer> counts = new EnumMap<>(HostState.class);
    for (HostState state : HostState.values()) {
      counts.put(state, 0);
    }
    states.values().forEach(s -> counts.merge(s, 1, Integer::sum));
    counts.forEach((state, n) -> hosts.labelValues(state.name()).set(n));
  }

  private void pushLater() {
    if (pusher == null) {
      return;
    }
    try {
      pusher.execute(
          () -> {
            try {
              push.push();
            } catch (IOException | RuntimeException e) {
              if (!pushFailed) {
                pushFailed = true;
                warn.accept(
                    "metrics: push to the Pushgateway failed ("
                        + e.getClass().getSimpleName()
                        + "); the rollout goes on");
              }
            }
          });
    } catch (RejectedExecutionException closed) {
      // closing: the last push is already queued
    }
  }

  /** Waits a little for the last push, then stops {@code /metrics}. */
  @Override
  public void close() {
    if (pusher != null) {
      pusher.shutdown();
      try {
        pusher.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      pusher.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }
}
