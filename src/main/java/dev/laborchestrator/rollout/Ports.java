package dev.laborchestrator.rollout;

import dev.laborchestrator.port.Autopilot;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.ConsulHealth;
import dev.laborchestrator.port.HostExecutor;
import dev.laborchestrator.port.NodeMaintenance;
import dev.laborchestrator.port.NomadEvents;
import dev.laborchestrator.port.NomadNodes;

/**
 * The ports one rollout talks through. The autopilots and node maintenance are optional ({@code
 * null}): without them, quorum is not consulted and maintenance mode is not used. Without Nomad's
 * event stream ({@code events}), the watch of the cluster polls (the engine's unit tests).
 */
public record Ports(
    NomadNodes nomad,
    ConsulHealth consul,
    HostExecutor executor,
    Clock clock,
    Autopilot nomadAutopilot,
    Autopilot consulAutopilot,
    NodeMaintenance maintenance,
    NomadEvents events) {

  public Ports(NomadNodes nomad, ConsulHealth consul, HostExecutor executor, Clock clock) {
    this(nomad, consul, executor, clock, null, null, null, null);
  }

  public Ports(
      NomadNodes nomad,
      ConsulHealth consul,
      HostExecutor executor,
      Clock clock,
      Autopilot nomadAutopilot,
      Autopilot consulAutopilot,
      NodeMaintenance maintenance) {
    this(nomad, consul, executor, clock, nomadAutopilot, consulAutopilot, maintenance, null);
  }
}
