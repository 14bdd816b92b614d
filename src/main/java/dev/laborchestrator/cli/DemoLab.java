package dev.laborchestrator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.laborchestrator.config.HealthCheckSpec;
import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.Orchestration;
import dev.laborchestrator.plan.ClusterInventory;
import dev.laborchestrator.sim.SimLab;
import dev.laborchestrator.sim.SimNode;
import dev.laborchestrator.sim.SimTiming;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The simulated lab the {@code demo} command (and the end-to-end tests) run against: six hosts in
 * three waves, with a dependency in the second and third wave, a critical host, ACL tokens on both
 * APIs, and a config and inventory written to a folder exactly as an operator would write them. The
 * rebuild command is the real {@code command} executor running {@code SimCtl}, which asks the sim
 * to reboot the host onto the target revision.
 */
public final class DemoLab implements AutoCloseable {
  public static final String OLD_REVISION = "rev-1";
  public static final String NEW_REVISION = "rev-2";

  /** A node outside the rollout, so drained work has somewhere to go. */
  public static final String SPARE = "spare";

  /** The inventory, in the lab-machine module's shape. */
  public static final List<HostSpec> HOSTS =
      List.of(
          host("gateway", "ingress", 1, List.of(), "high", 0),
          host("storage", "nas", 1, List.of(), "critical", 0),
          host("db", "database", 2, List.of(), "high", 0),
          host("api", "application-server", 2, List.of("db"), "medium", 0),
          host("web-1", "web", 3, List.of("api"), "medium", 0),
          host("web-2", "web", 3, List.of("api"), "medium", 1));

  /** Shared: a mapper per host made a lab of a thousand hosts take seconds to describe. */
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SimLab lab;
  private final Path dir;
  private final Path config;
  private final String nomadToken;
  private final String consulToken;
  private final List<HostSpec> hosts;

  private DemoLab(
      SimLab lab,
      Path dir,
      Path config,
      String nomadToken,
      String consulToken,
      List<HostSpec> hosts) {
    this.hosts = List.copyOf(hosts);
    this.lab = lab;
    this.dir = dir;
    this.config = config;
    this.nomadToken = nomadToken;
    this.consulToken = consulToken;
  }

