package dev.laborchestrator.config;

import java.util.List;

/**
 * One host of the inventory, in the shape the lab-machine NixOS module writes to {@code
 * /etc/lab-machine-metadata.json}. Matched to the Nomad node whose {@code Name} equals {@code
 * hostname}. {@code revision}, when known (the module writes the configuration's {@code
 * system.configurationRevision}), is the NixOS revision the host must come back on; it wins over
 * {@code rebuild.expectRevision}.
 */
public record HostSpec(
    String hostname,
    String role,
    List<String> groups,
    Integer rebootOrder,
    List<String> dependencies,
    List<HealthCheckSpec> healthChecks,
    Orchestration orchestration,
    List<String> services,
    String revision) {

  /** A host without a known target revision. */
  public HostSpec(
      String hostname,
      String role,
      List<String> groups,
      Integer rebootOrder,
      List<String> dependencies,
      List<HealthCheckSpec> healthChecks,
      Orchestration orchestration,
      List<String> services) {
    this(
        hostname,
        role,
        groups,
        rebootOrder,
        dependencies,
        healthChecks,
        orchestration,
        services,
        null);
  }

  public HostSpec {
    groups = groups == null ? List.of() : List.copyOf(groups);
    dependencies = dependencies == null ? List.of() : List.copyOf(dependencies);
    healthChecks = healthChecks == null ? List.of() : List.copyOf(healthChecks);
    orchestration = orchestration == null ? Orchestration.DEFAULT : orchestration;
    services = services == null ? List.of() : List.copyOf(services);
  }
}
