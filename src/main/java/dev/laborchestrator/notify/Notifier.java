package dev.laborchestrator.notify;

import dev.laborchestrator.config.OrchestratorConfig.NotifyEvent;
import dev.laborchestrator.config.OrchestratorConfig.NotifySettings;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.rollout.HostState;
import dev.laborchestrator.rollout.RolloutListener;
import dev.laborchestrator.rollout.RolloutResult;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Sends rollout events to webhooks, off the rollout's path: events go into a bounded queue that one
 * daemon thread works off, each with a few attempts. A receiver that is slow, down or refusing
 * never stops or slows the rollout; each notification that could not be delivered is reported once,
 * by the redacted URL of its target, never with the URL's secret.
 *
 * <p>{@link #held(String, boolean, int)} is where the window, pause and alert holds arrive.
 */
public final class Notifier implements RolloutListener, AutoCloseable {
  /** Attempts per notification, and the pause after the n-th failed attempt. */
  static final int ATTEMPTS = 3;

  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
  private static final int QUEUE = 256;

  private final List<NotifySettings> targets;
  private final Clock clock;
  private final Consumer<String> warn;
  private final OkHttpClient http;
  private final ExecutorService sender;
  private final AtomicInteger dropped = new AtomicInteger();
  private volatile String rolloutId = "";

  /**
   * @param warn where an undelivered notification is reported (one line each)
   */
  public Notifier(List<NotifySettings> targets, Clock clock, Consumer<String> warn) {
    this(
        targets,
        clock,
        warn,
        new OkHttpClient.Builder()
            .connectTimeout(Duration.ofSeconds(3))
            .callTimeout(Duration.ofSeconds(10))
            .followRedirects(false)
            .build());
  }

  Notifier(List<NotifySettings> targets, Clock clock, Consumer<String> warn, OkHttpClient http) {
    this.targets = List.copyOf(targets);
    this.clock = clock;
    this.warn = warn;
    this.http = http;
    this.sender =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            r -> {
              Thread thread = new Thread(r, "notifier");
              thread.setDaemon(true);
              return thread;
            });
  }

  @Override
  public void started(String id, Map<String, HostState> hosts, boolean resumed) {
    rolloutId = id;
    long left = hosts.values().stream().filter(s -> !s.terminal()).count();
    send(
        Notification.of(NotifyEvent.STARTED, id, clock.now())
            .hostsLeft((int) left)
            .message(
                "Rollout "
                    + id
                    + (resumed ? " resumed: " : " started: ")
                    + left
                    + " of "
                    + hosts.size()
                    + " hosts to roll"));
  }

  @Override
  public void transition(
      String host,
      HostState from,
      HostState to,
      Duration inPrevious,
      Duration sinceStart,
      String detail) {
    boolean failed = to == HostState.FAILED || to == HostState.ROLLED_BACK;
    if (to != HostState.DONE && !failed) {
      return;
    }
    String reason = detail == null || detail.isBlank() ? null : detail;
    send(
        Notification.of(
                failed ? NotifyEvent.HOST_FAILED : NotifyEvent.HOST_DONE, rolloutId, clock.now())
            .host(host, to, sinceStart, failed ? reason : null)
            .message(
                failed
                    ? host + " " + to + (reason == null ? "" : ": " + reason)
                    : host + " updated and back in service after " + seconds(sinceStart)));
  }

  /**
   * The rollout starts no new host for now (a closed window, an operator's pause). Safe to call
   * from any thread; returns at once.
   */
  @Override
  public void held(String reason, boolean endsRun, int hostsLeft) {
    send(
        Notification.of(NotifyEvent.PAUSED, rolloutId, clock.now())
            .hostsLeft(hostsLeft)
            .reason(reason)
            .message(
                "Rollout " + rolloutId + " paused (" + reason + "): " + hostsLeft + " hosts left"));
  }

  @Override
  public void finished(RolloutResult result) {
    long done = result.hosts().stream().filter(h -> h.state() == HostState.DONE).count();
    long failed =
        result.hosts().stream()
            .filter(h -> h.state() == HostState.FAILED || h.state() == HostState.ROLLED_BACK)
            .count();
    long left = result.hosts().stream().filter(h -> !h.state().terminal()).count();
    send(
        Notification.of(NotifyEvent.DONE, result.rolloutId(), clock.now())
            .outcome(result.succeeded() && left == 0, (int) done, (int) failed, (int) left)
            .message(
                "Rollout "
                    + result.rolloutId()
                    + (result.succeeded() && left == 0 ? " done: " : " ended unfinished: ")
                    + done
                    + " done, "
                    + failed
                    + " failed, "
                    + left
                    + " left"));
  }

  private void send(Notification notification) {
    for (NotifySettings target : targets) {
      if (!target.events().contains(notification.event())) {
        continue;
      }
      try {
        sender.execute(() -> deliver(target, notification));
      } catch (RejectedExecutionException full) {
        if (dropped.getAndIncrement() == 0) {
          warn.accept(
              "notify "
                  + target.redactedUrl()
                  + ": too many notifications waiting; dropping "
                  + notification.event().wire()
                  + " and later ones while the queue is full");
        }
      }
    }
  }

  private void deliver(NotifySettings target, Notification notification) {
    Request request = Formats.request(target, notification);
    if (target.url().getUserInfo() != null) {
      String[] user = target.url().getRawUserInfo().split(":", 2);
      request =
          request
              .newBuilder()
              .header(
                  "Authorization",
                  Credentials.basic(
                      java.net.URLDecoder.decode(user[0], java.nio.charset.StandardCharsets.UTF_8),
                      user.length > 1
                          ? java.net.URLDecoder.decode(
                              user[1], java.nio.charset.StandardCharsets.UTF_8)
                          : ""))
              .build();
    }
    String failure = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try (Response response = http.newCall(request).execute()) {
        if (response.isSuccessful()) {
          return;
        }
        failure = "HTTP " + response.code();
        if (response.code() < 500 && response.code() != 429) {
          break;
        }
      } catch (IOException e) {
        failure = e.getClass().getSimpleName();
      }
      if (attempt < ATTEMPTS) {
        try {
          clock.sleep(FIRST_BACKOFF.multipliedBy(1L << (attempt - 1)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    warn.accept(
        "notify "
            + target.redactedUrl()
            + ": the "
            + notification.event().wire()
            + " notification was not delivered ("
            + failure
            + "); the rollout goes on");
  }

  /**
   * Gives queued notifications up to {@code patience} to go out, then drops the rest (the JVM is
   * about to exit). Never longer: a dead receiver must not hold up the end of a run.
   */
  public void close(Duration patience) {
    sender.shutdown();
    try {
      if (!sender.awaitTermination(patience.toMillis(), TimeUnit.MILLISECONDS)) {
        int left = sender.shutdownNow().size();
        warn.accept("notify: " + left + " notification(s) not sent before the run ended");
      }
    } catch (InterruptedException e) {
      sender.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  private static String seconds(Duration d) {
    return dev.laborchestrator.rollout.ConsoleReporter.seconds(d);
  }
}
