package dev.laborchestrator.cli;

import dev.laborchestrator.config.ConfigLoader;
import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.config.InventoryLoader;
import dev.laborchestrator.config.OrchestratorConfig;
import dev.laborchestrator.consul.ConsulConnection;
import dev.laborchestrator.consul.ConsulHttpClient;
import dev.laborchestrator.executor.HostExecutors;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.nomad.NomadConnection;
import dev.laborchestrator.nomad.NomadHttpClient;
import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.plan.Plan.PlannedHost;
import dev.laborchestrator.plan.ClusterInventory;
import dev.laborchestrator.plan.Planner;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.ConsulHealth;
import dev.laborchestrator.port.HostExecutor;
import dev.laborchestrator.port.NodeStub;
import dev.laborchestrator.port.NomadNode;
import dev.laborchestrator.port.NomadNodes;
import dev.laborchestrator.rollout.Ports;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything one invocation needs, built and checked before anything in the cluster changes:
 * config, inventory, adapters, executor, and a plan made against the live cluster with every
 * planned node and its Consul checks read once (so a bad token or an unexpected answer shows
 * here, with exit code 2).
 */
final class Session {
  final OrchestratorConfig config;
  final NomadNodes nomad;
  final ConsulHealth consul;
  final HostExecutor executor;

  private final List<HostSpec> inventoryFile;
  private final java.util.function.Consumer<String> warn;

  private Session(OrchestratorConfig config, List<HostSpec> inventoryFile, NomadNodes nomad, ConsulHealth consul,
      HostExecutor executor, java.util.function.Consumer<String> warn) {
    this.config = config;
    this.inventoryFile = inventoryFile;
    this.warn = warn;
    this.nomad = nomad;
    this.consul = consul;
    this.executor = executor;
  }

  static Session open(Path configFile, Main.Context context) {
    OrchestratorConfig config = new ConfigLoader(context.env()).load(configFile);
    List<HostSpec> inventory = config.inventory() == null ? null : InventoryLoader.load(config.inventory());
    HostExecutor executor;
    try {
      executor = HostExecutors.fromConfig(config.rebuild(), line -> context.out().println("    " + line));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(configFile + ": " + e.getMessage(), e);
    }
    HttpOptions http = HttpOptions.defaults();
    NomadConnection nomadApi = new NomadConnection(config.nomad(), http,
        context.env().get("NOMAD_REGION"), context.env().get("NOMAD_NAMESPACE"));
    ConsulConnection consulApi = new ConsulConnection(config.consul(), http);
    NomadNodes nomad = new NomadHttpClient(nomadApi);
    ConsulHealth consul = new ConsulHttpClient(consulApi);
    return new Session(config, inventory, nomad, consul, executor, line -> context.err().println("warning: " + line));
  }

  Ports ports() {
    return new Ports(nomad, consul, executor, Clock.system());
  }

  /**
   * Plans against the cluster and reads every planned node and its checks once. The inventory is
   * the file when the config names one (disagreements with the node meta are warned about), else
   * the lab.* meta of the nodes.
   */
  Plan plan() {
    List<NodeStub> nodes = preflight("Nomad", "list the nodes", nomad::listNodes);
    List<NomadNode> full = new ArrayList<>();
    for (NodeStub stub : nodes) {
      full.add(preflight("Nomad", "read node " + stub.name(), () -> nomad.readNode(stub.id(), BlockingQuery.NONE).value()));
    }
    List<HostSpec> inventory = inventoryFile;
    if (inventory == null) {
      inventory = ClusterInventory.fromNodes(full);
    } else {
      ClusterInventory.mismatches(inventory, full).forEach(warn);
    }
    Plan plan = Planner.plan(inventory, nodes, new Planner.Options(config.maxParallel(), config.ineligibleHosts()));
    java.util.Map<String, NomadNode> byId = new java.util.HashMap<>();
    full.forEach(n -> byId.put(n.id(), n));
    for (PlannedHost host : plan.hosts()) {
      if (!host.skipped()) {
        String consulName = byId.get(host.requireNode().id()).consulName();
        List<?> checks = preflight("Consul", "read the checks of " + consulName,
            () -> consul.nodeChecks(consulName, BlockingQuery.NONE).value());
        if (checks.isEmpty()) {
          throw new InvalidInputException(host.hostname() + " has no Consul checks (Consul node " + consulName
              + "): it could never be verified healthy after its reboot");
        }
      }
    }
    return plan;
  }

  private <T> T preflight(String api, String what, java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (ApiException e) {
      if (e.forbidden()) {
        String hint = api.equals("Nomad")
            ? "set nomad.token or NOMAD_TOKEN to a token with node:write"
            : "set consul.token or CONSUL_HTTP_TOKEN to a token with node:read";
        throw new InvalidInputException(api + " refused to " + what + " (HTTP " + e.status() + "): " + hint, e);
      }
      if (e.unexpectedShape()) {
        throw new InvalidInputException(e.getMessage(), e);
      }
      throw e;
    }
  }
}
