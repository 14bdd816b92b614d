package dev.laborchestrator.watch;

import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.ConsulHealth;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NomadNode;
import dev.laborchestrator.port.NomadNodes;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * A watch that whoever waits keeps current: each wait sleeps a poll interval on the clock and then
 * reads every followed node and its checks. It needs no thread and no event stream, so it runs on a
 * scripted clock; the engine uses it where Nomad's event stream is not wired (the engine's unit
 * tests). A real run uses {@link StreamedWatch}.
 */
public final class PolledWatch extends View {
  private final NomadNodes nomad;
  private final ConsulHealth consul;
  private final Duration interval;

  private PolledWatch(NomadNodes nomad, ConsulHealth consul, Clock clock, Duration interval) {
    super(clock);
    this.nomad = nomad;
    this.consul = consul;
    this.interval = interval;
  }

  /** Reads each of {@code nodeIds} (and its checks) once; waits poll every {@code interval}. */
  public static PolledWatch start(
      NomadNodes nomad,
      ConsulHealth consul,
      Collection<String> nodeIds,
      Clock clock,
      Duration interval)
      throws InterruptedException {
    PolledWatch watch = new PolledWatch(nomad, consul, clock, interval);
    Instant giveUp = clock.now().plus(Duration.ofMinutes(1));
    for (String id : nodeIds) {
      while (true) {
        try {
          watch.putNode(id, nomad.readNode(id, BlockingQuery.NONE));
          break;
        } catch (ApiException e) {
          if (!e.transientFailure() || !clock.now().isBefore(giveUp)) {
            throw e;
          }
          clock.sleep(interval);
        }
      }
    }
    watch.poll();
    return watch;
  }

  @Override
  public long awaitChange(long seen, Instant deadline) throws InterruptedException {
    long now = version();
    if (now > seen) {
      return now;
    }
    Duration left = Duration.between(clock.now(), deadline);
    if (left.isNegative() || left.isZero()) {
      return now;
    }
    clock.sleep(left.compareTo(interval) < 0 ? left : interval);
    poll();
    return version();
  }

  /**
   * Reads every followed node and its checks; a transient failure leaves what it could not read.
   */
  private synchronized void poll() {
    boolean allChecks = true;
    ApiException refused = null;
    for (String id : nodeIds()) {
      Indexed<NomadNode> read;
      try {
        read = nomad.readNode(id, BlockingQuery.NONE);
      } catch (ApiException e) {
        if (!e.transientFailure()) {
          throw e;
        }
        allChecks = false;
        continue;
      }
      putNode(id, read);
      try {
        List<dev.laborchestrator.port.HealthCheck> checks =
            consul.nodeChecks(read.value().consulName(), BlockingQuery.NONE).value();
        putChecks(read.value().consulName(), checks);
      } catch (ApiException e) {
        if (!e.transientFailure()) {
          refused = e; // the nodes are still read: the refusal concerns Consul only
          continue;
        }
        allChecks = false;
      }
    }
    checksKnown(allChecks);
    checksRefused(refused);
  }

  @Override
  public Indexed<NomadNode> refresh(String nodeId) {
    putNode(nodeId, nomad.readNode(nodeId, BlockingQuery.NONE));
    return node(nodeId);
  }

  @Override
  public String mode() {
    return "polling";
  }
}