  /**
   * The Nomad client meta the lab-machine NixOS module publishes for {@code host} ({@code
   * services.nomad.settings.client.meta} in nix/modules/lab-machine.nix).
   */
  public static Map<String, String> moduleMeta(HostSpec host) {
    try {
      return Map.of(
          ClusterInventory.ROLE, host.role(),
          ClusterInventory.GROUPS, String.join(",", host.groups()),
          ClusterInventory.REBOOT_ORDER, Integer.toString(host.rebootOrder()),
          ClusterInventory.DEPENDS_ON, String.join(",", host.dependencies()),
          ClusterInventory.CRITICALITY, host.orchestration().criticalityLevel(),
          ClusterInventory.REBOOT_DELAY, Integer.toString(host.orchestration().rebootDelay()),
          ClusterInventory.DEPLOY_STRATEGY, host.orchestration().deployStrategy(),
          ClusterInventory.HEALTH_CHECKS, JSON.writeValueAsString(host.healthChecks()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A host in the inventory's shape, with one http check. */
  public static HostSpec host(
      String name, String role, int order, List<String> deps, String criticality, int delay) {
    return new HostSpec(
        name,
        role,
        List.of("lab"),
        order,
        deps,
        List.of(new HealthCheckSpec("http", "http://localhost:8080/health", null, null)),
        new Orchestration("rolling", delay, criticality),
        List.of("nomad", "consul"));
  }

  /**
   * Starts the sim with the demo's hosts and writes config.yaml and inventory.json into {@code
   * dir}.
   */
  public static DemoLab start(Path dir) {
    return start(dir, UnaryOperator.identity());
  }

  /**
   * Like {@link #start(Path)}; {@code configEdits} may change the config map before it is written
   * (tests use it to shorten timeouts or break the config on purpose).
   */
  public static DemoLab start(Path dir, UnaryOperator<Map<String, Object>> configEdits) {
    return start(dir, HOSTS, Set.of(), UnaryOperator.identity(), configEdits);
  }

  /**
   * A lab of {@code hosts}, of which {@code servers} run Nomad and Consul servers; {@code labEdits}
   * may tune the sim before it starts (lock time scale, say).
   */
  public static DemoLab start(
      Path dir,
      List<HostSpec> hosts,
      Set<String> servers,
      UnaryOperator<SimLab.Builder> labEdits,
      UnaryOperator<Map<String, Object>> configEdits) {
    String nomadToken = UUID.randomUUID().toString();
    String consulToken = UUID.randomUUID().toString();
    SimLab.Builder builder =
        SimLab.builder().timing(SimTiming.fast()).nomadToken(nomadToken).consulToken(consulToken);
    int n = 0;
    for (HostSpec host : hosts) {
      n++;
      // No .address(): the sim gives each host its own 127.0.0.x, where its Consul agent listens.
      builder.node(
          SimNode.named(host.hostname())
              .server(servers.contains(host.hostname()))
              .revision(OLD_REVISION)
              .meta(moduleMeta(host))
              .serviceAllocs(n % 3 + 1)
              .batchAllocs(n % 2)
              .systemAllocs(1)
              .checks("http: " + host.role()));
    }
    // Somewhere for drained work to go that is not part of the rollout itself.
    builder.node(SimNode.named(SPARE).revision(OLD_REVISION).checks("http: spare"));
    SimLab lab = labEdits.apply(builder).build();
    lab.start();
    try {
      Files.createDirectories(dir);
      Path inventory = dir.resolve("inventory.json");
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(inventory.toFile(), hosts);
      Map<String, Object> config = config(lab, nomadToken, consulToken);
      // Each host registers a Consul service named after its role; a role only one host has is
      // a service with a single instance, which the rollout would refuse to take down. The demo
      // accepts losing those while their host reboots, as an operator would say so.
      List<String> single =
          hosts.stream()
              .collect(Collectors.groupingBy(HostSpec::role, TreeMap::new, Collectors.counting()))
              .entrySet()
              .stream()
              .filter(e -> e.getValue() == 1)
              .map(Map.Entry::getKey)
              .toList();
      if (!single.isEmpty()) {
        config.put("allowLastInstance", single);
      }
      config = configEdits.apply(config);
      Path configFile = dir.resolve("config.yaml");
      new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER))
          .writeValue(configFile.toFile(), config);
      return new DemoLab(lab, dir, configFile, nomadToken, consulToken, hosts);
    } catch (IOException e) {
      lab.close();
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Object> config(SimLab lab, String nomadToken, String consulToken) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("nomad", Map.of("address", lab.nomadAddress(), "token", nomadToken));
    config.put("consul", Map.of("address", lab.consulAddress(), "token", consulToken));
    config.put("inventory", "inventory.json");
    List<String> command = new ArrayList<>(javaCommand());
    command.addAll(
        List.of(
            "dev.laborchestrator.sim.SimCtl",
            "reboot",
            lab.nomadAddress(),
            "{hostname}",
            NEW_REVISION));
    Map<String, Object> rebuild = new LinkedHashMap<>();
    rebuild.put("executor", "command");
    rebuild.put("command", command);
    rebuild.put("timeout", "1m");
    rebuild.put("expectRevision", NEW_REVISION);
    List<String> rollback = new ArrayList<>(javaCommand());
    rollback.addAll(
        List.of("dev.laborchestrator.sim.SimCtl", "rollback", lab.nomadAddress(), "{hostname}"));
    rebuild.put("rollbackCommand", rollback);
    config.put("rebuild", rebuild);
    config.put("drain", Map.of("deadline", "1m", "ignoreSystemJobs", true));
    config.put(
        "timeouts", new LinkedHashMap<>(Map.of("drain", "1m", "reboot", "1m", "health", "1m")));
    config.put("health", Map.of("stableFor", "1s"));
    config.put("maxParallel", 2);
    return config;
  }

  /**
   * Edits a demo config so that hosts are built ahead of their drain ({@code rebuild.build}: {@code
   * SimCtl build}), then booted ({@code SimCtl boot}, refused by the lab unless the path is the
   * staged build) or switched ({@code SimCtl switch}), with {@code reboot} as given.
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> buildingAhead(Map<String, Object> config, String reboot) {
    String nomad = (String) ((Map<String, Object>) config.get("nomad")).get("address");
    Map<String, Object> rebuild = (Map<String, Object>) config.get("rebuild");
    rebuild.put("build", simCtl("build", nomad, "{hostname}", NEW_REVISION));
    rebuild.put("switch", simCtl("switch", nomad, "{hostname}", "{path}"));
    rebuild.put("command", simCtl("boot", nomad, "{hostname}", "{path}"));
    config.put("reboot", reboot);
    return config;
  }

  private static List<String> simCtl(String... args) {
    List<String> command = new ArrayList<>(javaCommand());
    command.add("dev.laborchestrator.sim.SimCtl");
    command.addAll(List.of(args));
    return command;
  }

  /**
   * This JVM's java binary and class path, absolute, so the rebuild command works from any folder.
   */
  private static List<String> javaCommand() {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String classPath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .map(p -> Path.of(p).toAbsolutePath().toString())
            .collect(Collectors.joining(File.pathSeparator));
    return List.of(java, "-cp", classPath);
  }

  /** The inventory's critical hosts: each must be out of service alone. */
  public Set<String> criticalHosts() {
    return hosts.stream()
        .filter(h -> h.orchestration().critical())
        .map(HostSpec::hostname)
        .collect(Collectors.toSet());
  }

  public SimLab lab() {
    return lab;
  }

  public Path dir() {
    return dir;
  }

  public Path config() {
    return config;
  }

  /** The secrets the sim enforces; tests check that neither ever shows in the output. */
  public List<String> tokens() {
    return List.of(nomadToken, consulToken);
  }

  @Override
  public void close() {
    lab.close();
  }
}
