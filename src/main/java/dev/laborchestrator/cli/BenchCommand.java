package dev.laborchestrator.cli;

import dev.laborchestrator.bench.BenchLab;
import dev.laborchestrator.bench.BenchTable;
import dev.laborchestrator.bench.Figures;
import dev.laborchestrator.bench.NaiveController;
import dev.laborchestrator.bench.Scenario;
import dev.laborchestrator.config.Durations;
import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.consul.ConsulHttpClient;
import dev.laborchestrator.http.HttpOptions;
import dev.laborchestrator.nomad.NomadHttpClient;
import dev.laborchestrator.sim.SimEvent;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Measures the real engine against a fresh simulated lab, through the same code path as {@code run}
 * (config file, Session, RunCommand) with one substitution: the rebuild trigger reboots the
 * simulated host in-process. Then the same scenario on a second fresh lab with a naive polling
 * controller, as the baseline. Prints one table of figures read from each lab's record.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Benchmark a rollout against a simulated lab, its clock scaled so the run takes about"
            + " --duration, beside a naive polling controller on the same scenario.")
final class BenchCommand implements Callable<Integer> {
  private final Main.Context context;

  @Spec CommandSpec spec;

  @Option(names = "--hosts", paramLabel = "N", description = "hosts to roll (default 10)")
  int hosts = 10;

  @Option(names = "--parallel", paramLabel = "P", description = "maxParallel (default 1)")
  int parallel = 1;

  @Option(
      names = "--waves",
      paramLabel = "W",
      description = "hosts split evenly over W rebootOrder waves (default 1)")
  int waves = 1;

  @Option(
      names = "--overlap",
      description =
          "lab-orchestrator runs with waves: overlap (a wave's hosts take free slots once every"
              + " host of the waves before it has started); the naive controller does not")
  boolean overlap;

  @Option(
      names = "--spread",
      paramLabel = "A-B",
      description =
          "each host's reboot (trigger to ready) drawn evenly from A..B, lab time, e.g. 20s-320s"
              + " (default: 60s for every host)")
  String spread;

