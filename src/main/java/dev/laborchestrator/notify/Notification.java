package dev.laborchestrator.notify;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.laborchestrator.config.OrchestratorConfig.NotifyEvent;
import dev.laborchestrator.rollout.HostState;
import java.time.Duration;
import java.time.Instant;

/**
 * One notification, as the {@code json} format sends it (schema: {@code
 * schemas/notification.schema.json}). Holds names, states, counts and reasons only: no address,
 * token or URL.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Notification(
    @JsonProperty("schema") String schema,
    @JsonProperty("event") String eventName,
    String rolloutId,
    String time,
    String host,
    String state,
    Double elapsedSeconds,
    String reason,
    Integer hostsLeft,
    Boolean succeeded,
    Integer hostsDone,
    Integer hostsFailed,
    String message) {
  public static final String SCHEMA = "lab-orchestrator/notification/v1";

  static Notification of(NotifyEvent event, String rolloutId, Instant time) {
    return new Notification(
        SCHEMA,
        event.wire(),
        rolloutId,
        time.toString(),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        "");
  }

  NotifyEvent event() {
    for (NotifyEvent e : NotifyEvent.values()) {
      if (e.wire().equals(eventName)) {
        return e;
      }
    }
    throw new IllegalStateException(eventName);
  }

  Notification host(String name, HostState to, Duration elapsed, String why) {
    return new Notification(
        schema,
        eventName,
        rolloutId,
        time,
        name,
        to.name(),
        elapsed.toMillis() / 1000.0,
        why,
        hostsLeft,
        succeeded,
        hostsDone,
        hostsFailed,
        message);
  }

  Notification hostsLeft(int left) {
    return new Notification(
        schema,
        eventName,
        rolloutId,
        time,
        host,
        state,
        elapsedSeconds,
        reason,
        left,
        succeeded,
        hostsDone,
        hostsFailed,
        message);
  }

  Notification reason(String why) {
    return new Notification(
        schema,
        eventName,
        rolloutId,
        time,
        host,
        state,
        elapsedSeconds,
        why,
        hostsLeft,
        succeeded,
        hostsDone,
        hostsFailed,
        message);
  }

  Notification outcome(boolean ok, int done, int failed, int left) {
    return new Notification(
        schema,
        eventName,
        rolloutId,
        time,
        host,
        state,
        elapsedSeconds,
        reason,
        left,
        ok,
        done,
        failed,
        message);
  }

  Notification message(String text) {
    return new Notification(
        schema,
        eventName,
        rolloutId,
        time,
        host,
        state,
        elapsedSeconds,
        reason,
        hostsLeft,
        succeeded,
        hostsDone,
        hostsFailed,
        text);
  }
}
