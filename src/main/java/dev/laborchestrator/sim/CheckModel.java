package dev.laborchestrator.sim;

import java.util.Locale;
import java.util.Set;

/** One Consul health check on a simulated node. Guarded by the {@link Cluster} lock. */
final class CheckModel {

  static final String PASSING = "passing";
  static final String CRITICAL = "critical";
  static final String SERF_HEALTH = "serfHealth";

  /** agent/structs: {@code NodeMaint}, the check node maintenance adds. */
  static final String NODE_MAINTENANCE = "_node_maintenance";

  private static final Set<String> CHECK_TYPES =
      Set.of(
          "http", "tcp", "udp", "grpc", "h2ping", "script", "docker", "ttl", "alias", "os_service");

  final String checkId;
  final String name;
  final String type;
  final String serviceId;
  final String serviceName;
  final String notes;
  String status;
  long createIndex;
  long modifyIndex;

  /** This check's JSON document as last rendered, and the version it was rendered at. */
  private byte[] rendered;

  private String renderedStatus;
  private long renderedCreateIndex = -1;
  private long renderedModifyIndex = -1;

  private CheckModel(
      String checkId,
      String name,
      String type,
      String serviceId,
      String serviceName,
      String notes) {
    this.checkId = checkId;
    this.name = name;
    this.type = type;
    this.serviceId = serviceId;
    this.serviceName = serviceName;
    this.notes = notes;
  }

  /** The check every Consul agent has: {@code serfHealth}, "Serf Health Status". */
  static CheckModel serfHealth() {
    return new CheckModel(SERF_HEALTH, "Serf Health Status", "", "", "", "");
  }

  /**
   * agent/agent.go {@code EnableNodeMaintenance}: a critical check "Node Maintenance Mode" whose
   * notes carry the reason; it has no type, since no one runs it.
   */
  static CheckModel nodeMaintenance(String reason) {
    CheckModel check =
        new CheckModel(NODE_MAINTENANCE, "Node Maintenance Mode", "", "", "", reason);
    check.status = CRITICAL;
    return check;
  }

  /**
   * {@code "http: web"} is a service check of type http on service web; other text a node check.
   */
  static CheckModel parse(String spec) {
    int colon = spec.indexOf(':');
    if (colon > 0) {
      String type = spec.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String service = spec.substring(colon + 1).trim();
      if (CHECK_TYPES.contains(type) && !service.isEmpty()) {
        return new CheckModel("service:" + service, spec, type, service, service, "");
      }
    }
    return new CheckModel(spec.trim().replaceAll("[^A-Za-z0-9_.-]+", "-"), spec, "", "", "", "");
  }

  boolean serf() {
    return SERF_HEALTH.equals(checkId);
  }

  boolean maintenance() {
    return NODE_MAINTENANCE.equals(checkId);
  }

  boolean passing() {
    return PASSING.equals(status);
  }

  String output() {
    if (maintenance()) {
      return "";
    }
    if (serf()) {
      return passing() ? "Agent alive and reachable" : "Agent not live or unreachable";
    }
    return passing() ? "sim: check passing" : "sim: check failing";
  }

  /**
   * The check's document as {@code render} writes it, rendered again only when the check changed
   * (its status or indexes; every other field is fixed). A blocking query on the health of every
   * node answers with every check each time any one changes: at 1,000 nodes, rendering them all for
   * each answer made the simulated Consul the busiest part of the process.
   */
  byte[] rendered(java.util.function.Supplier<byte[]> render) {
    if (rendered == null
        || !status.equals(renderedStatus)
        || createIndex != renderedCreateIndex
        || modifyIndex != renderedModifyIndex) {
      rendered = render.get();
      renderedStatus = status;
      renderedCreateIndex = createIndex;
      renderedModifyIndex = modifyIndex;
    }
    return rendered;
  }

  /** Interval for the check types Consul runs on a timer; empty for the others. */
  String interval() {
    return type.isEmpty() || type.equals("ttl") || type.equals("alias") ? "" : "10s";
  }
}
