package dev.laborchestrator.sim;

import dev.laborchestrator.sim.ApiServer.Call;
import dev.laborchestrator.sim.ApiServer.Reply;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code GET /v1/event/stream} of the simulated Nomad API (website/content/api-docs/events.mdx):
 * parameters as command/agent/event_endpoint.go parses them, ACLs per topic as
 * nomad/event_endpoint.go validateACL checks them, frames from the cluster's {@link EventBuffer}
 * filtered as nomad/stream/subscription.go filter does, written as ndjson with a {@code {}}
 * heartbeat at once and then every interval (nomad/stream/ndjson.go NewJsonStream, 30 s in
 * nomad/event_endpoint.go).
 */
final class EventStreamEndpoint {

  static final String PATH = "/v1/event/stream";

  /** The capabilities a token may lack; a management token has them all. */
  record Grants(boolean management, boolean nodeRead, boolean readJob) {}

  private static final byte[] HEARTBEAT = "{}\n".getBytes(StandardCharsets.UTF_8);

  /** Topics whose events live in a namespace and need namespace:read-job (events.mdx table). */
  private static final Set<String> READ_JOB_TOPICS =
      Set.of("Allocation", "Job", "Evaluation", "Deployment", "Service", "CSIPlugin");

  private final EventBuffer buffer;

  EventStreamEndpoint(EventBuffer buffer) {
    this.buffer = buffer;
  }

  Reply open(Call call, Grants grants, Duration heartbeat) {
    long index = parseIndex(call.param("index"));
    Map<String, List<String>> topics = parseTopics(call.rawQuery());
    // nomad/event_endpoint.go: any topic the token may not read refuses the whole stream with
    // structs.ErrPermissionDenied, code 403, before anything is streamed.
    for (String topic : topics.keySet()) {
      if (!allowed(topic, grants)) {
        return Reply.text(403, "Permission denied");
      }
    }
    String namespace = call.param("namespace");
    Predicate<EventBuffer.Event> filter =
        filter(topics, namespace == null || namespace.isEmpty() ? "default" : namespace);
    return Reply.streaming(
        Map.of("Cache-Control", "no-cache"), out -> stream(out, index, filter, heartbeat));
  }

  private void stream(
      OutputStream out, long index, Predicate<EventBuffer.Event> filter, Duration heartbeat)
      throws IOException, InterruptedException {
    EventBuffer.Cursor cursor = buffer.subscribe(index);
    long interval = heartbeat.toNanos();
    out.write(HEARTBEAT);
    out.flush();
    long nextHeartbeat = System.nanoTime() + interval;
    while (true) {
      EventBuffer.Next next = buffer.next(cursor, nextHeartbeat - System.nanoTime());
      if (next instanceof EventBuffer.Ended) {
        return;
      }
      if (next instanceof EventBuffer.Delivered delivered) {
        List<String> events =
            delivered.frame().events().stream()
                .filter(filter)
                .map(EventBuffer.Event::json)
                .toList();
        // nomad/event_endpoint.go: "Continue if there are no events".
        if (!events.isEmpty()) {
          String line =
              "{\"Index\":"
                  + delivered.frame().index()
                  + ",\"Events\":["
                  + String.join(",", events)
                  + "]}\n";
          out.write(line.getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
      }
      if (System.nanoTime() - nextHeartbeat >= 0) {
        out.write(HEARTBEAT);
        out.flush();
        nextHeartbeat += interval;
      }
    }
  }

  private static boolean allowed(String topic, Grants grants) {
    if (grants.management()) {
      return true;
    }
    if (topic.equals("Node")) {
      return grants.nodeRead();
    }
    if (READ_JOB_TOPICS.contains(topic)) {
      return grants.readJob();
    }
    return false; // "*", NodePool, ACL topics and the rest: management only (events.mdx)
  }

  /**
   * nomad/stream/subscription.go filter: an event in a namespace outside the request's is dropped;
   * {@code *:*} matches everything; otherwise the keys of {@code *} and of the event's topic are
   * tried, and a lone {@code *} matches every event of the topic, while a key matches when it is
   * the event's Key or one of its FilterKeys (eventMatchesKey).
   */
  private static Predicate<EventBuffer.Event> filter(
      Map<String, List<String>> topics, String namespace) {
    return event -> {
      if (!event.namespace().isEmpty()
          && !namespace.equals("*")
          && !event.namespace().equals(namespace)) {
        return false;
      }
      List<String> all = topics.getOrDefault("*", List.of());
      if (all.equals(List.of("*"))) {
        return true;
      }
      List<String> keys = new ArrayList<>(all);
      keys.addAll(topics.getOrDefault(event.topic(), List.of()));
      if (keys.equals(List.of("*"))) {
        return true;
      }
      return keys.stream().anyMatch(k -> k.equals(event.key()) || event.filterKeys().contains(k));
    };
  }

  /** command/agent/event_endpoint.go: strconv.Atoi of {@code index}, default 0. */
  private static long parseIndex(String value) {
    if (value == null || value.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new ApiError(
          400, "Unable to parse index: strconv.Atoi: parsing \"" + value + "\": invalid syntax");
    }
  }

  /**
   * command/agent/event_endpoint.go parseEventTopics / parseTopic: every {@code topic} value, a
   * bare topic meaning {@code Topic:*}; none at all is {@code *:*} (allTopics).
   */
  static Map<String, List<String>> parseTopics(String rawQuery) {
    Map<String, List<String>> topics = new LinkedHashMap<>();
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      if (!name.equals("topic")) {
        continue;
      }
      String topic =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      String[] parts = topic.split(":", -1);
      if (parts.length > 2) {
        throw new ApiError(
            400,
            "Invalid topic query: error parsing topics: Invalid key value pair for topic, topic: "
                + topic);
      }
      String key = parts.length == 1 ? "*" : parts[1];
      topics.computeIfAbsent(parts[0], t -> new ArrayList<>()).add(key);
    }
    if (topics.isEmpty()) {
      topics.put("*", List.of("*"));
    }
    return topics;
  }
}
