package dev.laborchestrator.sim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A simulated lab: a Nomad and a Consul HTTP API on loopback over one shared, stateful cluster,
 * which drains, reboots and heals in real time as the documented APIs do.
 *
 * <pre>{@code
 * try (SimLab lab = SimLab.builder()
 *     .node(SimNode.named("web-1").serviceAllocs(2).systemAllocs(1).checks("http: web"))
 *     .build()) {
 *   lab.start();
 *   // point the controller at lab.nomadAddress() and lab.consulAddress(); reboot hosts with
 *   // SimCtl reboot <nomadAddress> <host> [revision]; then check lab.events()
 * }
 * }</pre>
 *
 * <p>The record ({@link #events()}, {@link #requests()}) is what tests check the controller's
 * safety rules against. Everything here is thread-safe.
 */
public final class SimLab implements AutoCloseable {

  /** How often the simulation advances; far below any step of {@link SimTiming#fast()}. */
  private static final long TICK_MILLIS = 5;

  private final Cluster cluster;
  private final SimFaults global;
  private final NomadApi nomad;
  private final ConsulApi consul;
  private final ScheduledExecutorService ticker;
  private boolean started;
  private boolean closed;

  private SimLab(Builder builder) {
    this.global = new SimFaults();
    this.cluster =
        new Cluster(builder.timing, global, builder.seed, builder.nodes, System::currentTimeMillis);
    String accessorId =
        UUID.nameUUIDFromBytes(("sim-accessor/" + builder.seed).getBytes(StandardCharsets.UTF_8))
            .toString();
    this.nomad = new NomadApi(cluster, builder.nomadToken, accessorId);
    this.consul = new ConsulApi(cluster, builder.consulToken);
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "sim-clock");
              thread.setDaemon(true);
              return thread;
            });
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Opens both APIs and starts the clock. Returns this lab. */
  public synchronized SimLab start() {
    if (closed) {
      throw new IllegalStateException("the lab is closed");
    }
    if (!started) {
      nomad.start();
      consul.start();
      ticker.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
      started = true;
    }
    return this;
  }

  private void tick() {
    try {
      cluster.tick();
    } catch (RuntimeException e) {
      // An exception would cancel the schedule and freeze the lab; report it and go on.
      e.printStackTrace();
    }
  }

  /** {@code http://127.0.0.1:PORT}: the value for {@code NOMAD_ADDR}. */
  public String nomadAddress() {
    requireStarted();
    return nomad.address();
  }

  /** {@code http://127.0.0.1:PORT}: the value for {@code CONSUL_HTTP_ADDR}. */
  public String consulAddress() {
    requireStarted();
    return consul.address();
  }

  /** The faults of one host; mutable at any time. */
  public SimFaults faults(String node) {
    return cluster.faults(node);
  }

  /** Faults for every host and every API request (not the control endpoint). */
  public SimFaults globalFaults() {
    return global;
  }

  /**
   * Changes a node's eligibility directly, as an operator would with {@code nomad node
   * eligibility}: recorded as an event, not as an API request of the run. Refused with Nomad's
   * error text ({@link IllegalStateException}) when making a draining node eligible.
   */
  public void operatorSetEligibility(String node, boolean eligible) {
    cluster.operatorSetEligibility(node, eligible);
  }

  /** A snapshot of one host. */
  public SimNodeState node(String name) {
    return cluster.state(name);
  }

  /** The record, in order. */
  public List<SimEvent> events() {
    return cluster.events();
  }

  public List<SimEvent> eventsFor(String node) {
    return events().stream().filter(e -> e.node().equals(node)).toList();
  }

  /** Every Nomad and Consul API request, by arrival time; never the control endpoint. */
  public List<SimRequest> requests() {
    return cluster.requests();
  }

  /** The requests that are not {@code GET}. */
  public List<SimRequest> mutatingRequests() {
    return requests().stream().filter(SimRequest::mutating).toList();
  }

  /**
   * The most nodes out of service at once (not ready, draining, or ineligible), replaying the
   * record from the lab's start; nodes in {@code ignore} (say, those an operator had made
   * ineligible) are left out.
   */
  public int maxNodesOutOfService(Set<String> ignore) {
    Map<String, Boolean> outOfService = new HashMap<>();
    int max = 0;
    for (SimEvent event : events()) {
      if (ignore.contains(event.node())) {
        continue;
      }
      outOfService.put(event.node(), event.outOfService());
      int now = (int) outOfService.values().stream().filter(Boolean::booleanValue).count();
      max = Math.max(max, now);
    }
    return max;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ticker.shutdownNow();
    nomad.close();
    consul.close();
  }

  private synchronized void requireStarted() {
    if (!started) {
      throw new IllegalStateException("call start() first");
    }
  }

  /** Configuration of a lab; {@link #build()} registers the nodes, {@link #start()} opens it. */
  public static final class Builder {
    private SimTiming timing = SimTiming.fast();
    private String nomadToken;
    private String consulToken;
    private long seed = 1;
    private final List<SimNode> nodes = new ArrayList<>();

    private Builder() {}

    public Builder timing(SimTiming timing) {
      this.timing = Objects.requireNonNull(timing);
      return this;
    }

    /** Turns Nomad ACLs on: every request needs this token. */
    public Builder nomadToken(String token) {
      this.nomadToken = requireToken(token);
      return this;
    }

    /** Turns Consul ACLs on: reads need this token (without one they are filtered empty). */
    public Builder consulToken(String token) {
      this.consulToken = requireToken(token);
      return this;
    }

    /** Seed for identifiers and fault dice. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder node(SimNode node) {
      nodes.add(Objects.requireNonNull(node));
      return this;
    }

    public SimLab build() {
      if (nodes.isEmpty()) {
        throw new IllegalStateException("a lab needs at least one node");
      }
      return new SimLab(this);
    }

    private static String requireToken(String token) {
      if (token == null || token.isBlank()) {
        throw new IllegalArgumentException("a token cannot be blank");
      }
      return token;
    }
  }
}
