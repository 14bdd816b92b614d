package dev.laborchestrator.config;

/**
 * {@code lab.machine.orchestration}: deployStrategy (rolling, blue-green, recreate), rebootDelay in
 * seconds (default 600), criticalityLevel (low, medium, high, critical; default medium).
 */
public record Orchestration(String deployStrategy, Integer rebootDelay, String criticalityLevel) {
  public static final Orchestration DEFAULT = new Orchestration("rolling", 600, "medium");

  public Orchestration {
    deployStrategy = deployStrategy == null ? "rolling" : deployStrategy;
    rebootDelay = rebootDelay == null ? 600 : rebootDelay;
    criticalityLevel = criticalityLevel == null ? "medium" : criticalityLevel;
  }

  /**
   * {@code recreate}: the host's work cannot move (host volumes, devices); it is not migrated but
   * stops with the host, and runs on it again before the next host.
   */
  public boolean recreate() {
    return "recreate".equals(deployStrategy);
  }

  /**
   * {@code blue-green}: the host is rebooted only once its allocations' replacements run healthy
   * elsewhere and each Consul service on it has a passing instance on another node.
   */
  public boolean blueGreen() {
    return "blue-green".equals(deployStrategy);
  }

  public boolean critical() {
    return "critical".equals(criticalityLevel);
  }

  /** low 0, medium 1, high 2, critical 3: inside a wave the cheaper hosts go first. */
  public int criticalityRank() {
    return switch (criticalityLevel) {
      case "low" -> 0;
      case "high" -> 2;
      case "critical" -> 3;
      default -> 1;
    };
  }
}
