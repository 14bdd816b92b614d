package dev.laborchestrator.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The simulated Nomad server's event buffer: the last {@code size} frames, one per raft apply that
 * produced events (nomad/stream/event_buffer.go {@code appendItem} counts items, not events; the
 * default {@code event_buffer_size} is 100, nomad/stream/event_broker.go {@code NewEventBroker}).
 * Frames are published under the cluster lock and read by streams under this buffer's own monitor
 * only, so a stream never holds the cluster lock while it writes.
 */
final class EventBuffer {

  /** One event of a frame, its JSON already rendered (nomad/structs/event.go {@code Event}). */
  record Event(String topic, String key, String namespace, List<String> filterKeys, String json) {}

  /** All events of one raft index. {@code seq} numbers frames in the order they were published. */
  record Frame(long seq, long index, List<Event> events) {}

  /** What {@link #next} found. */
  sealed interface Next permits Delivered, Timeout, Ended {}

  record Delivered(Frame frame) implements Next {}

  record Timeout() implements Next {}

  /** The stream is over: the lab closed, a test ended the streams, or the reader fell behind. */
  record Ended() implements Next {}

  private final int size;
  private final List<Frame> frames = new ArrayList<>();
  private long nextSeq;
  private long generation;
  private boolean closed;

  EventBuffer(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("the event buffer needs room for at least one frame");
    }
    this.size = size;
  }

  synchronized void publish(long index, List<Event> events) {
    if (events.isEmpty()) {
      return;
    }
    frames.add(new Frame(nextSeq++, index, List.copyOf(events)));
    while (frames.size() > size) {
      frames.remove(0);
    }
    notifyAll();
  }

  /** A reader's position: the seq of the next frame to deliver, and the generation it joined. */
  static final class Cursor {
    long seq;
    final long generation;

    Cursor(long seq, long generation) {
      this.seq = seq;
      this.generation = generation;
    }
  }

  /**
   * nomad/stream/event_broker.go {@code Subscribe}: index 0 starts at the buffer's head, the oldest
   * frame it holds (the backlog, api-docs/events.mdx: "streams a server's backlog of events as well
   * as new events"); any other index goes through event_buffer.go {@code StartAtClosest}: the frame
   * with that index, else the first later one; when the index aged out that is silently the oldest
   * frame; when no frame is that late, the newest frame (the tail) is delivered again.
   */
  synchronized Cursor subscribe(long index) {
    if (frames.isEmpty()) {
      return new Cursor(nextSeq, generation);
    }
    if (index == 0) {
      return new Cursor(frames.get(0).seq(), generation);
    }
    for (Frame frame : frames) {
      if (frame.index() >= index) {
        return new Cursor(frame.seq(), generation);
      }
    }
    return new Cursor(frames.get(frames.size() - 1).seq(), generation);
  }

  /**
   * Blocks until the frame at the cursor is published, {@code timeoutNanos} pass, or the stream
   * ends. A reader whose frame was dropped from the buffer is ended, as event_buffer.go {@code
   * Next} fails with "event dropped from buffer".
   */
  synchronized Next next(Cursor cursor, long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      if (closed || cursor.generation != generation) {
        return new Ended();
      }
      if (!frames.isEmpty() && cursor.seq < frames.get(0).seq()) {
        return new Ended();
      }
      if (cursor.seq < nextSeq) {
        Frame frame = frameAt(cursor.seq);
        cursor.seq++;
        return new Delivered(frame);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return new Timeout();
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  private Frame frameAt(long seq) {
    return frames.get((int) (seq - frames.get(0).seq()));
  }

  /** Ends every open stream (the server closes them); new streams may open. */
  synchronized void endStreams() {
    generation++;
    notifyAll();
  }

  /** Ends every open stream for good: the lab is closing. */
  synchronized void close() {
    closed = true;
    notifyAll();
  }

  synchronized List<Long> indexes() {
    return frames.stream().map(Frame::index).toList();
  }
}
