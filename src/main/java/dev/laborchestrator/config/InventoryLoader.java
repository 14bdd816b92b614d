package dev.laborchestrator.config;

import com.fasterxml.jackson.core.type.TypeReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the inventory: a JSON array of host objects in the shape the lab-machine NixOS module
 * writes to {@code /etc/lab-machine-metadata.json}. Every problem found is reported at once.
 */
public final class InventoryLoader {
  /** A DNS-style host name; no leading dash, so it can never be read as a command-line option. */
  public static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})");

  private static final Set<String> CHECK_TYPES = Set.of("http", "tcp", "command");
  private static final Set<String> STRATEGIES = Set.of("rolling", "blue-green", "recreate");
  private static final Set<String> CRITICALITY = Set.of("low", "medium", "high", "critical");

  private InventoryLoader() {}

  public static List<HostSpec> load(Path file) {
    List<HostSpec> hosts = ConfigLoader.Mappers.read(file, new TypeReference<List<HostSpec>>() {});
    return validate(hosts, file.toString());
  }

  public static List<HostSpec> parse(String json, String source) {
    List<HostSpec> hosts =
        ConfigLoader.Mappers.readJson(json, source, new TypeReference<List<HostSpec>>() {});
    return validate(hosts, source);
  }

  /** Checks each host and the references between them; cycles are the planner's to find. */
  public static List<HostSpec> validate(List<HostSpec> hosts, String source) {
    if (hosts == null || hosts.isEmpty()) {
      throw new InvalidInputException(source + ": the inventory lists no hosts");
    }
    List<String> problems = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < hosts.size(); i++) {
      HostSpec host = hosts.get(i);
      if (host == null) {
        problems.add("entry " + i + " is null");
        continue;
      }
      String name = host.hostname();
      String label = name == null ? "entry " + i : name;
      if (name == null || name.isBlank()) {
        problems.add("entry " + i + " has no hostname");
      } else if (!HOSTNAME.matcher(name).matches()) {
        problems.add("hostname '" + name + "' is not a valid host name");
      } else if (!names.add(name)) {
        problems.add("hostname '" + name + "' appears more than once");
      }
      if (host.rebootOrder() == null) {
        problems.add(label + ": rebootOrder is missing");
      } else if (host.rebootOrder() < 0) {
        problems.add(label + ": rebootOrder must be 0 or more, not " + host.rebootOrder());
      }
      checkHealthChecks(label, host.healthChecks(), problems);
      Orchestration o = host.orchestration();
      oneOf(label + ": orchestration.deployStrategy", o.deployStrategy(), STRATEGIES, problems);
      oneOf(
          label + ": orchestration.criticalityLevel", o.criticalityLevel(), CRITICALITY, problems);
      if (o.rebootDelay() < 0) {
        problems.add(
            label
                + ": orchestration.rebootDelay must be 0 or more seconds, not "
                + o.rebootDelay());
      }
    }
    for (HostSpec host : hosts) {
      if (host == null || host.hostname() == null) {
        continue;
      }
      for (String dependency : host.dependencies()) {
        if (dependency.equals(host.hostname())) {
          problems.add(host.hostname() + " depends on itself");
        } else if (!names.contains(dependency)) {
          problems.add(host.hostname() + " depends on unknown host '" + dependency + "'");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidInputException(source + ": " + String.join("; ", problems));
    }
    return List.copyOf(hosts);
  }

  private static void checkHealthChecks(
      String label, List<HealthCheckSpec> checks, List<String> problems) {
    for (int i = 0; i < checks.size(); i++) {
      HealthCheckSpec check = checks.get(i);
      String where = label + ": healthChecks[" + i + "]";
      if (check == null || check.type() == null) {
        problems.add(where + " has no type (http, tcp or command)");
        continue;
      }
      if (!CHECK_TYPES.contains(check.type())) {
        problems.add(where + ".type '" + check.type() + "' is not one of http, tcp, command");
      } else if (check.type().equals("http") && (check.url() == null || check.url().isBlank())) {
        problems.add(where + " is an http check without url");
      } else if (check.type().equals("tcp") && check.port() == null) {
        problems.add(where + " is a tcp check without port");
      } else if (check.type().equals("command")
          && (check.command() == null || check.command().isBlank())) {
        problems.add(where + " is a command check without command");
      }
      if (check.port() != null && (check.port() < 1 || check.port() > 65535)) {
        problems.add(where + ".port " + check.port() + " is not a TCP port");
      }
    }
  }

  private static void oneOf(
      String where, String value, Set<String> allowed, List<String> problems) {
    if (!allowed.contains(value)) {
      problems.add(
          where
              + " '"
              + value
              + "' is not one of "
              + String.join(", ", allowed.stream().sorted().toList()));
    }
  }
}
