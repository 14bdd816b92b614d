package dev.laborchestrator.cli;

import dev.laborchestrator.config.ConfigLoader;
import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.config.InventoryLoader;
import dev.laborchestrator.config.OrchestratorConfig;
import dev.laborchestrator.consul.ConsulAcl;
import dev.laborchestrator.consul.ConsulAutopilot;
import dev.laborchestrator.consul.ConsulConnection;
import dev.laborchestrator.consul.ConsulHttpClient;
import dev.laborchestrator.consul.ConsulNodeMaintenance;
import dev.laborchestrator.executor.HostExecutors;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.http.Reachability;
import dev.laborchestrator.nomad.NomadAutopilot;
import dev.laborchestrator.nomad.NomadConnection;
import dev.laborchestrator.nomad.NomadHttpClient;
import dev.laborchestrator.nomad.NomadVariableLock;
import dev.laborchestrator.nomad.NomadVariables;
import dev.laborchestrator.plan.ClusterInventory;
import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.plan.Plan.PlannedHost;
import dev.laborchestrator.plan.Planner;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.Autopilot;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.ConsulHealth;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.HostExecutor;
import dev.laborchestrator.port.NodeStub;
import dev.laborchestrator.port.NomadNode;
import dev.laborchestrator.port.RolloutLock;
import dev.laborchestrator.rollout.Patience;
import dev.laborchestrator.rollout.Ports;
import dev.laborchestrator.rollout.RolloutStateStore;
import dev.laborchestrator.rollout.Successors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Everything one invocation needs, built and checked before anything in the cluster changes:
 * config, inventory, adapters, executor, and a plan made against the live cluster with every
 * planned node and its Consul checks read once (so a bad token or an unexpected answer shows here,
 * with exit code 2).
 */
final class Session {
  final OrchestratorConfig config;
  final NomadHttpClient nomad;
  final ConsulHealth consul;
  final HostExecutor executor;
  final RolloutLock lock;
  final RolloutStateStore state;
  final dev.laborchestrator.nomad.NomadPauseFlag pause;
  final NomadVariables stateVariable;
  private final Autopilot nomadAutopilot;
  private final Autopilot consulAutopilot;
  private final ConsulNodeMaintenance maintenance;
  private final ConsulPreflight consulPreflight;
  private final List<HostSpec> inventoryFile;
  private final Consumer<String> warn;
  private final String ownNodeId;
  private final NomadConnection nomadApi;
  private final ConsulConnection consulApi;
  private final Set<String> reached = new HashSet<>();

  private Session(
      OrchestratorConfig config,
      List<HostSpec> inventoryFile,
      HostExecutor executor,
      NomadConnection nomadApi,
      ConsulConnection consulApi,
      Main.Context context) {
    this.config = config;
    this.nomadApi = nomadApi;
    this.consulApi = consulApi;
    this.inventoryFile = inventoryFile;
    this.executor = executor;
    this.nomad = new NomadHttpClient(nomadApi);
    this.consul = new ConsulHttpClient(consulApi);
    this.lock = new NomadVariableLock(nomadApi, Clock.system());
    this.stateVariable = new NomadVariables(nomadApi);
    this.state =
        new RolloutStateStore(
            stateVariable,
            shard -> new NomadVariables(nomadApi, NomadVariables.DEFAULT_PATH + "/hosts/" + shard));
    this.pause = new dev.laborchestrator.nomad.NomadPauseFlag(nomadApi);
    this.nomadAutopilot = new NomadAutopilot(nomadApi);
    this.consulAutopilot = new ConsulAutopilot(consulApi);
    this.maintenance = new ConsulNodeMaintenance(consulApi);
    this.warn = line -> context.err().println("warning: " + line);
    this.consulPreflight = new ConsulPreflight(new ConsulAcl(consulApi), warn);
    String own = context.env().get("NOMAD_NODE_ID");
    this.ownNodeId = own == null || own.isBlank() ? null : own.strip();
  }

  static Session open(Path configFile, Main.Context context) {
    return open(configFile, context, null);
  }

