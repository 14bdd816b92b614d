package dev.laborchestrator.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The Raft servers of the lab as autopilot sees them: the hosts built with {@link
 * SimNode#server(boolean)} run a Nomad and a Consul server, all voters. A server is healthy while
 * its host is ready and not rebooting; the leader stays leader while healthy and otherwise passes
 * to the first healthy server by name, if a quorum is left. Rendered as both products answer {@code
 * GET /v1/operator/autopilot/health} (operator/autopilot.mdx "Read Health" in each; Nomad's
 * command/agent/operator_endpoint.go {@code OperatorServerHealth} and Consul's
 * agent/operator_endpoint.go). Guarded by the {@link Cluster} lock.
 *
 * <p>With no server hosts the servers are outside the lab: the health is reported as healthy with a
 * failure tolerance of 0 and no servers (a real cluster always lists at least one), so a controller
 * that needs a tolerance of one before touching a server host never finds one here.
 */
final class AutopilotModel {

  static final String SUBJECT = "autopilot";

  /** What a follower reports as its last contact with the leader while healthy. */
  private static final long FOLLOWER_CONTACT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private static final class Server {
    final NodeModel node;
    boolean healthy = true;
    long stableSince;
    long lastTerm;
    long lastNomadIndex;
    long lastConsulIndex;

    Server(NodeModel node, long now) {
      this.node = node;
      this.stableSince = now;
    }
  }

  private final List<Server> servers = new ArrayList<>();
  private Server leader;
  private long term;
  private boolean forced;
  private boolean reportedHealthy = true;

  AutopilotModel(List<NodeModel> nodes, long now) {
    nodes.stream()
        .filter(n -> n.server)
        .sorted(Comparator.comparing(n -> n.name))
        .forEach(n -> servers.add(new Server(n, now)));
  }

  void force(boolean unhealthy) {
    forced = unhealthy;
  }

  /**
   * Follows the hosts, moves leadership when the leader is lost, and records the transitions of the
   * overall health.
   */
  void update(long now, long nomadIndex, long consulIndex, Cluster.SubjectLog log) {
    for (Server server : servers) {
      boolean healthy = server.node.ready() && server.node.reboot == null;
      if (healthy != server.healthy) {
        server.healthy = healthy;
        server.stableSince = now;
      }
      if (healthy) {
        server.lastNomadIndex = nomadIndex;
        server.lastConsulIndex = consulIndex;
      }
    }
    if (leader == null || !leader.healthy) {
      Server next =
          healthyVoters() >= quorum()
              ? servers.stream().filter(s -> s.healthy).findFirst().orElse(null)
              : null;
      if (next != null && next != leader) {
        term++;
      }
      leader = next;
    }
    servers.stream().filter(s -> s.healthy).forEach(s -> s.lastTerm = term);
    boolean healthy = healthy();
    if (healthy != reportedHealthy) {
      reportedHealthy = healthy;
      log.record(
          healthy ? SimEvent.Type.AUTOPILOT_HEALTHY : SimEvent.Type.AUTOPILOT_UNHEALTHY,
          SUBJECT,
          describe(),
          now);
    }
  }

  /** Every server healthy, a leader elected, and not forced unhealthy. */
  boolean healthy() {
    return !forced
        && servers.stream().allMatch(s -> s.healthy)
        && (servers.isEmpty() || leader != null);
  }

  /** raft-autopilot: healthy voters beyond a quorum; 0 when forced unhealthy. */
  int failureTolerance() {
    return forced ? 0 : Math.max(0, healthyVoters() - quorum());
  }

  /** The hostname of the leader's host, or null. */
  String leaderHost() {
    return leader == null ? null : leader.node.name;
  }

  /**
   * Nomad's answer (api.OperatorHealthReply): server names are {@code <name>.<region>}, addresses
   * the RPC port 4647, and the reply names the leader's and the voters' Raft IDs.
   */
  ObjectNode nomadHealth(long now) {
    ObjectNode o =
        health(
            s ->
                new Identity(
                    nomadId(s),
                    s.node.name + ".global",
                    s.node.address + ":4647",
                    s.node.attributes.get("nomad.version"),
                    s.lastNomadIndex),
            now);
    o.put("Leader", leader == null ? "" : nomadId(leader));
    ArrayNode voters = o.putArray("Voters");
    servers.forEach(s -> voters.add(nomadId(s)));
    return o;
  }

  /** Consul's answer: the Consul node name, the server RPC port 8300. */
  ObjectNode consulHealth(long now) {
    return health(
        s ->
            new Identity(
                uuid("sim-consul-node/" + s.node.consulName),
                s.node.consulName,
                s.node.address + ":8300",
                s.node.attributes.get("consul.version"),
                s.lastConsulIndex),
        now);
  }

  /** How one product names a server. */
  private record Identity(String id, String name, String address, String version, long index) {}

  private ObjectNode health(Function<Server, Identity> identity, long now) {
    ObjectNode o = F.objectNode();
    o.put("Healthy", healthy());
    o.put("FailureTolerance", failureTolerance());
    ArrayNode list = o.putArray("Servers");
    servers.forEach(s -> list.add(server(s, identity.apply(s), now)));
    return o;
  }

  /**
   * api.ServerHealth. LastContact is a Go duration string in both (Nomad's ServerHealth marshals it
   * so, Consul's is a ReadableDuration); StableSince is rounded to the second, in UTC.
   */
  private ObjectNode server(Server server, Identity identity, long now) {
    boolean isLeader = server == leader;
    long contact =
        isLeader
            ? 0
            : server.healthy
                ? FOLLOWER_CONTACT_NANOS
                : TimeUnit.MILLISECONDS.toNanos(now - server.stableSince);
    ObjectNode o = F.objectNode();
    o.put("ID", identity.id());
    o.put("Name", identity.name());
    o.put("Address", identity.address());
    o.put("SerfStatus", NodeModel.DOWN.equals(server.node.status) ? "failed" : "alive");
    o.put("Version", identity.version());
    o.put("Leader", isLeader);
    o.put("LastContact", GoDuration.format(contact));
    o.put("LastTerm", server.lastTerm);
    o.put("LastIndex", identity.index());
    o.put("Healthy", server.healthy);
    o.put("Voter", true);
    o.put(
        "StableSince",
        Instant.ofEpochMilli(server.stableSince + 500).truncatedTo(ChronoUnit.SECONDS).toString());
    return o;
  }

  private String describe() {
    if (forced) {
      return "forced unhealthy";
    }
    String down =
        servers.stream()
            .filter(s -> !s.healthy)
            .map(s -> s.node.name)
            .collect(Collectors.joining(", "));
    return (down.isEmpty() ? "all servers healthy" : "unhealthy: " + down)
        + "; failure tolerance "
        + failureTolerance()
        + "; leader "
        + (leader == null ? "none" : leader.node.name);
  }

  private int healthyVoters() {
    return (int) servers.stream().filter(s -> s.healthy).count();
  }

  private int quorum() {
    return servers.size() / 2 + 1;
  }

  private static String nomadId(Server server) {
    return uuid("sim-nomad-server/" + server.node.name);
  }

  private static String uuid(String seed) {
    return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
