package dev.laborchestrator.port;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * CPU and memory as Nomad renders them in a node's {@code NodeResources} and {@code
 * ReservedResources} and in each task of an allocation's {@code AllocatedResources}: {@code
 * {"Cpu":{"CpuShares":n},"Memory":{"MemoryMB":n}}}. What a capacity check adds up: a node's room is
 * its resources minus its reserved resources minus what its non-terminal allocations hold
 * (structs/funcs.go {@code AllocsFit}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Resources(@JsonProperty("Cpu") Cpu cpu, @JsonProperty("Memory") Memory memory) {

  public static final Resources NONE = of(0, 0);

  public static Resources of(long cpuShares, long memoryMB) {
    return new Resources(new Cpu(cpuShares), new Memory(memoryMB));
  }

  /** MHz; 0 when absent. */
  public long cpuShares() {
    return cpu == null ? 0 : cpu.cpuShares();
  }

  /** 0 when absent. */
  public long memoryMB() {
    return memory == null ? 0 : memory.memoryMB();
  }

  public Resources plus(Resources other) {
    return of(cpuShares() + other.cpuShares(), memoryMB() + other.memoryMB());
  }

  public Resources minus(Resources other) {
    return of(cpuShares() - other.cpuShares(), memoryMB() - other.memoryMB());
  }

  /** Whether {@code other} fits in these resources, in both dimensions. */
  public boolean holds(Resources other) {
    return other.cpuShares() <= cpuShares() && other.memoryMB() <= memoryMB();
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Cpu(@JsonProperty("CpuShares") long cpuShares) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Memory(@JsonProperty("MemoryMB") long memoryMB) {}
}
