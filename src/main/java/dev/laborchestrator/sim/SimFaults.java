package dev.laborchestrator.sim;

import java.time.Duration;
import java.util.Optional;

/**
 * Ways a simulated host (or, through {@link SimLab#globalFaults()}, every host and request)
 * misbehaves on purpose. Thread-safe and mutable at any time; a change applies from the lab's next
 * step.
 */
public final class SimFaults {

  private volatile boolean neverReturns;
  private volatile boolean checkStaysCritical;
  private volatile boolean fakeReboot;
  private volatile Duration slowDrain;
  private volatile double errorRate;
  private volatile String returnsRevision;
  private volatile boolean unreachable;
  private volatile boolean variablesUnreachable;
  private volatile boolean agentUnreachable;
  private volatile int eventStreamRefusal;
  private volatile boolean buildFails;

  /** After a reboot the host stays {@code down} (until this is switched off again). */
  public SimFaults neverReturns(boolean value) {
    neverReturns = value;
    return this;
  }

  /**
   * After a reboot one check stays {@code critical}: the first service or node check, else {@code
   * serfHealth}.
   */
  public SimFaults checkStaysCritical(boolean value) {
    checkStaysCritical = value;
    return this;
  }

  /** A reboot is accepted but the host does not restart: status, boot id and revision stay. */
  public SimFaults fakeReboot(boolean value) {
    fakeReboot = value;
    return this;
  }

  /** Per-allocation migration time while draining, instead of {@link SimTiming#drainPerAlloc()}. */
  public SimFaults slowDrain(Duration perAlloc) {
    if (perAlloc != null && perAlloc.isNegative()) {
      throw new IllegalArgumentException("slowDrain cannot be negative");
    }
    slowDrain = perAlloc;
    return this;
  }

  /**
   * Fraction (0..1) of API requests answered {@code 500}, {@code 503} or dropped without an answer.
   * For a host: the requests naming it ({@code /v1/node/<id>...}, {@code /v1/health/node/<name>}).
   */
  public SimFaults errorRate(double rate) {
    if (!(rate >= 0.0 && rate <= 1.0)) {
      throw new IllegalArgumentException("errorRate must be within 0..1: " + rate);
    }
    errorRate = rate;
    return this;
  }

  /** After a reboot the host runs this revision instead of the one it was asked for. */
  public SimFaults returnsRevision(String revision) {
    returnsRevision = revision;
    return this;
  }

  /**
   * Every API connection is dropped without an answer until this is switched off: through {@link
   * SimLab#globalFaults()} the whole Nomad API, the Consul API and every host's Consul agent (an
   * outage in the middle of a rollout); for a host, the requests naming it and its own agent.
   */
  public SimFaults unreachable(boolean value) {
    unreachable = value;
    return this;
  }

  /**
   * Through {@link SimLab#globalFaults()}: every Nomad Variables request ({@code /v1/var/...},
   * {@code /v1/vars}) is dropped without an answer while the rest of the Nomad API answers, until
   * this is switched off. Variables, their locks included, are served by the leader through Raft
   * and need the keyring (nomad/variables_endpoint.go, nomad/encrypter.go), so they can fail while
   * node reads still answer; here it stands for any such partial outage. No effect on a host.
   */
  public SimFaults variablesUnreachable(boolean value) {
    variablesUnreachable = value;
    return this;
  }

  public boolean variablesUnreachable() {
    return variablesUnreachable;
  }

  /**
   * Through {@link SimLab#globalFaults()}: every new {@code GET /v1/event/stream} is answered with
   * {@code status} (403 or 500) before anything is streamed, until this is set to 0 again; the rest
   * of the API answers. Streams already open go on ({@link SimLab#endEventStreams} ends them). No
   * effect on a host.
   */
  public SimFaults refuseEventStreams(int status) {
    if (status != 0 && status != 403 && status != 500) {
      throw new IllegalArgumentException("refuseEventStreams takes 403, 500 or 0: " + status);
    }
    eventStreamRefusal = status;
    return this;
  }

  public int eventStreamRefusal() {
    return eventStreamRefusal;
  }

  /**
   * The host's own Consul agent answers no connection while Nomad and the Consul servers still
   * reach the host: Consul's default {@code client_addr} is 127.0.0.1, so an agent not configured
   * otherwise cannot be reached at {@code <node address>:8500}.
   */
  public SimFaults agentUnreachable(boolean value) {
    agentUnreachable = value;
    return this;
  }

  public boolean agentUnreachable() {
    return agentUnreachable;
  }

  public boolean neverReturns() {
    return neverReturns;
  }

  public boolean checkStaysCritical() {
    return checkStaysCritical;
  }

  public boolean fakeReboot() {
    return fakeReboot;
  }

  public Optional<Duration> slowDrain() {
    return Optional.ofNullable(slowDrain);
  }

  public double errorRate() {
    return errorRate;
  }

  public Optional<String> returnsRevision() {
    return Optional.ofNullable(returnsRevision);
  }

  public boolean unreachable() {
    return unreachable;
  }

  /** The host's builds fail ({@code /sim/v1/build} answers that the build failed). */
  public SimFaults buildFails(boolean value) {
    buildFails = value;
    return this;
  }

  public boolean buildFails() {
    return buildFails;
  }
}
