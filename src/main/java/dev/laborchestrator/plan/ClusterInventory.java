package dev.laborchestrator.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.laborchestrator.config.HealthCheckSpec;
import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.config.InventoryLoader;
import dev.laborchestrator.config.Orchestration;
import dev.laborchestrator.port.NomadNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The inventory as the lab-machine NixOS module publishes it in Nomad client meta ({@code
 * lab.role}, {@code lab.groups}, {@code lab.reboot-order}, {@code lab.depends-on}, {@code
 * lab.criticality}, {@code lab.reboot-delay}, {@code lab.deploy-strategy}, {@code
 * lab.health-checks}), and how it compares with an inventory file. Pure.
 */
public final class ClusterInventory {
  public static final String ROLE = "lab.role";
  public static final String GROUPS = "lab.groups";
  public static final String REBOOT_ORDER = "lab.reboot-order";
  public static final String DEPENDS_ON = "lab.depends-on";
  public static final String CRITICALITY = "lab.criticality";
  public static final String REBOOT_DELAY = "lab.reboot-delay";
  public static final String DEPLOY_STRATEGY = "lab.deploy-strategy";
  public static final String HEALTH_CHECKS = "lab.health-checks";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private ClusterInventory() {}

  /** Whether a node carries the module's metadata at all. */
  public static boolean managed(NomadNode node) {
    return node.meta().containsKey(REBOOT_ORDER);
  }

  /**
   * One host per node that carries {@code lab.reboot-order}; a node name seen twice keeps its live
   * node (a re-registered host leaves its old node behind as down).
   *
   * @throws InvalidInputException naming the node and the meta key of any bad value
   */
  public static List<HostSpec> fromNodes(List<NomadNode> nodes) {
    Map<String, NomadNode> byName = managedByName(nodes);
    if (byName.isEmpty()) {
      throw new InvalidInputException(
          "no inventory file is set and no Nomad node carries "
              + REBOOT_ORDER
              + " meta: import the lab-machine NixOS module on the hosts, or set 'inventory' in the config");
    }
    List<String> problems = new ArrayList<>();
    List<HostSpec> hosts = new ArrayList<>();
    for (NomadNode node : byName.values()) {
      hosts.add(host(node, problems));
    }
    if (!problems.isEmpty()) {
      throw new InvalidInputException("node meta: " + String.join("; ", problems));
    }
    return InventoryLoader.validate(hosts, "the inventory built from Nomad node meta");
  }

  /** The managed nodes by name, a live node winning over a down twin of the same name. */
  private static Map<String, NomadNode> managedByName(List<NomadNode> nodes) {
    Map<String, NomadNode> byName = new TreeMap<>();
    for (NomadNode node : nodes) {
      NomadNode seen = byName.get(node.name());
      if (managed(node)
          && (seen == null || "down".equals(seen.status()) && !"down".equals(node.status()))) {
        byName.put(node.name(), node);
      }
    }
    return byName;
  }

  private static HostSpec host(NomadNode node, List<String> problems) {
    Map<String, String> meta = node.meta();
    return new HostSpec(
        node.name(),
        meta.get(ROLE),
        list(meta.get(GROUPS)),
        integer(node, REBOOT_ORDER, problems),
        list(meta.get(DEPENDS_ON)),
        checks(node, problems),
        new Orchestration(
            meta.get(DEPLOY_STRATEGY),
            integer(node, REBOOT_DELAY, problems),
            meta.get(CRITICALITY)),
        List.of());
  }

  private static List<String> list(String value) {
    if (value == null || value.isBlank()) {
      return List.of();
    }
    return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  private static Integer integer(NomadNode node, String key, List<String> problems) {
    String value = node.meta().get(key);
    if (value == null) {
      return null;
    }
    try {
      return Integer.valueOf(value.strip());
    } catch (NumberFormatException e) {
      problems.add(node.name() + ": " + key + " '" + value + "' is not a whole number");
      return null;
    }
  }

  private static List<HealthCheckSpec> checks(NomadNode node, List<String> problems) {
    String value = node.meta().get(HEALTH_CHECKS);
    if (value == null || value.isBlank()) {
      return List.of();
    }
    try {
      return JSON.readValue(value, new TypeReference<List<HealthCheckSpec>>() {});
    } catch (JsonProcessingException e) {
      problems.add(
          node.name()
              + ": "
              + HEALTH_CHECKS
              + " is not a JSON list of checks ("
              + e.getOriginalMessage()
              + ")");
      return List.of();
    }
  }

  /**
   * Where an inventory file and the node meta disagree, one warning each; the file wins. Hosts with
   * meta that the file lacks are named too: they are not part of the rollout.
   */
  public static List<String> mismatches(List<HostSpec> file, List<NomadNode> nodes) {
    Map<String, HostSpec> fromMeta = new TreeMap<>();
    managedByName(nodes).forEach((name, node) -> fromMeta.put(name, host(node, new ArrayList<>())));
    List<String> warnings = new ArrayList<>();
    for (HostSpec host : file) {
      HostSpec meta = fromMeta.remove(host.hostname());
      if (meta == null) {
        continue;
      }
      compare(warnings, host.hostname(), "rebootOrder", host.rebootOrder(), meta.rebootOrder());
      compare(warnings, host.hostname(), "role", host.role(), meta.role());
      compare(
          warnings,
          host.hostname(),
          "dependencies",
          sorted(host.dependencies()),
          sorted(meta.dependencies()));
      compare(
          warnings,
          host.hostname(),
          "criticalityLevel",
          host.orchestration().criticalityLevel(),
          meta.orchestration().criticalityLevel());
      compare(
          warnings,
          host.hostname(),
          "rebootDelay",
          host.orchestration().rebootDelay(),
          meta.orchestration().rebootDelay());
    }
    fromMeta
        .keySet()
        .forEach(
            name ->
                warnings.add(
                    name
                        + " carries lab.* node meta but is not in the inventory file: "
                        + "it is not part of this rollout"));
    return warnings;
  }

  private static List<String> sorted(List<String> values) {
    return values.stream().sorted().toList();
  }

  private static void compare(
      List<String> warnings, String host, String key, Object file, Object meta) {
    if (!Objects.equals(file, meta)) {
      warnings.add(
          host
              + ": the inventory file says "
              + key
              + " "
              + file
              + ", the node meta says "
              + meta
              + " (the file wins)");
    }
  }
}
