package dev.laborchestrator.port;

/** The host a rebuild is for: its hostname, Nomad node id and network address. */
public record HostTarget(String hostname, String nodeId, String address) {}
