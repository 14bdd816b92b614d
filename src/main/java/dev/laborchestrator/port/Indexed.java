package dev.laborchestrator.port;

/** A value read from Nomad or Consul together with the index header that came with it. */
public record Indexed<T>(T value, long index) {}
