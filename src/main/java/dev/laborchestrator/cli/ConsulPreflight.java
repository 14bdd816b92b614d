package dev.laborchestrator.cli;

import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.consul.ConsulAcl;
import dev.laborchestrator.consul.ConsulAcl.Permission;
import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.plan.Plan.PlannedHost;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.NomadNode;
import dev.laborchestrator.rollout.Patience;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The Consul half of pre-flight: before anything changes, the token must be able to see every check
 * the controller judges health by, and with {@code consulMaintenance} on, every planned host's own
 * agent must be reachable and let the token put that node into maintenance.
 */
final class ConsulPreflight {
  static final String POLICY = "jobs/lab-orchestrator.consul-policy.hcl";

  /** What health is judged from: node checks, service checks, autopilot. */
  static final List<Permission> READS =
      List.of(
          Permission.everywhere("node", "read"),
          Permission.everywhere("service", "read"),
          Permission.everywhere("operator", "read"));

  private final ConsulAcl acl;
  private final Consumer<String> warn;

  ConsulPreflight(ConsulAcl acl, Consumer<String> warn) {
    this.acl = acl;
    this.warn = warn;
  }

  /**
   * Refuses (exit 2) a token that lacks a read health is judged by. Without service:read Consul
   * hides every service check and still answers 200, which would pass a node whose services are
   * critical.
   */
  void requireReads() {
    Optional<List<Permission>> missing;
    try {
      missing = Patience.DEFAULT.call(() -> acl.missing(READS));
    } catch (ApiException e) {
      if (e.forbidden()) {
        throw new InvalidInputException(
            "Consul refused the token (HTTP "
                + e.status()
                + "): set consul.token or CONSUL_HTTP_TOKEN to a token with the policy in "
                + POLICY,
            e);
      }
      throw e;
    }
    if (missing.isEmpty()) {
      warn.accept(
          "this Consul cannot tell a token's permissions (no /v1/internal/acl/authorize);"
              + " health answers filtered by ACLs will fail their host during the run");
      return;
    }
    if (!missing.get().isEmpty()) {
      throw new InvalidInputException(
          "the Consul token lacks "
              + missing.get().stream().map(Permission::toString).collect(Collectors.joining(", "))
              + (missing.get().contains(READS.get(1))
                  ? ": Consul would silently leave every service check out of the health answers,"
                      + " and a check that cannot be seen is not a passing check"
                  : "")
              + ". Give it node:read, service:read and operator:read on every name (the policy in "
              + POLICY
              + ")");
    }
  }

  /**
   * With {@code consulMaintenance} on: asks each planned, ready host's own agent (at the node's
   * address, with the scheme and port of {@code consul.address}) whether the token may write its
   * node. An agent that cannot be reached fails the run (exit 1), a refusal is invalid input (exit
   * 2); either way before anything changed. Hosts that are not ready (rebooting in a resumed
   * rollout) are left to the run.
   */
  void requireAgents(Plan plan, Map<String, NomadNode> byId) {
    List<String> unreachable = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    for (PlannedHost host : plan.hosts()) {
      NomadNode node = host.node().map(n -> byId.get(n.id())).orElse(null);
      if (host.skipped() || node == null || !node.ready()) {
        continue;
      }
      String address = host.requireNode().address();
      Permission write = new Permission("node", node.consulName(), "write");
      try {
        Optional<List<Permission>> missing = acl.missingOnAgent(address, List.of(write));
        if (missing.isPresent() && !missing.get().isEmpty()) {
          refused.add(host.hostname() + " (needs " + write + ")");
        }
      } catch (ApiException e) {
        if (e.forbidden()) {
          refused.add(host.hostname() + " (HTTP " + e.status() + ")");
        } else {
          unreachable.add(host.hostname() + " at " + address + " (" + e.getMessage() + ")");
        }
      } catch (IllegalArgumentException e) {
        unreachable.add(host.hostname() + " (" + e.getMessage() + ")");
      }
    }
    if (!unreachable.isEmpty()) {
      throw new ApiException(
          0,
          "consulMaintenance is on, but the Consul agent of "
              + String.join(", ", unreachable)
              + " cannot be reached. Node maintenance is set on each host's own agent, at the node's"
              + " address with the scheme and port of consul.address, and an agent listens on"
              + " 127.0.0.1 unless told otherwise. Fix: set lab.machine.consulMaintenance.enable"
              + " (the lab-machine module makes the agent's HTTP API listen on the node's address"
              + " too) or Consul's addresses.http, let the controller reach that port, or turn"
              + " consulMaintenance off. Nothing in the cluster was changed.",
          false,
          null);
    }
    if (!refused.isEmpty()) {
      throw new InvalidInputException(
          "consulMaintenance is on, but the Consul token may not put these nodes into"
              + " maintenance: "
              + String.join(", ", refused)
              + ". Give it node:write on them (the maintenance part of "
              + POLICY
              + "), or turn consulMaintenance off");
    }
  }
}