  /**
   * Like {@link #open(Path, Main.Context)}, with {@code trigger} (when not null) in place of the
   * config's rebuild executor: the benchmark reboots simulated hosts in-process instead of spawning
   * a JVM per host. The config's rebuild section is still loaded and checked.
   */
  static Session open(Path configFile, Main.Context context, HostExecutor trigger) {
    OrchestratorConfig config = new ConfigLoader(context.env()).load(configFile);
    List<HostSpec> inventory =
        config.inventory() == null ? null : InventoryLoader.load(config.inventory());
    HostExecutor executor;
    try {
      executor =
          HostExecutors.fromConfig(config.rebuild(), line -> context.out().println("    " + line));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(configFile + ": " + e.getMessage(), e);
    }
    if (trigger != null) {
      executor = trigger;
    }
    HttpOptions http = HttpOptions.defaults();
    NomadConnection nomadApi =
        new NomadConnection(
            config.nomad(),
            http,
            context.env().get("NOMAD_REGION"),
            context.env().get("NOMAD_NAMESPACE"));
    ConsulConnection consulApi = new ConsulConnection(config.consul(), http);
    return new Session(config, inventory, executor, nomadApi, consulApi, context);
  }

  /** Nomad's event stream over the same connection (token, TLS, socket) as the other ports. */
  dev.laborchestrator.port.NomadEvents nomadEvents() {
    return new dev.laborchestrator.nomad.NomadEventStream(nomadApi);
  }

  Ports ports() {
    return new Ports(
        nomad,
        consul,
        executor,
        Clock.system(),
        nomadAutopilot,
        consulAutopilot,
        config.consulMaintenance() ? maintenance : null,
        nomadEvents());
  }

  /**
   * Plans against the cluster and reads every planned node and its checks once. The inventory is
   * the file when the config names one (disagreements with the node meta are warned about), else
   * the lab.* meta of the nodes. Hosts that run Nomad or Consul servers are found through
   * autopilot; the controller's own node through {@code NOMAD_NODE_ID}.
   *
   * @param busy hosts a rollout being resumed has out of service: not required to look healthy
   */
  Plan plan(Set<String> busy) {
    return plan(busy, Map.of());
  }

  /**
   * The plan against the live cluster; {@code lastTimes}, each host's time out of service in the
   * recorded rollout, orders equal hosts of a wave longest first.
   */
  Plan plan(Set<String> busy, Map<String, java.time.Duration> lastTimes) {
    List<NodeStub> nodes = preflight("Nomad", "list the nodes", nomad::listNodes);
    List<NomadNode> full = new ArrayList<>();
    for (NodeStub stub : nodes) {
      full.add(
          preflight(
              "Nomad",
              "read node " + stub.name(),
              () -> nomad.readNode(stub.id(), BlockingQuery.NONE).value()));
    }
    List<HostSpec> inventory = inventoryFile;
    if (inventory == null) {
      inventory = ClusterInventory.fromNodes(full);
    } else {
      ClusterInventory.mismatches(inventory, full).forEach(warn);
    }
    // Reached first, so that a Consul that does not answer is said once, naming its address.
    reach("Consul");
    consulPreflight.requireReads();
    Set<String> servers = new HashSet<>();
    Set<String> leaders = new HashSet<>();
    serverHosts("Nomad", nomadAutopilot, inventory, nodes, full, servers, leaders);
    serverHosts("Consul", consulAutopilot, inventory, nodes, full, servers, leaders);
    Plan plan =
        Planner.plan(
            inventory,
            nodes,
            new Planner.Options(
                config.maxParallel(),
                config.ineligibleHosts(),
                ownNodeId,
                servers,
                leaders,
                full.stream()
                    .filter(n -> n.bootId() == null)
                    .map(NomadNode::name)
                    .collect(java.util.stream.Collectors.toSet()),
                ownNodeId == null ? List.of() : Successors.among(full, ownNodeId),
                new Plan.Limits(
                    config.limits().perDatacenter(),
                    config.limits().perGroup(),
                    config.limits().overlapWaves()),
                config.limits().maxParallelPercent(),
                lastTimes));
    Map<String, NomadNode> byId = new HashMap<>();
    full.forEach(n -> byId.put(n.id(), n));
    if (config.consulMaintenance()) {
      consulPreflight.requireAgents(plan, byId);
    }
    for (PlannedHost host : plan.hosts()) {
      NomadNode node = host.node().map(n -> byId.get(n.id())).orElse(null);
      // A node that is not ready (another rollout's, say) is left to the gates, after the lock.
      if (!host.skipped() && !busy.contains(host.hostname()) && node != null && node.ready()) {
        String consulName = node.consulName();
        List<HealthCheck> checks =
            preflight(
                "Consul",
                "read the checks of " + consulName,
                () -> consul.nodeChecks(consulName, BlockingQuery.NONE).value());
        if (checks.isEmpty()) {
          throw new InvalidInputException(
              host.hostname()
                  + " has no Consul checks (Consul node "
                  + consulName
                  + "): it could never be verified healthy after its reboot");
        }
      }
    }
    return plan;
  }

