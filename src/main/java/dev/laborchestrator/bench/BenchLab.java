package dev.laborchestrator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.laborchestrator.cli.DemoLab;
import dev.laborchestrator.config.Durations;
import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.port.HostExecutor;
import dev.laborchestrator.port.HostTarget;
import dev.laborchestrator.sim.SimLab;
import dev.laborchestrator.sim.SimNode;
import dev.laborchestrator.sim.SimTiming;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A fresh simulated lab for one benchmark run: the scenario's hosts with their physical timings
 * scaled, Consul agents closed (the benchmark does not use node maintenance), and a config and
 * inventory written to a folder as an operator would write them. The rebuild trigger is {@link
 * #trigger()}: the sim is told to reboot the host in-process, so no JVM is spawned per host. When
 * the scenario has {@linkplain Scenario#builds() builds}, the trigger builds first and activates
 * exactly what it built, and the config says how the engine uses that ({@link Mode}).
 */
public final class BenchLab implements AutoCloseable {
  /**
   * How the engine updates hosts that build (issue 9).
   *
   * @param prebuild build ahead of the host's turn ({@code prebuild.ahead} left to its default,
   *     maxParallel + 2); else {@code prebuild.ahead: 0}, the host is drained for its build
   * @param whenNeeded {@code reboot: when-needed}: a host whose kernel did not change is switched;
   *     else {@code reboot: always}
   */
  public record Mode(boolean prebuild, boolean whenNeeded) {
    /** Issue 9's behaviour. */
    public static final Mode NEW = new Mode(true, true);

    /** Before issue 9: {@code --no-prebuild --reboot always}. */
    public static final Mode BASELINE = new Mode(false, false);

    /** The flags that select this mode, e.g. {@code --no-prebuild --reboot always}. */
    public String flags() {
      return (prebuild ? "" : "--no-prebuild ")
          + "--reboot "
          + (whenNeeded ? "when-needed" : "always");
    }
  }

  private final Scenario scenario;
  private final SimLab lab;
  private final Path config;
  private final String nomadToken;
  private final String consulToken;

  private BenchLab(
      Scenario scenario, SimLab lab, Path config, String nomadToken, String consulToken) {
    this.scenario = scenario;
    this.lab = lab;
    this.config = config;
    this.nomadToken = nomadToken;
    this.consulToken = consulToken;
  }

  /** Starts the lab and writes config.yaml and inventory.json into {@code dir}. */
  public static BenchLab start(Scenario scenario, Path dir) {
    return start(scenario, dir, null);
  }

  /**
   * Starts the lab and writes config.yaml and inventory.json into {@code dir}; {@code mode} is how
   * the engine is configured when the scenario has builds (null: the defaults).
   */
  public static BenchLab start(Scenario scenario, Path dir, Mode mode) {
    String nomadToken = UUID.randomUUID().toString();
    String consulToken = UUID.randomUUID().toString();
    Map<String, Duration> reboots = scenario.reboots();
    Map<String, Integer> waves = scenario.waveOf();
    SimLab.Builder builder =
        SimLab.builder()
            .timing(timing(scenario))
            .seed(scenario.seed())
            .consulAgents(false)
            .nomadToken(nomadToken)
            .consulToken(consulToken);
    List<HostSpec> hosts = new ArrayList<>();
    Duration fixed = Scenario.GOES_DOWN.plus(Scenario.INITIALIZING);
    double scale = scenario.scale();
    java.util.Set<String> sameKernel = scenario.withoutKernelChange();
    for (String name : scenario.hostnames()) {
      HostSpec host = DemoLab.host(name, "bench", waves.get(name), List.of(), "medium", 0);
      hosts.add(host);
      // One batch allocation: a drain waits for it to finish (one drainPerAlloc) and nothing is
      // migrated, so every host's drain takes the same time however the work was spread before.
      builder.node(
          SimNode.named(name)
              .revision(DemoLab.OLD_REVISION)
              .meta(DemoLab.moduleMeta(host))
              .batchAllocs(1)
              .systemAllocs(1)
              .checks("http: bench")
              .downFor(Scenario.scaled(reboots.get(name).minus(fixed), scale))
              .buildTime(
                  scenario.builds() == null
                      ? Duration.ZERO
                      : Scenario.scaled(scenario.builds().buildTime(), scale))
              .kernelChanges(!sameKernel.contains(name)));
    }
    SimLab lab = builder.build().start();
    try {
      Files.createDirectories(dir);
      Path inventory = dir.resolve("inventory.json");
      new ObjectMapper().writeValue(inventory.toFile(), hosts);
      Path configFile = dir.resolve("config.yaml");
      new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER))
          .writeValue(configFile.toFile(), config(scenario, lab, nomadToken, consulToken, mode));
      return new BenchLab(scenario, lab, configFile, nomadToken, consulToken);
    } catch (IOException e) {
      lab.close();
      throw new UncheckedIOException(e);
    }
  }

  /** The physical steps of {@link Scenario}, scaled; a host's down time is set per host. */
  static SimTiming timing(Scenario s) {
    Duration down = Scenario.REBOOT.minus(Scenario.GOES_DOWN).minus(Scenario.INITIALIZING);
    return new SimTiming(
        s.scaled(Scenario.DRAIN),
        s.scaled(Duration.ofSeconds(1)),
        s.scaled(Scenario.GOES_DOWN),
        s.scaled(down),
        s.scaled(Scenario.INITIALIZING),
        // From the agent's return (the start of initializing) until the checks pass.
        s.scaled(Scenario.INITIALIZING.plus(Scenario.CHECKS)),
        s.scaled(Duration.ofSeconds(2)));
  }

  private static Map<String, Object> config(
      Scenario s, SimLab lab, String nomadToken, String consulToken, Mode mode) {
    String phase = Durations.format(phaseLimit(s));
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("nomad", Map.of("address", lab.nomadAddress(), "token", nomadToken));
    config.put("consul", Map.of("address", lab.consulAddress(), "token", consulToken));
    config.put("inventory", "inventory.json");
    Map<String, Object> rebuild = new LinkedHashMap<>();
    rebuild.put("executor", "command");
    // Never run: the benchmark hands the session its in-process trigger instead.
    rebuild.put("command", List.of("false", "{hostname}"));
    rebuild.put("timeout", "1m");
    rebuild.put("expectRevision", DemoLab.NEW_REVISION);
    if (s.builds() != null) {
      // Never run either: they only tell the config that the executor builds first.
      rebuild.put("command", List.of("false", "{hostname}", "{path}"));
      rebuild.put("build", List.of("false", "{hostname}"));
      rebuild.put("switch", List.of("false", "{hostname}", "{path}"));
      Mode m = mode == null ? Mode.NEW : mode;
      config.put("reboot", m.whenNeeded() ? "when-needed" : "always");
      if (!m.prebuild()) {
        config.put("prebuild", Map.of("ahead", 0));
      }
    }
    config.put("rebuild", rebuild);
    config.put("drain", Map.of("deadline", phase, "ignoreSystemJobs", true));
    config.put("timeouts", Map.of("drain", phase, "reboot", phase, "health", phase));
    config.put("health", Map.of("stableFor", stableFor(s).toMillis() + "ms"));
    config.put("maxParallel", s.parallel());
    if (s.overlapWaves()) {
      config.put("waves", "overlap");
    }
    return config;
  }

  /**
   * The drain deadline and the timeout of every phase: generous, so that a slow controller shows in
   * the figures instead of failing the run.
   */
  public static Duration phaseLimit(Scenario s) {
    return Duration.ofMinutes(1).plus(s.scaled(Duration.ofMinutes(20)));
  }

  /** The controller's stableFor, real time. */
  public static Duration stableFor(Scenario s) {
    return s.scaled(Scenario.STABLE_FOR);
  }

  /**
   * Tells the sim to rebuild and reboot the host onto the new revision, in-process. With builds:
   * the rebuild first builds (taking the host's build time) and then boots what it built, and the
   * executor {@linkplain HostExecutor#buildsAhead() builds ahead}, activating exactly the store
   * path its build returned for the host: booting the staged build ({@code /sim/v1/reboot} without
   * a revision) or switching to it.
   */
  public HostExecutor trigger() {
    return scenario.builds() == null ? new RebootOnly() : new Building();
  }

  private class RebootOnly implements HostExecutor {
    @Override
    public void rebuildAndReboot(HostTarget target) throws ExecutorException {
      String refused = lab.reboot(target.hostname(), DemoLab.NEW_REVISION);
      if (refused != null) {
        throw new ExecutorException("the simulated lab refused the reboot: " + refused);
      }
    }
  }

  private final class Building extends RebootOnly {
    /** Each host's last build, so that only what was built is activated. */
    private final Map<String, String> built = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void rebuildAndReboot(HostTarget target) throws ExecutorException {
      activate(target, build(target), true);
    }

    @Override
    public boolean buildsAhead() {
      return true;
    }

    @Override
    public Build build(HostTarget target) throws ExecutorException {
      SimLab.Built result;
      try {
        result = lab.build(target.hostname(), DemoLab.NEW_REVISION);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ExecutorException("interrupted while building", e);
      }
      if (result.error() != null) {
        throw new BuildFailedException(result.error());
      }
      built.put(target.hostname(), result.storePath());
      return new Build(result.storePath(), result.rebootNeeded());
    }

    @Override
    public void activate(HostTarget target, Build build, boolean reboot) throws ExecutorException {
      if (!build.storePath().equals(built.get(target.hostname()))) {
        throw new ExecutorException(
            "refusing to activate " + build.storePath() + ": not what this host built last");
      }
      String refused =
          reboot
              ? lab.reboot(target.hostname(), null)
              : lab.switchTo(target.hostname(), build.storePath());
      if (refused != null) {
        throw new ExecutorException("the simulated lab refused the activation: " + refused);
      }
    }
  }

  public SimLab lab() {
    return lab;
  }

  public Scenario scenario() {
    return scenario;
  }

  public Path config() {
    return config;
  }

  public String nomadToken() {
    return nomadToken;
  }

  public String consulToken() {
    return consulToken;
  }

  @Override
  public void close() {
    lab.close();
  }
}
