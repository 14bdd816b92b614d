package dev.laborchestrator.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One benchmark scenario in lab time (what a real fleet would take), and the factor that shrinks it
 * to the requested real length. Both controllers run the same scenario: same hosts, waves and
 * reboot durations (drawn from the seed), same physical timings.
 *
 * @param hosts how many hosts roll
 * @param parallel maxParallel
 * @param waves the hosts are split evenly over this many rebootOrder waves, in order
 * @param rebootMin shortest reboot (trigger to ready), lab time
 * @param rebootMax longest reboot; each host's is drawn evenly from min..max
 * @param duration the real length the rollout's lower bound is scaled to
 * @param seed for the reboot durations, the hosts without kernel change and the lab's identifiers
 * @param builds null: the rebuild is one step, as in issue 8's benchmark; else every host builds
 *     its new system first (issue 9), and the controller runs with and without building ahead
 * @param overlapWaves lab-orchestrator runs with {@code waves: overlap} (the naive controller keeps
 *     its waves one after the other); the lower bound stays the issue's, summed over waves
 */
public record Scenario(
    int hosts,
    int parallel,
    int waves,
    Duration rebootMin,
    Duration rebootMax,
    Duration duration,
    long seed,
    Builds builds,
    boolean overlapWaves) {

  /** Waves one after the other. */
  public Scenario(
      int hosts,
      int parallel,
      int waves,
      Duration rebootMin,
      Duration rebootMax,
      Duration duration,
      long seed,
      Builds builds) {
    this(hosts, parallel, waves, rebootMin, rebootMax, duration, seed, builds, false);
  }

  /**
   * How the hosts build their new system (issue 9).
   *
   * @param buildTime each host's build, lab time: {@code nixos-rebuild build} or the fetch of a
   *     substituted closure
   * @param noKernelChange the share of hosts (0..1) whose new system keeps its kernel, initrd and
   *     modules, so that with {@code reboot: when-needed} they are switched, not rebooted
   */
  public record Builds(Duration buildTime, double noKernelChange) {
    /** A build of half the default reboot, and half the hosts without kernel change. */
    public static final Duration BUILD_TIME = Duration.ofSeconds(30);

    public static final double NO_KERNEL_CHANGE = 0.5;

    public Builds {
      if (buildTime.isNegative()) {
        throw new IllegalArgumentException("--build-time cannot be negative");
      }
      if (!(noKernelChange >= 0 && noKernelChange <= 1)) {
        throw new IllegalArgumentException(
            "--no-kernel-change must be a share from 0 to 1, not " + noKernelChange);
      }
    }

    /**
     * {@code --no-kernel-change}: a share from 0 to 1 ({@code 0.5}) or a percentage ({@code 50%}).
     */
    public static double share(String text) {
      String s = text == null ? "" : text.strip();
      boolean percent = s.endsWith("%");
      try {
        double value = Double.parseDouble(percent ? s.substring(0, s.length() - 1) : s);
        double share = percent ? value / 100 : value;
        if (share >= 0 && share <= 1) {
          return share;
        }
      } catch (NumberFormatException e) {
        // named below
      }
      throw new IllegalArgumentException(
          "--no-kernel-change must be a share from 0 to 1 (e.g. 0.5) or a percentage (50%), not '"
              + text
              + "'");
    }
  }

  /** Issue 8's scenario: no separate build. */
  public Scenario(
      int hosts,
      int parallel,
      int waves,
      Duration rebootMin,
      Duration rebootMax,
      Duration duration,
      long seed) {
    this(hosts, parallel, waves, rebootMin, rebootMax, duration, seed, null);
  }

  /** Lab time to migrate a host's work away (its drain). */
  public static final Duration DRAIN = Duration.ofSeconds(20);

  /** Lab time of a reboot when no spread is given: trigger to {@code ready}. */
  public static final Duration REBOOT = Duration.ofSeconds(60);

  /** Lab time from {@code ready} until the host's Consul checks pass. */
  public static final Duration CHECKS = Duration.ofSeconds(15);

  /** The controller's {@code health.stableFor}, lab time. */
  public static final Duration STABLE_FOR = Duration.ofSeconds(10);

  /** Of a reboot: trigger until Nomad marks the node down, and initializing until ready. */
  static final Duration GOES_DOWN = Duration.ofSeconds(5);

  static final Duration INITIALIZING = Duration.ofSeconds(5);

  public Scenario {
    if (hosts < 1) {
      throw new IllegalArgumentException("--hosts must be at least 1, not " + hosts);
    }
    if (parallel < 1) {
      throw new IllegalArgumentException("--parallel must be at least 1, not " + parallel);
    }
    if (waves < 1 || waves > hosts) {
      throw new IllegalArgumentException(
          "--waves must be from 1 to the number of hosts (" + hosts + "), not " + waves);
    }
    Duration least = GOES_DOWN.plus(INITIALIZING);
    if (rebootMin.compareTo(least) < 0 || rebootMax.compareTo(rebootMin) < 0) {
      throw new IllegalArgumentException(
          "--spread must be A-B with "
              + least.toSeconds()
              + "s <= A <= B (a reboot takes at least "
              + least.toSeconds()
              + "s of going down and initializing)");
    }
    if (duration.toMillis() < 100) {
      throw new IllegalArgumentException("--duration must be at least 100ms");
    }
  }

  /** Host names, {@code h0001} on. */
  public List<String> hostnames() {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= hosts; i++) {
      names.add(String.format("h%04d", i));
    }
    return names;
  }

  /** Each host's rebootOrder: hosts split evenly, in name order, over waves 1..W. */
  public Map<String, Integer> waveOf() {
    Map<String, Integer> waves = new LinkedHashMap<>();
    List<String> names = hostnames();
    for (int i = 0; i < names.size(); i++) {
      waves.put(names.get(i), 1 + (int) ((long) i * waves() / hosts));
    }
    return waves;
  }

  /** Each host's reboot duration (trigger to ready), lab time, drawn from the seed. */
  public Map<String, Duration> reboots() {
    Random dice = new Random(seed);
    long span = rebootMax.toMillis() - rebootMin.toMillis();
    Map<String, Duration> reboots = new LinkedHashMap<>();
    for (String host : hostnames()) {
      long extra = span == 0 ? 0 : (long) (dice.nextDouble() * (span + 1));
      reboots.put(host, rebootMin.plusMillis(extra));
    }
    return reboots;
  }

  /**
   * The hosts whose new system needs no reboot: {@code round(share * hosts)} of them, chosen by the
   * seed, so both runs of a comparison see the same ones. Empty without builds.
   */
  public java.util.Set<String> withoutKernelChange() {
    if (builds == null) {
      return java.util.Set.of();
    }
    List<String> names = new ArrayList<>(hostnames());
    java.util.Collections.shuffle(names, new Random(seed * 31 + 9));
    int count = (int) Math.round(builds.noKernelChange() * hosts);
    return new java.util.TreeSet<>(names.subList(0, count));
  }

  /**
   * The lower bound of the rollout in lab time, from the nominal physical time of each host; with
   * builds, that of the baseline (each host drained for its build, then rebooted), the longer run.
   */
  public Duration labLowerBound() {
    Map<Integer, List<Long>> byWave = new java.util.TreeMap<>();
    Map<String, Duration> reboots = reboots();
    waveOf()
        .forEach(
            (host, wave) ->
                byWave
                    .computeIfAbsent(wave, w -> new ArrayList<>())
                    .add(
                        DRAIN
                            .plus(builds == null ? Duration.ZERO : builds.buildTime())
                            .plus(reboots.get(host))
                            .plus(CHECKS)
                            .plus(STABLE_FOR)
                            .toMillis()));
    return Duration.ofMillis(Figures.lowerBound(byWave, parallel));
  }

  /** Real time per lab time: the lower bound of the scaled rollout is about {@link #duration}. */
  public double scale() {
    return (double) duration.toMillis() / labLowerBound().toMillis();
  }

  /** {@code lab} lab time in real time, at least a millisecond. */
  public Duration scaled(Duration lab) {
    return scaled(lab, scale());
  }

  /** {@code lab} times {@code scale}, at least a millisecond (for callers that hold the scale). */
  static Duration scaled(Duration lab, double scale) {
    return Duration.ofMillis(Math.max(1, Math.round(lab.toMillis() * scale)));
  }
}