  /** The recorded rollout, if any (a read; a refused token is reported as invalid input). */
  java.util.Optional<dev.laborchestrator.rollout.RolloutState> recorded() {
    return preflight("Nomad", "read the rollout state", state::load);
  }

  /**
   * Which inventory hosts run the servers autopilot lists: matched by address (the server's RPC
   * address against the node's), by Consul node name, or by Nomad's {@code <hostname>.<region>}
   * server name.
   */
  private void serverHosts(
      String api,
      Autopilot autopilot,
      List<HostSpec> inventory,
      List<NodeStub> stubs,
      List<NomadNode> nodes,
      Set<String> servers,
      Set<String> leaders) {
    Autopilot.Health health = preflight(api, "read autopilot health", autopilot::health);
    Map<String, String> addressOf = new HashMap<>();
    stubs.forEach(s -> addressOf.put(s.name(), s.address()));
    Map<String, String> consulNameOf = new HashMap<>();
    nodes.forEach(n -> consulNameOf.put(n.name(), n.consulName()));
    for (Autopilot.Server server : health.servers()) {
      String ip =
          server.address() == null
              ? ""
              : server.address().replaceAll(":\\d+$", "").replace("[", "").replace("]", "");
      for (HostSpec host : inventory) {
        String name = host.hostname();
        boolean match =
            ip.equals(addressOf.get(name))
                || name.equals(server.name())
                || server.name() != null && server.name().startsWith(name + ".")
                || server.name() != null && server.name().equals(consulNameOf.get(name));
        if (match) {
          servers.add(name);
          if (server.leader()) {
            leaders.add(name);
          }
        }
      }
    }
  }

  private <T> T preflight(String api, String what, Supplier<T> call) {
    reach(api);
    try {
      return Patience.DEFAULT.call(call);
    } catch (ApiException e) {
      if (e.forbidden()) {
        String hint =
            api.equals("Nomad")
                ? "set nomad.token or NOMAD_TOKEN to a token with node:write and operator:read"
                : "set consul.token or CONSUL_HTTP_TOKEN to a token with node:read, service:read"
                    + " and operator:read";
        throw new InvalidInputException(
            api + " refused to " + what + " (HTTP " + e.status() + "): " + hint, e);
      }
      if (e.unexpectedShape()) {
        throw new InvalidInputException(e.getMessage(), e);
      }
      throw e;
    }
  }

  /**
   * The first time pre-flight turns to an API: does it answer at all, within {@link
   * Reachability#PREFLIGHT}'s 15 s? If not, one message names the address, the error and the
   * setting to fix, instead of the long retries a run rides out later.
   */
  private void reach(String api) {
    if (!reached.add(api)) {
      return;
    }
    boolean isNomad = api.equals("Nomad");
    Reachability.Outcome outcome;
    try {
      outcome =
          Reachability.PREFLIGHT.probe(
              isNomad ? nomadApi::probe : consulApi::probe, Clock.system());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reaching " + api, e);
    }
    if (!outcome.reached()) {
      throw ApiUnreachable.of(
          isNomad ? ApiUnreachable.Names.NOMAD : ApiUnreachable.Names.CONSUL,
          isNomad ? config.nomad() : config.consul(),
          outcome);
    }
  }
}