  @Option(
      names = "--naive",
      paramLabel = "INTERVAL",
      description = "polling interval of the naive baseline, lab time (default 2s); 'off' skips it")
  String naive = "2s";

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      description = "real length the rollout's lower bound is scaled to (default 1m)")
  String duration = "1m";

  @Option(
      names = "--builds",
      description =
          "hosts build their new system first (issue 9): compare lab-orchestrator building ahead"
              + " with reboot: when-needed against --no-prebuild --reboot always, in one table."
              + " Implied by --build-time and --no-kernel-change")
  boolean builds;

  @Option(
      names = "--build-time",
      paramLabel = "DURATION",
      description = "with builds: each host's build, lab time (default 30s)")
  String buildTime;

  @Option(
      names = "--no-kernel-change",
      paramLabel = "SHARE",
      description =
          "with builds: share of hosts whose build needs no reboot, 0..1 or a percentage"
              + " (default 0.5)")
  String noKernelChange;

  @Option(
      names = "--no-prebuild",
      description =
          "with builds, one mode alone: each host builds while drained (prebuild.ahead: 0)")
  boolean noPrebuild;

  @Option(
      names = "--reboot",
      paramLabel = "always|when-needed",
      description = "with builds, one mode alone: the reboot policy (default when-needed)")
  String reboot;

  @Option(names = "--seed", paramLabel = "SEED", description = "seed of the reboot times")
  long seed = 1;

  @Option(names = "--check", description = "exit 1 when lab-orchestrator misses a target")
  boolean check;

  @Option(
      names = "--requests",
      description = "also print where lab-orchestrator's counted requests went, per host")
  boolean requests;

  @Option(
      names = "--history",
      description =
          "lab-orchestrator finds a previous rollout recorded, with each host's time out of service"
              + " (the scenario's physical time of the host, as that rollout would have measured"
              + " it), and so starts the longest hosts of a wave first; the naive controller does"
              + " not")
  boolean history;

  BenchCommand(Main.Context context) {
    this.context = context;
  }

  @Override
  public Integer call() throws Exception {
    Scenario scenario;
    Duration naiveInterval;
    List<BenchLab.Mode> modes;
    try {
      Duration[] reboots = spread();
      modes = modes();
      scenario =
          new Scenario(
              hosts,
              parallel,
              waves,
              reboots[0],
              reboots[1],
              Durations.parse(duration, "--duration"),
              seed,
              modes.get(0) == null ? null : builds(),
              overlap);
      naiveInterval = "off".equals(naive.strip()) ? null : Durations.parse(naive, "--naive");
      if (naiveInterval != null && naiveInterval.isZero()) {
        throw new InvalidInputException("--naive must be a positive interval or 'off'");
      }
    } catch (IllegalArgumentException | InvalidInputException e) {
      context.err().println("error: " + e.getMessage());
      return ExitCodes.INVALID_INPUT;
    }
    PrintStream out = context.out();
    out.println(
        "$ lab-orchestrator "
            + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
    out.println(
        String.format(
            Locale.ROOT,
            "scenario: %d hosts in %d wave(s)%s, maxParallel %d, reboot %s..%s; per host, lab time:"
                + " drain %s, checks pass %s after ready, stableFor %s",
            scenario.hosts(),
            scenario.waves(),
            (scenario.overlapWaves() ? " (lab-orchestrator: waves: overlap)" : "")
                + (history ? " (lab-orchestrator: a previous rollout recorded, --history)" : ""),
            scenario.parallel(),
            Durations.format(scenario.rebootMin()),
            Durations.format(scenario.rebootMax()),
            Durations.format(Scenario.DRAIN),
            Durations.format(Scenario.CHECKS),
            Durations.format(Scenario.STABLE_FOR)));
    if (scenario.builds() != null) {
      out.println(
          String.format(
              Locale.ROOT,
              "builds: %s per host, lab time; %d of %d hosts without kernel change; runs: %s",
              Durations.format(scenario.builds().buildTime()),
              scenario.withoutKernelChange().size(),
              scenario.hosts(),
              String.join(", ", modes.stream().map(BenchLab.Mode::flags).toList())));
    }
    out.println(
        String.format(
            Locale.ROOT,
            "scale: 1 lab second = %.1f ms real (x %.5f); lower bound %s lab time, ~%s real",
            scenario.scale() * 1000,
            scenario.scale(),
            Durations.format(scenario.labLowerBound()),
            Durations.format(scenario.duration())));
    out.println(
        String.format(
            Locale.ROOT,
            "JVM: %s %s, %d cores, max heap %d MiB",
            System.getProperty("java.vm.name"),
            System.getProperty("java.version"),
            Runtime.getRuntime().availableProcessors(),
            Runtime.getRuntime().maxMemory() / (1024 * 1024)));
    out.flush();
    Path dir = Files.createTempDirectory("lab-orchestrator-bench-");
    List<BenchTable.Column> columns = new java.util.ArrayList<>();
    try {
      for (BenchLab.Mode mode : modes) {
        String name = mode == null ? "lab-orchestrator" : "lab-orchestrator " + mode.flags();
        columns.add(
            new BenchTable.Column(
                name, measure(() -> engine(scenario, dir.resolve(name.replace(' ', '_')), mode))));
      }
      columns.add(
          naiveInterval == null
              ? new BenchTable.Column("naive (off)", null)
              : new BenchTable.Column(
                  "naive (" + Durations.format(naiveInterval) + ")",
                  measure(() -> naive(scenario, naiveInterval, dir.resolve("naive")))));
    } catch (BenchFailure e) {
      context.err().println("error: " + e.getMessage());
      context.err().println("config, inventory and the run's log are in " + dir);
      return ExitCodes.FAILED;
    }
    delete(dir);
    BenchTable table = new BenchTable(scenario);
    out.println();
    table.render(columns).forEach(out::println);
    out.println();
    out.println(
        "makespan: first drain request to last eligibility. Lower bound: per wave, max(longest"
            + " host, sum of hosts / maxParallel), summed over waves; a host's physical time is"
            + " drain start..complete + trigger..ready + ready..checks passing + stableFor.");
    out.println(
        "reactions: real ms from the lab's event (drain complete; checks passing + stableFor) to"
            + " its receipt of the controller's request (reboot trigger; eligibility).");
    out.println(
        "HTTP requests per host: every Nomad and Consul request from the lock taken (naive: from"
            + " its first host) to the end, / hosts; excluded: pre-flight (plan reads, ACL and"
            + " autopilot checks, the lock acquisition; naive: its node listing).");
    out.println(
        "peak heap: heap pools' peak use, reset before each run; CPU: process CPU time during the"
            + " run, the simulated lab and its HTTP servers included.");
    if (scenario.builds() != null) {
      out.println(
          "out of service: from a host's drain request to its eligibility again, in the lab's"
              + " record; lab time = real / scale. A switched host's activation is its switch; a"
              + " build a host is drained for is physical time, not reaction. Targets: first"
              + " column.");
    }
    List<String> missed = table.missed(columns.get(0).run());
    if (missed.isEmpty()) {
      out.println("All targets met.");
      return ExitCodes.DONE;
    }
    out.println("Targets missed: " + String.join("; ", missed));
    return check ? ExitCodes.FAILED : ExitCodes.DONE;
  }

  /**
   * The engine runs: {@code [null]} without builds (issue 8's benchmark); with {@code
   * --no-prebuild} or {@code --reboot}, that one mode; else the new behaviour and the baseline.
   */
  private List<BenchLab.Mode> modes() {
    boolean withBuilds =
        builds || buildTime != null || noKernelChange != null || noPrebuild || reboot != null;
    if (!withBuilds) {
      return java.util.Collections.singletonList(null);
    }
    if (!noPrebuild && reboot == null) {
      return List.of(BenchLab.Mode.NEW, BenchLab.Mode.BASELINE);
    }
    boolean whenNeeded =
        switch (reboot == null ? "when-needed" : reboot.strip()) {
          case "when-needed" -> true;
          case "always" -> false;
          default ->
              throw new InvalidInputException(
                  "--reboot must be always or when-needed, not '" + reboot + "'");
        };
    return List.of(new BenchLab.Mode(!noPrebuild, whenNeeded));
  }

  /** {@code --build-time} and {@code --no-kernel-change}, or their defaults. */
  private Scenario.Builds builds() {
    return new Scenario.Builds(
        buildTime == null ? Scenario.Builds.BUILD_TIME : Durations.parse(buildTime, "--build-time"),
        noKernelChange == null
            ? Scenario.Builds.NO_KERNEL_CHANGE
            : Scenario.Builds.share(noKernelChange));
  }

  /** {@code --spread A-B}, or the fixed default reboot for both ends. */
  private Duration[] spread() {
    if (spread == null) {
      return new Duration[] {Scenario.REBOOT, Scenario.REBOOT};
    }
    String[] ends = spread.strip().split("-", -1);
    if (ends.length != 2) {
      throw new InvalidInputException(
          "--spread must be two durations joined by '-', e.g. 20s-320s, not '" + spread + "'");
    }
    return new Duration[] {
      Durations.parse(ends[0], "--spread"), Durations.parse(ends[1], "--spread")
    };
  }

  /** The real engine, as {@code run} runs it, with the in-process rebuild trigger. */
  private Figures engine(Scenario scenario, Path dir, BenchLab.Mode mode) throws IOException {
    try (BenchLab lab = BenchLab.start(scenario, dir, mode)) {
      Path logFile = dir.resolve("run.log");
      int code;
      try (PrintStream log =
          new PrintStream(Files.newOutputStream(logFile), true, StandardCharsets.UTF_8)) {
        Main.Context quiet = new Main.Context(log, log, Map.of());
        if (history) {
          recordPreviousRollout(Session.open(lab.config(), quiet, lab.trigger()), scenario);
        }
        code =
            Failures.guard(
                quiet,
                () ->
                    new RunCommand(quiet)
                        .execute(Session.open(lab.config(), quiet, lab.trigger()), false));
      }
      if (code != ExitCodes.DONE) {
        throw new BenchFailure(
            "lab-orchestrator's rollout did not finish (exit code "
                + code
                + "): "
                + reason(logFile));
      }
      List<SimEvent> events = lab.lab().events();
      long lockTaken =
          events.stream()
              .filter(e -> e.type() == SimEvent.Type.LOCK_ACQUIRED)
              .mapToLong(SimEvent::atMillis)
              .min()
              .orElse(0);
      if (requests) {
        printRequests(lab.lab().requests(), lockTaken, scenario.waveOf().size(), mode);
      }
      return figures(scenario, lab, events, lockTaken);
    }
  }

  /**
   * {@code --history}: a finished rollout of the same hosts in the state variable, each host out of
   * service for its physical time in the scenario (scaled, as the engine's clock measures it).
   */
  private static void recordPreviousRollout(Session session, Scenario scenario) {
    java.time.Instant now = java.time.Instant.now();
    List<dev.laborchestrator.rollout.HostCheckpoint> hosts = new java.util.ArrayList<>();
    scenario
        .reboots()
        .forEach(
            (host, reboot) ->
                hosts.add(
                    dev.laborchestrator.rollout.HostCheckpoint.done(
                        host,
                        Map.of(
                            dev.laborchestrator.rollout.HostState.DRAINING,
                            scenario.scaled(Scenario.DRAIN),
                            dev.laborchestrator.rollout.HostState.REBOOTING,
                            scenario.scaled(reboot),
                            dev.laborchestrator.rollout.HostState.VERIFYING,
                            scenario.scaled(Scenario.CHECKS.plus(Scenario.STABLE_FOR))),
                        now)));
    session.state.save(
        new dev.laborchestrator.rollout.RolloutState(
            "r-previous",
            dev.laborchestrator.rollout.RolloutState.Status.DONE,
            null,
            now,
            now,
            hosts));
  }

  /** The naive baseline on a fresh lab. */
  private Figures naive(Scenario scenario, Duration interval, Path dir) throws Exception {
    try (BenchLab lab = BenchLab.start(scenario, dir)) {
      NaiveController controller =
          new NaiveController(
              new NomadHttpClient(
                  new ApiSettings(lab.lab().nomadAddress(), lab.nomadToken()),
                  HttpOptions.defaults()),
              new ConsulHttpClient(
                  new ApiSettings(lab.lab().consulAddress(), lab.consulToken()),
                  HttpOptions.defaults()),
              lab.trigger(),
              scenario.scaled(interval),
              BenchLab.stableFor(scenario),
              BenchLab.phaseLimit(scenario));
      Map<String, String> ids = controller.nodeIds();
      long start = System.currentTimeMillis();
      try {
        controller.roll(scenario.waveOf(), ids, scenario.parallel());
      } catch (IllegalStateException e) {
        throw new BenchFailure("the naive baseline failed: " + e.getMessage());
      }
      return figures(scenario, lab, lab.lab().events(), start);
    }
  }

  /** Counted requests by method and path (IDs folded), per host, most first. */
  private void printRequests(
      List<dev.laborchestrator.sim.SimRequest> all, long from, int hosts, BenchLab.Mode mode) {
    java.util.Map<String, Long> byPath =
        all.stream()
            .filter(r -> r.atMillis() >= from && !r.query().contains("lock-acquire"))
            .collect(
                java.util.stream.Collectors.groupingBy(
                    r ->
                        r.method()
                            + " "
                            + r.path()
                                .replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", ":id")
                                .replaceAll("/hosts/[0-9]+$", "/hosts/:n"),
                    java.util.stream.Collectors.counting()));
    context
        .out()
        .println(
            "lab-orchestrator"
                + (mode == null ? "" : " " + mode.flags())
                + "'s requests per host, by endpoint:");
    byPath.entrySet().stream()
        .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(
            e -> context.out().printf("  %6.2f  %s%n", (double) e.getValue() / hosts, e.getKey()));
  }

  private static Figures figures(
      Scenario scenario, BenchLab lab, List<SimEvent> events, long countFrom) {
    try {
      return Figures.of(
          events,
          lab.lab().requests(),
          scenario.waveOf(),
          scenario.parallel(),
          BenchLab.stableFor(scenario).toMillis(),
          countFrom);
    } catch (IllegalStateException e) {
      throw new BenchFailure(e.getMessage());
    }
  }

  /** Runs {@code body} with the heap pools' peaks reset and the process's CPU time taken. */
  private static BenchTable.Run measure(Callable<Figures> body) throws Exception {
    System.gc();
    List<MemoryPoolMXBean> heap =
        ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .toList();
    heap.forEach(MemoryPoolMXBean::resetPeakUsage);
    long cpu = cpuNanos();
    Figures figures = body.call();
    long used = cpuNanos() - cpu;
    long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    return new BenchTable.Run(figures, peak, used);
  }

  private static long cpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime()
        : 0;
  }

  /**
   * Why the run stopped, from its log: the first error or reason a host was stopped, else the last
   * lines.
   */
  private static String reason(Path log) throws IOException {
    List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
    for (String line : all) {
      int at = Math.max(line.indexOf("error:"), line.indexOf("stopped:"));
      if (at >= 0) {
        return line.substring(at).strip();
      }
    }
    return String.join(" / ", all.subList(Math.max(0, all.size() - 3), all.size()));
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** A run that did not finish: the reason, for the operator. */
  private static final class BenchFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BenchFailure(String message) {
      super(message);
    }
  }
}
