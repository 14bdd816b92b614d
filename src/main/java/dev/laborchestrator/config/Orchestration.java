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
