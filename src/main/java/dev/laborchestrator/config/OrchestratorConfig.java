package dev.laborchestrator.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The controller's configuration after loading: defaults applied, durations parsed, paths resolved.
 * Tokens are held here and nowhere else; {@link #toString()} of the settings redacts them.
 */
public record OrchestratorConfig(
    ApiSettings nomad,
    ApiSettings consul,
    Path inventory,
    RebuildSettings rebuild,
    DrainSettings drain,
    Timeouts timeouts,
    HealthSettings health,
    int maxParallel,
    IneligibleHosts ineligibleHosts,
    OnUnhealthy onUnhealthy,
    boolean consulMaintenance,
    Duration lockTtl,
    List<NotifySettings> notifications,
    MetricsSettings metrics,
    HoldSettings holds,
    Limits limits,
    UpdateSettings update) {

  public OrchestratorConfig {
    notifications = notifications == null ? List.of() : List.copyOf(notifications);
    metrics = metrics == null ? MetricsSettings.OFF : metrics;
    holds = holds == null ? HoldSettings.NONE : holds;
    limits = limits == null ? Limits.NONE : limits;
    update = update == null ? UpdateSettings.DEFAULT : update;
  }

  /** Whether a host reboots for every update or only when its kernel, initrd or modules changed. */
  public enum RebootPolicy {
    ALWAYS,
    /**
     * Only when the built system's {@code kernel}, {@code initrd} or {@code kernel-modules} differ
     * from {@code /run/booted-system}'s (NixOS's {@code system.autoUpgrade} test); else switch.
     */
    WHEN_NEEDED
  }

  /**
   * How a host's update is built and activated, and what may keep it in service.
   *
   * @param reboot {@code reboot}
   * @param drainOnSwitch {@code drainOnSwitch}: drain a host that is only switched (default true)
   * @param prebuildAhead {@code prebuild.ahead}: how many hosts build ahead of their turn; null:
   *     {@code maxParallel + 2}; 0: each host builds while drained
   * @param allowLastInstance Consul services whose last passing instance may be taken down
   */
  public record UpdateSettings(
      RebootPolicy reboot,
      boolean drainOnSwitch,
      Integer prebuildAhead,
      Set<String> allowLastInstance) {
    public static final UpdateSettings DEFAULT =
        new UpdateSettings(RebootPolicy.ALWAYS, true, null, Set.of());

    public UpdateSettings {
      allowLastInstance = allowLastInstance == null ? Set.of() : Set.copyOf(allowLastInstance);
    }
  }

  /**
   * Failure domains and a relative {@code maxParallel}.
   *
   * @param maxParallelPercent {@code maxParallel} given as a share of the rolled hosts ("10%"), or
   *     null when it is a number
   * @param perDatacenter at most this many hosts out of service at once in one datacenter; 0 = no
   *     limit
   * @param perGroup at most this many in one of {@code lab.groups}; 0 = no limit
   * @param overlapWaves {@code waves: overlap}: a host of a later wave may take a free slot once
   *     every host of the earlier waves has started, instead of once they are all done
   */
  public record Limits(
      Integer maxParallelPercent, int perDatacenter, int perGroup, boolean overlapWaves) {
    public static final Limits NONE = new Limits(null, 0, 0, false);

    /** Waves one after the other ({@code waves: strict}, the default). */
    public Limits(Integer maxParallelPercent, int perDatacenter, int perGroup) {
      this(maxParallelPercent, perDatacenter, perGroup, false);
    }
  }

  /**
   * Address, token and TLS settings of one API. The token never appears in {@link #toString()}. The
   * address is {@code http(s)://host:port}, or for Nomad also {@code unix:///path/to/api.sock}.
   *
   * @param addressFrom where the address came from, for messages that tell the user what to fix:
   *     the config key ({@code nomad.address}), the environment variable ({@code NOMAD_ADDR}), or
   *     null for the built-in default
   */
  public record ApiSettings(String address, String token, TlsSettings tls, String addressFrom) {
    public ApiSettings {
      tls = tls == null ? TlsSettings.NONE : tls;
    }

    public ApiSettings(String address, String token, TlsSettings tls) {
      this(address, token, tls, null);
    }

    /** Plain settings without TLS material: the platform's trusted CAs, verification on. */
    public ApiSettings(String address, String token) {
      this(address, token, TlsSettings.NONE);
    }

    public boolean hasToken() {
      return token != null && !token.isEmpty();
    }

    @Override
    public String toString() {
      return "ApiSettings[address="
          + address
          + ", token="
          + (hasToken() ? "<redacted>" : "<none>")
          + ", tls="
          + tls
          + "]";
    }
  }

  /**
   * TLS towards one API, as {@code NOMAD_CACERT}, {@code NOMAD_CLIENT_CERT}, ... or the config's
   * {@code tls} block give it. Unset files mean: the platform's trusted CAs, no client certificate.
   *
   * @param caCert PEM bundle of the CAs to trust instead of the platform's, or null
   * @param clientCert PEM client certificate (optionally followed by its chain), or null
   * @param clientKey PEM private key of {@code clientCert} (PKCS#8, or EC/RSA traditional), or null
   * @param skipVerify accept any server certificate for any name (logged as a warning)
   * @param serverName the name the server certificate must carry, when it is not the address's host
   */
  public record TlsSettings(
      PemFile caCert,
      PemFile clientCert,
      PemFile clientKey,
      boolean skipVerify,
      String serverName) {
    public static final TlsSettings NONE = new TlsSettings(null, null, null, false, null);

    /** Whether anything differs from the defaults. */
    public boolean configured() {
      return !equals(NONE);
    }
  }

  /** A PEM file and the config key or environment variable that named it, for error messages. */
  public record PemFile(String key, Path path) {
    @Override
    public String toString() {
      return key + " (" + path + ")";
    }
  }

  /**
   * How a rebuild + reboot is triggered, and (for {@code onUnhealthy: rollback}) how a host is
   * booted into its previous generation: {@code rollbackCommand} for the command executor, {@code
   * ssh.rollbackRemoteCommand} for ssh. For the command executor, {@code build} and {@code
   * switchCommand} ({@code rebuild.build}, {@code rebuild.switch}; both or neither) build a host's
   * system ahead of its drain and switch to it without a reboot; {@code command} then boots the
   * built {@code {path}}.
   */
  public record RebuildSettings(
      String executor,
      List<String> command,
      Duration timeout,
      SshSettings ssh,
      String expectRevision,
      List<String> rollbackCommand,
      List<String> build,
      List<String> switchCommand) {
    public RebuildSettings {
      rollbackCommand = rollbackCommand == null ? List.of() : List.copyOf(rollbackCommand);
      build = build == null ? List.of() : List.copyOf(build);
      switchCommand = switchCommand == null ? List.of() : List.copyOf(switchCommand);
    }

    public RebuildSettings(
        String executor,
        List<String> command,
        Duration timeout,
        SshSettings ssh,
        String expectRevision,
        List<String> rollbackCommand) {
      this(executor, command, timeout, ssh, expectRevision, rollbackCommand, List.of(), List.of());
    }

    public RebuildSettings(
        String executor,
        List<String> command,
        Duration timeout,
        SshSettings ssh,
        String expectRevision) {
      this(executor, command, timeout, ssh, expectRevision, List.of());
    }
  }

  /**
   * The {@code ssh} executor: the system OpenSSH client with BatchMode; strict host key checking
   * unless turned off; {@code remoteCommand} with {@code {hostname}}, {@code {flake}} placeholders.
   */
  public record SshSettings(
      String user,
      Integer port,
      String identityFile,
      boolean strictHostKeyChecking,
      String knownHostsFile,
      String flake,
      String remoteCommand,
      String rollbackRemoteCommand) {
    public static final String DEFAULT_REMOTE_COMMAND =
        "nixos-rebuild boot --flake {flake}#{hostname} && systemctl reboot";
    public static final String DEFAULT_ROLLBACK_COMMAND =
        "nixos-rebuild boot --rollback && systemctl reboot";

    public SshSettings(
        String user,
        Integer port,
        String identityFile,
        boolean strictHostKeyChecking,
        String knownHostsFile,
        String flake,
        String remoteCommand) {
      this(
          user,
          port,
          identityFile,
          strictHostKeyChecking,
          knownHostsFile,
          flake,
          remoteCommand,
          null);
    }
  }

  public record DrainSettings(Duration deadline, boolean ignoreSystemJobs) {}

  public record Timeouts(Duration drain, Duration reboot, Duration health) {}

  public record HealthSettings(Duration stableFor) {}

  /** What to do with a host that returns but fails verification. */
  public enum OnUnhealthy {
    /** Leave it drained and ineligible, and stop. */
    HALT,
    /** Boot it into its previous generation, verify it, re-enable it if healthy, and stop. */
    ROLLBACK
  }

  /** What to do with a host an operator had made ineligible before the rollout. */
  public enum IneligibleHosts {
    /** Leave it alone: it is reported as skipped. */
    SKIP,
    /** Update it too, and leave it ineligible afterwards. */
    UPDATE
  }

  // --- notifications and metrics (issue 10) ---

  /**
   * One notification target. The URL may carry a secret (a Slack webhook's path, an ntfy topic,
   * user:password): {@link #toString()} and {@link #redactedUrl()} show only scheme, host and port.
   */
  public record NotifySettings(java.net.URI url, NotifyFormat format, Set<NotifyEvent> events) {
    public NotifySettings {
      events = Set.copyOf(events);
    }

    /** {@code https://hooks.example.com:443/…}: enough to tell targets apart, no secret. */
    public String redactedUrl() {
      return url.getScheme()
          + "://"
          + url.getHost()
          + (url.getPort() < 0 ? "" : ":" + url.getPort())
          + "/…";
    }

    @Override
    public String toString() {
      return "NotifySettings[url="
          + redactedUrl()
          + ", format="
          + format
          + ", events="
          + events
          + "]";
    }
  }

  /** How a notification is written: JSON per the published schema, a Slack webhook, ntfy. */
  public enum NotifyFormat {
    JSON,
    SLACK,
    NTFY
  }

  /** The moments of a rollout a notification can be sent for. */
  public enum NotifyEvent {
    STARTED("started"),
    HOST_DONE("host-done"),
    HOST_FAILED("host-failed"),
    PAUSED("paused"),
    DONE("done");

    private final String wire;

    NotifyEvent(String wire) {
      this.wire = wire;
    }

    /** The name in the config and in the JSON payload: {@code host-done}. */
    public String wire() {
      return wire;
    }
  }

  /**
   * The {@code /metrics} endpoint and an optional Pushgateway.
   *
   * @param port where {@code /metrics} listens while a run lasts; null: no endpoint
   * @param pushgateway null: no push
   */
  public record MetricsSettings(Integer port, Pushgateway pushgateway) {
    public static final MetricsSettings OFF = new MetricsSettings(null, null);
  }

  /** A Prometheus Pushgateway: {@code address} as {@code host:port}, with its scheme. */
  public record Pushgateway(java.net.URI url, String job) {
    @Override
    public String toString() {
      return "Pushgateway[url=" + url.getScheme() + "://" + url.getHost() + ", job=" + job + "]";
    }
  }

  /**
   * What may hold back the start of a host: the maintenance window ({@code window}), how long a run
   * waits while an operator has paused it ({@code pause.maxWait}), and the alert gate ({@code
   * gates.prometheus}).
   *
   * @param window null: always open
   * @param prometheus null: no alert gate
   */
  public record HoldSettings(
      MaintenanceWindow window, Duration pauseMaxWait, PrometheusGate prometheus) {
    public static final HoldSettings NONE = new HoldSettings(null, Duration.ofHours(1), null);
  }

  /**
   * kured's {@code --prometheus-url}: no host starts while an alert of Prometheus's {@code ALERTS}
   * series is active, except those whose {@code alertname} matches {@code alertFilter} (kured's
   * {@code --alert-filter-regexp} excludes matches as well). An unreachable Prometheus holds too.
   *
   * @param alertFilter alert names to ignore, or null
   * @param firingOnly ignore pending alerts (kured's {@code --alert-firing-only})
   * @param maxWait how long a run waits for the gate to open before it ends (checkpoint kept)
   * @param interval how often a held run asks Prometheus again
   */
  public record PrometheusGate(
      String url,
      java.util.regex.Pattern alertFilter,
      boolean firingOnly,
      Duration maxWait,
      Duration interval) {}
}
