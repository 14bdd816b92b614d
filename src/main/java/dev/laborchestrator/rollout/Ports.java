package dev.laborchestrator.rollout;

import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.ConsulHealth;
import dev.laborchestrator.port.HostExecutor;
import dev.laborchestrator.port.NomadNodes;

/** The ports one rollout talks through. */
public record Ports(NomadNodes nomad, ConsulHealth consul, HostExecutor executor, Clock clock) {}
