package dev.laborchestrator.nomad;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.laborchestrator.http.HttpApi;
import dev.laborchestrator.http.JsonShapes;
import dev.laborchestrator.http.UnexpectedShape;
import dev.laborchestrator.port.Allocation;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.NomadEvents;
import dev.laborchestrator.port.NomadNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link NomadEvents} over Nomad's HTTP API: {@code GET /v1/event/stream?index=&topic=...} on the
 * shared {@link NomadConnection} (token header, TLS, unix socket), its ndjson body read line by
 * line (api/event_stream.go decodes it the same way and skips {@code {}} heartbeats).
 *
 * <p>Nomad sends a heartbeat every 30 s (nomad/event_endpoint.go), so a read that waits 45 s for
 * anything is a dead connection: a transient {@link ApiException}. A refusal (403) is not transient
 * and names the capabilities the topics need (api-docs/events.mdx: {@code Node} needs {@code
 * node:read}, {@code Allocation} the namespace's {@code read-job}, no topic a management token).
 * The stream is opened once, never retried here: the caller decides whether to resume or fall back
 * to blocking queries.
 */
public final class NomadEventStream implements NomadEvents {
  /** A little above Nomad's 30 s heartbeat. */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(45);

  private static final List<String> PATH = List.of("v1", "event", "stream");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpApi api;
  private final Duration readTimeout;

  public NomadEventStream(NomadConnection connection) {
    this(connection, READ_TIMEOUT);
  }

  /** With another read timeout (tests). */
  NomadEventStream(NomadConnection connection, Duration readTimeout) {
    this.api = connection.api();
    this.readTimeout = readTimeout;
  }

  @Override
  public Stream open(long index, List<String> topics) {
    List<Map.Entry<String, String>> query = new ArrayList<>();
    query.add(Map.entry("index", Long.toString(index)));
    topics.forEach(t -> query.add(Map.entry("topic", t)));
    try {
      return new HttpStream(api.stream(PATH, query, readTimeout));
    } catch (ApiException e) {
      if (e.forbidden()) {
        throw e.withMessage(
            e.getMessage()
                + "; the Nomad token may not read the topics "
                + topics
                + ": Node needs node:read, Allocation needs read-job in the namespace (namespace"
                + " \"default\" { capabilities = [\"read-job\"] }, node { policy = \"read\" }),"
                + " no topic at all needs a management token");
      }
      throw e;
    }
  }

  @Override
  public String toString() {
    return "NomadEventStream[" + api + "]";
  }

  private static final class HttpStream implements Stream {
    private final HttpApi.LineStream lines;

    HttpStream(HttpApi.LineStream lines) {
      this.lines = lines;
    }

    @Override
    public Frame next() {
      String line;
      do {
        line = lines.readLine();
        if (line == null) {
          return null;
        }
      } while (line.isBlank());
      try {
        return parse(line);
      } catch (UnexpectedShape e) {
        throw ApiException.shape("GET", "/v1/event/stream", e.getMessage());
      }
    }

    @Override
    public void close() {
      lines.close();
    }
  }

  /** One ndjson line: {@code {}} or {@code {"Index":N,"Events":[...]}}. */
  static Frame parse(String line) {
    JsonNode frame;
    try {
      frame = JSON.readTree(line);
    } catch (IOException e) {
      throw new UnexpectedShape("a line is not JSON: " + excerpt(line));
    }
    if (frame == null || !frame.isObject()) {
      throw new UnexpectedShape("a line is not a JSON object: " + excerpt(line));
    }
    if (frame.isEmpty()) {
      return Frame.HEARTBEAT;
    }
    long index = index(frame, "the frame");
    JsonNode events = frame.get("Events");
    if (events == null || !events.isArray()) {
      throw new UnexpectedShape("the frame at index " + index + " has no Events array");
    }
    List<Event> parsed = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      parsed.add(event(events.get(i), "event #" + i + " of the frame at index " + index));
    }
    return new Frame(index, parsed);
  }

  private static Event event(JsonNode event, String what) {
    if (!event.isObject()) {
      throw new UnexpectedShape(what + " is not a JSON object");
    }
    String topic = text(event, "Topic", what);
    String type = text(event, "Type", what);
    String key = text(event, "Key", what);
    long index = index(event, what);
    JsonNode payload = event.get("Payload");
    if (payload == null || !payload.isObject()) {
      throw new UnexpectedShape(what + " (" + topic + " " + type + ") has no Payload object");
    }
    NomadNode node = null;
    Allocation allocation = null;
    if (topic.equals("Node")) {
      node =
          JsonShapes.objectOf(
              payload.path("Node"), what + "'s Payload.Node", NomadNode.class, "ID", "Status");
    } else if (topic.equals("Allocation")) {
      allocation =
          JsonShapes.objectOf(
              payload.path("Allocation"),
              what + "'s Payload.Allocation",
              Allocation.class,
              "ID",
              "NodeID",
              "ClientStatus");
    }
    return new Event(topic, type, key, index, node, allocation);
  }

  private static String text(JsonNode object, String field, String what) {
    JsonNode value = object.get(field);
    if (value == null || !value.isTextual() || value.asText().isEmpty()) {
      throw new UnexpectedShape(what + " has no " + field);
    }
    return value.asText();
  }

  private static long index(JsonNode object, String what) {
    JsonNode value = object.get("Index");
    if (value == null || !value.isIntegralNumber() || value.asLong() <= 0) {
      throw new UnexpectedShape(what + " has no positive Index");
    }
    return value.asLong();
  }

  private static String excerpt(String line) {
    String flat = line.strip();
    return flat.length() <= 80 ? flat : flat.substring(0, 80) + "…";
  }
}
