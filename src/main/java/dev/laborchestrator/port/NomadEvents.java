package dev.laborchestrator.port;

import java.util.List;

/**
 * Nomad's event stream, {@code GET /v1/event/stream}: ndjson frames, one per raft apply, and an
 * empty frame {@code {}} as heartbeat (at once on connect, then every 30 s). Nomad keeps the last
 * {@code event_buffer_size} (100) frames per server, and a resume from an index that aged out
 * starts silently at the oldest frame it still has: a consumer that resumes must re-list when the
 * first frame's index is above the one it asked for (fleet-facts §1; nomad/stream/event_buffer.go).
 */
public interface NomadEvents {
  /** The topics the controller reads: node status, drain, eligibility; allocation placement. */
  List<String> TOPICS = List.of("Node", "Allocation");

  /**
   * Opens the stream at {@code index} (Nomad starts at the frame with that index, inclusive, or the
   * closest later one), for {@code topics}. Throws {@link ApiException} when Nomad refuses (403 for
   * a token without {@code node:read} / {@code namespace:read-job}) or cannot be reached.
   */
  Stream open(long index, List<String> topics);

  /** An open stream. Not thread-safe: one reader; {@link #close} may come from any thread. */
  interface Stream extends AutoCloseable {
    /**
     * Blocks for the next frame: a batch of events, or {@link Frame#HEARTBEAT}. Returns null when
     * the server ended the stream; throws {@link ApiException} when it broke or a frame has an
     * unexpected shape.
     */
    Frame next();

    /** Ends the stream; a reader blocked in {@link #next} returns or throws. */
    @Override
    void close();
  }

  /** One ndjson line. A heartbeat has index 0 and no events. */
  record Frame(long index, List<Event> events) {
    public static final Frame HEARTBEAT = new Frame(0, List.of());

    public Frame {
      events = List.copyOf(events);
    }

    public boolean heartbeat() {
      return index == 0 && events.isEmpty();
    }
  }

  /**
   * One event. {@code node} is set for topic {@code Node} (the payload's {@code Node}), {@code
   * allocation} for topic {@code Allocation} (the payload's {@code Allocation}, whose {@code Job}
   * Nomad strips, so its job type is unknown); either may be null for other topics. Types on the
   * wire: NodeRegistration, NodeDeregistration, NodeEligibility, NodeDrain, NodeStreamEvent (status
   * changes; the docs' "NodeEvent" is never sent), PlanResult, AllocationUpdated,
   * AllocationUpdateDesiredStatus, ... (nomad/state/events.go).
   */
  record Event(
      String topic, String type, String key, long index, NomadNode node, Allocation allocation) {}
}
