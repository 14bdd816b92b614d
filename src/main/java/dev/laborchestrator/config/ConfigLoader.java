package dev.laborchestrator.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.config.OrchestratorConfig.DrainSettings;
import dev.laborchestrator.config.OrchestratorConfig.HealthSettings;
import dev.laborchestrator.config.OrchestratorConfig.IneligibleHosts;
import dev.laborchestrator.config.OrchestratorConfig.PemFile;
import dev.laborchestrator.config.OrchestratorConfig.RebuildSettings;
import dev.laborchestrator.config.OrchestratorConfig.SshSettings;
import dev.laborchestrator.config.OrchestratorConfig.Timeouts;
import dev.laborchestrator.config.OrchestratorConfig.TlsSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads the controller's config file (YAML or JSON, chosen by extension), applies the defaults and
 * the standard environment variables ({@code NOMAD_ADDR}, {@code NOMAD_TOKEN}, {@code
 * CONSUL_HTTP_ADDR}, {@code CONSUL_HTTP_TOKEN}, and the TLS ones: {@code NOMAD_CACERT}, {@code
 * NOMAD_CLIENT_CERT}, {@code NOMAD_CLIENT_KEY}, {@code NOMAD_SKIP_VERIFY}, {@code
 * NOMAD_TLS_SERVER_NAME}, {@code CONSUL_CACERT}, {@code CONSUL_CLIENT_CERT}, {@code
 * CONSUL_CLIENT_KEY}, {@code CONSUL_HTTP_SSL_VERIFY}, {@code CONSUL_TLS_SERVER_NAME}, {@code
 * CONSUL_HTTP_SSL}), and rejects anything it does not understand with an {@link
 * InvalidInputException} that names the key. A value in the file wins over the environment.
 */
public final class ConfigLoader {
  static final String DEFAULT_NOMAD = "http://127.0.0.1:4646";
  static final String DEFAULT_CONSUL = "http://127.0.0.1:8500";

  /** The environment variables of one API, by the names its own CLI reads. */
  private record ApiEnv(
      String address,
      String token,
      String caCert,
      String clientCert,
      String clientKey,
      String serverName,
      boolean allowsUnixSocket) {}

  private static final ApiEnv NOMAD_ENV =
      new ApiEnv(
          "NOMAD_ADDR",
          "NOMAD_TOKEN",
          "NOMAD_CACERT",
          "NOMAD_CLIENT_CERT",
          "NOMAD_CLIENT_KEY",
          "NOMAD_TLS_SERVER_NAME",
          true);
  private static final ApiEnv CONSUL_ENV =
      new ApiEnv(
          "CONSUL_HTTP_ADDR",
          "CONSUL_HTTP_TOKEN",
          "CONSUL_CACERT",
          "CONSUL_CLIENT_CERT",
          "CONSUL_CLIENT_KEY",
          "CONSUL_TLS_SERVER_NAME",
          false);

  private final Map<String, String> env;

  public ConfigLoader(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  public OrchestratorConfig load(Path file) {
    RawConfig raw = Mappers.read(file, RawConfig.class);
    if (raw == null) {
      throw new InvalidInputException(file + " is empty");
    }
    Path base = file.toAbsolutePath().getParent();
    RebuildSettings rebuild = rebuild(raw.rebuild());
    return new OrchestratorConfig(
        api("nomad", raw.nomad(), NOMAD_ENV, DEFAULT_NOMAD, base),
        api("consul", raw.consul(), CONSUL_ENV, DEFAULT_CONSUL, base),
        raw.inventory() == null || raw.inventory().isBlank() ? null : base.resolve(raw.inventory()),
        rebuild,
        drain(raw.drain()),
        timeouts(raw.timeouts()),
        new HealthSettings(
            duration(
                raw.health() == null ? null : raw.health().stableFor(), "health.stableFor", "30s")),
        maxParallel(raw.maxParallel()) == null ? 1 : maxParallel(raw.maxParallel()),
        ineligibleHosts(raw.ineligibleHosts()),
        onUnhealthy(raw.onUnhealthy()),
        raw.consulMaintenance() != null && raw.consulMaintenance(),
        lockTtl(raw.lock()),
        OperatorKeys.notifications(raw.notifications()),
        OperatorKeys.metrics(raw.metrics()),
        holds(raw),
        limits(raw),
        update(raw, rebuild));
  }

  // ---- building ahead, rebooting when needed, the last instance (issue 9) ----

  private static OrchestratorConfig.UpdateSettings update(RawConfig raw, RebuildSettings rebuild) {
    OrchestratorConfig.RebootPolicy reboot = OrchestratorConfig.RebootPolicy.ALWAYS;
    if (raw.reboot() != null) {
      reboot =
          switch (raw.reboot().strip()) {
            case "always" -> OrchestratorConfig.RebootPolicy.ALWAYS;
            case "when-needed" -> OrchestratorConfig.RebootPolicy.WHEN_NEEDED;
            default ->
                throw new InvalidInputException(
                    "reboot '" + raw.reboot() + "' is not known: use always or when-needed");
          };
    }
    Integer ahead = raw.prebuild() == null ? null : raw.prebuild().ahead();
    if (ahead != null && ahead < 0) {
      throw new InvalidInputException(
          "prebuild.ahead must be 0 (build while drained) or more, not " + ahead);
    }
    boolean buildsAhead =
        rebuild.executor().equals("ssh") && rebuild.ssh().flake() != null
            || !rebuild.build().isEmpty();
    if (reboot == OrchestratorConfig.RebootPolicy.WHEN_NEEDED && !buildsAhead) {
      throw new InvalidInputException(
          "reboot: when-needed needs an executor that builds first and says whether a reboot is"
              + " needed: the ssh executor with rebuild.ssh.flake, or the command executor with"
              + " rebuild.build and rebuild.switch");
    }
    List<String> allowed = raw.allowLastInstance() == null ? List.of() : raw.allowLastInstance();
    for (String service : allowed) {
      if (service == null || service.isBlank()) {
        throw new InvalidInputException("allowLastInstance holds an empty service name");
      }
    }
    return new OrchestratorConfig.UpdateSettings(
        reboot,
        raw.drainOnSwitch() == null || raw.drainOnSwitch(),
        ahead,
        java.util.Set.copyOf(allowed));
  }

  // ---- failure domains ----

  private static OrchestratorConfig.Limits limits(RawConfig raw) {
    Integer percent = null;
    if (raw.maxParallel() instanceof String text && text.strip().endsWith("%")) {
      String number = text.strip().substring(0, text.strip().length() - 1).strip();
      try {
        percent = Integer.parseInt(number);
      } catch (NumberFormatException e) {
        throw new InvalidInputException(
            "maxParallel must be a number of hosts or a share such as \"10%\", not \""
                + text
                + "\"");
      }
      if (percent < 1 || percent > 100) {
        throw new InvalidInputException(
            "maxParallel as a share must be from 1% to 100%, not \"" + text + "\"");
      }
    }
    RawLimits l = raw.limits();
    return new OrchestratorConfig.Limits(
        percent,
        l == null ? 0 : atLeastOne(l.perDatacenter(), "limits.perDatacenter"),
        l == null ? 0 : atLeastOne(l.perGroup(), "limits.perGroup"),
        overlapWaves(raw.waves()));
  }

  private static boolean overlapWaves(String waves) {
    String value = waves == null ? "strict" : waves.strip().toLowerCase(Locale.ROOT);
    return switch (value) {
      case "strict" -> false;
      case "overlap" -> true;
      default ->
          throw new InvalidInputException(
              "waves '"
                  + waves
                  + "' is not known: use strict (a wave starts once the one before it is done)"
                  + " or overlap (once every host of the one before it has started)");
    };
  }

  private static int atLeastOne(Integer value, String key) {
    if (value == null) {
      return 0;
    }
    if (value < 1) {
      throw new InvalidInputException(key + " must be at least 1, not " + value);
    }
    return value;
  }

  // ---- window, pause and alert gate ----

  private static OrchestratorConfig.HoldSettings holds(RawConfig raw) {
    RawWindow w = raw.window();
    MaintenanceWindow window =
        w == null ? null : MaintenanceWindow.parse(w.days(), w.start(), w.end(), w.timeZone());
    Duration pauseMaxWait =
        positive(
            duration(raw.pause() == null ? null : raw.pause().maxWait(), "pause.maxWait", "1h"),
            "pause.maxWait");
    RawPrometheus p = raw.gates() == null ? null : raw.gates().prometheus();
    return new OrchestratorConfig.HoldSettings(window, pauseMaxWait, p == null ? null : gate(p));
  }

  private static OrchestratorConfig.PrometheusGate gate(RawPrometheus raw) {
    String url = OperatorKeys.httpUrl(raw.url(), "gates.prometheus.url").toString();
    java.util.regex.Pattern filter = null;
    if (raw.alertFilter() != null && !raw.alertFilter().isEmpty()) {
      try {
        filter = java.util.regex.Pattern.compile(raw.alertFilter());
      } catch (java.util.regex.PatternSyntaxException e) {
        throw new InvalidInputException(
            "gates.prometheus.alertFilter is not a regular expression: " + e.getDescription());
      }
    }
    return new OrchestratorConfig.PrometheusGate(
        stripSlash(url),
        filter,
        raw.firingOnly() != null && raw.firingOnly(),
        positive(
            duration(raw.maxWait(), "gates.prometheus.maxWait", "1h"), "gates.prometheus.maxWait"),
        positive(
            duration(raw.interval(), "gates.prometheus.interval", "30s"),
            "gates.prometheus.interval"));
  }

  private ApiSettings api(String key, RawApi raw, ApiEnv names, String fallback, Path base) {
    boolean configured = raw != null && raw.address() != null;
    String address = configured ? raw.address() : env.get(names.address());
    String addressFrom = configured ? key + ".address" : names.address();
    if (address == null || address.isBlank()) {
      address = fallback;
      addressFrom = null;
    } else if (!address.contains("://")) {
      boolean ssl = names == CONSUL_ENV && Boolean.TRUE.equals(envBoolean("CONSUL_HTTP_SSL"));
      address = (ssl ? "https://" : "http://") + address;
    }
    if (address.startsWith("unix://") && names.allowsUnixSocket()) {
      if (!address.startsWith("unix:///") || address.length() == "unix:///".length()) {
        throw new InvalidInputException(
            key
                + ".address '"
                + address
                + "' is not a unix socket address: use unix:///absolute/path/to/api.sock");
      }
    } else if (!address.startsWith("http://") && !address.startsWith("https://")) {
      throw new InvalidInputException(
          key
              + ".address '"
              + address
              + "' is not an http:// or https://"
              + (names.allowsUnixSocket() ? " or unix:// address" : " address"));
    }
    String token = raw != null && raw.token() != null ? raw.token() : env.get(names.token());
    return new ApiSettings(
        stripSlash(address),
        token == null || token.isBlank() ? null : token.strip(),
        tls(key + ".tls", raw == null ? null : raw.tls(), names, base),
        addressFrom);
  }

  private TlsSettings tls(String key, RawTls raw, ApiEnv names, Path base) {
    RawTls t = raw == null ? new RawTls(null, null, null, null, null) : raw;
    PemFile caCert = pemFile(key + ".caCert", t.caCert(), names.caCert(), base);
    PemFile clientCert = pemFile(key + ".clientCert", t.clientCert(), names.clientCert(), base);
    PemFile clientKey = pemFile(key + ".clientKey", t.clientKey(), names.clientKey(), base);
    if (clientCert != null && clientKey == null) {
      throw new InvalidInputException(
          clientCert
              + " is set but no private key for it: set "
              + key
              + ".clientKey or "
              + names.clientKey());
    }
    if (clientKey != null && clientCert == null) {
      throw new InvalidInputException(
          clientKey
              + " is set but no client certificate: set "
              + key
              + ".clientCert or "
              + names.clientCert());
    }
    Boolean skipVerify = t.skipVerify();
    if (skipVerify == null && names == NOMAD_ENV) {
      skipVerify = envBoolean("NOMAD_SKIP_VERIFY");
    } else if (skipVerify == null) {
      Boolean verify = envBoolean("CONSUL_HTTP_SSL_VERIFY");
      skipVerify = verify == null ? null : !verify;
    }
    String serverName = t.serverName() != null ? t.serverName() : env.get(names.serverName());
    return new TlsSettings(
        caCert, clientCert, clientKey, Boolean.TRUE.equals(skipVerify), blankToNull(serverName));
  }

  /** A PEM file from the config (relative to it) or else the environment; it must be readable. */
  private PemFile pemFile(String key, String configured, String envName, Path base) {
    String name = configured != null ? key : envName;
    String value = configured != null ? configured : env.get(envName);
    if (value == null || value.isBlank()) {
      return null;
    }
    Path path = configured != null ? base.resolve(value.strip()) : Path.of(value.strip());
    if (!Files.isRegularFile(path)) {
      throw new InvalidInputException(
          name + ": " + path + (Files.exists(path) ? " is not a file" : " does not exist"));
    }
    if (!Files.isReadable(path)) {
      throw new InvalidInputException(name + ": cannot read " + path);
    }
    return new PemFile(name, path);
  }

  /** A boolean in Go's strconv.ParseBool spelling, as Nomad's and Consul's CLIs read them. */
  private Boolean envBoolean(String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return null;
    }
    return switch (value.strip()) {
      case "1", "t", "T", "true", "TRUE", "True" -> true;
      case "0", "f", "F", "false", "FALSE", "False" -> false;
      default ->
          throw new InvalidInputException(
              name + "='" + value + "' is not a boolean: use true or false");
    };
  }

  private static String stripSlash(String address) {
    return address.endsWith("/") ? address.substring(0, address.length() - 1) : address;
  }

  private RebuildSettings rebuild(RawRebuild raw) {
    RawRebuild r =
        raw == null ? new RawRebuild(null, null, null, null, null, null, null, null) : raw;
    String executor =
        r.executor() == null ? "command" : r.executor().strip().toLowerCase(Locale.ROOT);
    if (!executor.equals("command") && !executor.equals("ssh")) {
      throw new InvalidInputException(
          "rebuild.executor '" + r.executor() + "' is not known: use command or ssh");
    }
    List<String> command = r.command() == null ? List.of() : List.copyOf(r.command());
    if (executor.equals("command") && command.isEmpty()) {
      throw new InvalidInputException(
          "rebuild.command is missing: the command executor needs an argv list, e.g."
              + " [\"/usr/local/bin/rebuild-host\", \"{hostname}\"]");
    }
    if (executor.equals("ssh") && !command.isEmpty()) {
      throw new InvalidInputException(
          "rebuild.command is for the command executor: the ssh executor runs"
              + " rebuild.ssh.remoteCommand on the host; remove one of them");
    }
    List<String> build = r.build() == null ? List.of() : List.copyOf(r.build());
    List<String> switchCommand =
        r.switchCommand() == null ? List.of() : List.copyOf(r.switchCommand());
    if (executor.equals("ssh") && (!build.isEmpty() || !switchCommand.isEmpty())) {
      throw new InvalidInputException(
          "rebuild.build and rebuild.switch are for the command executor: the ssh executor builds"
              + " on the host with nix build and activates what it built");
    }
    if (build.isEmpty() != switchCommand.isEmpty()) {
      throw new InvalidInputException(
          (build.isEmpty()
                  ? "rebuild.switch is set without rebuild.build"
                  : "rebuild.build is set without rebuild.switch")
              + ": give both (an argv list each, with {path} in rebuild.switch and rebuild.command)"
              + " or neither");
    }
    RawSsh s =
        r.ssh() == null ? new RawSsh(null, null, null, null, null, null, null, null) : r.ssh();
    if (s.port() != null && (s.port() < 1 || s.port() > 65535)) {
      throw new InvalidInputException("rebuild.ssh.port " + s.port() + " is not a TCP port");
    }
    SshSettings ssh =
        new SshSettings(
            s.user(),
            s.port(),
            s.identityFile(),
            s.strictHostKeyChecking() == null || s.strictHostKeyChecking(),
            s.knownHostsFile(),
            s.flake(),
            s.remoteCommand() == null ? SshSettings.DEFAULT_REMOTE_COMMAND : s.remoteCommand(),
            s.rollbackRemoteCommand() == null
                ? SshSettings.DEFAULT_ROLLBACK_COMMAND
                : s.rollbackRemoteCommand());
    if (executor.equals("ssh") && ssh.remoteCommand().contains("{flake}") && ssh.flake() == null) {
      throw new InvalidInputException(
          "rebuild.ssh.flake is missing: the remote command uses {flake}, e.g. flake: github:me/lab");
    }
    return new RebuildSettings(
        executor,
        command,
        duration(r.timeout(), "rebuild.timeout", "10m"),
        ssh,
        blankToNull(r.expectRevision()),
        r.rollbackCommand(),
        build,
        switchCommand);
  }

  private static OrchestratorConfig.OnUnhealthy onUnhealthy(String value) {
    if (value == null) {
      return OrchestratorConfig.OnUnhealthy.HALT;
    }
    try {
      return OrchestratorConfig.OnUnhealthy.valueOf(value.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(
          "onUnhealthy '" + value + "' is not known: use halt or rollback");
    }
  }

  /** Nomad accepts lock TTLs from 10s to 24h. */
  private static Duration lockTtl(RawLock raw) {
    Duration ttl = duration(raw == null ? null : raw.ttl(), "lock.ttl", "30s");
    if (ttl.compareTo(Duration.ofSeconds(10)) < 0 || ttl.compareTo(Duration.ofHours(24)) > 0) {
      throw new InvalidInputException(
          "lock.ttl " + Durations.format(ttl) + " is outside what Nomad accepts (10s to 24h)");
    }
    return ttl;
  }

  private DrainSettings drain(RawDrain raw) {
    RawDrain d = raw == null ? new RawDrain(null, null) : raw;
    return new DrainSettings(
        duration(d.deadline(), "drain.deadline", "1h"),
        d.ignoreSystemJobs() == null || d.ignoreSystemJobs());
  }

  private Timeouts timeouts(RawTimeouts raw) {
    RawTimeouts t = raw == null ? new RawTimeouts(null, null, null) : raw;
    return new Timeouts(
        positive(duration(t.drain(), "timeouts.drain", "2h"), "timeouts.drain"),
        positive(duration(t.reboot(), "timeouts.reboot", "20m"), "timeouts.reboot"),
        positive(duration(t.health(), "timeouts.health", "15m"), "timeouts.health"));
  }

  /**
   * {@code maxParallel} as a number of hosts; null when absent or given as a share ("10%", see
   * {@link #limits}).
   */
  private static Integer maxParallel(Object value) {
    if (value == null || value instanceof String text && text.strip().endsWith("%")) {
      return null;
    }
    int number;
    if (value instanceof Integer i) {
      number = i;
    } else if (value instanceof String text && text.strip().matches("-?\\d+")) {
      number = Integer.parseInt(text.strip());
    } else {
      throw new InvalidInputException(
          "maxParallel must be a number of hosts or a share such as \"10%\", not " + value);
    }
    if (number < 1) {
      throw new InvalidInputException("maxParallel must be at least 1, not " + number);
    }
    return number;
  }

  private static IneligibleHosts ineligibleHosts(String value) {
    if (value == null) {
      return IneligibleHosts.SKIP;
    }
    try {
      return IneligibleHosts.valueOf(value.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(
          "ineligibleHosts '" + value + "' is not known: use skip or update");
    }
  }

  private static Duration duration(String text, String where, String fallback) {
    return Durations.parse(text == null ? fallback : text, where);
  }

  private static Duration positive(Duration duration, String where) {
    if (duration.isZero()) {
      throw new InvalidInputException(where + " must be longer than 0s");
    }
    return duration;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  record RawConfig(
      RawApi nomad,
      RawApi consul,
      String inventory,
      RawRebuild rebuild,
      RawDrain drain,
      RawTimeouts timeouts,
      RawHealth health,
      Object maxParallel,
      String ineligibleHosts,
      String onUnhealthy,
      Boolean consulMaintenance,
      RawLock lock,
      @com.fasterxml.jackson.annotation.JsonProperty("notify") List<RawNotify> notifications,
      RawMetrics metrics,
      RawWindow window,
      RawPause pause,
      RawGates gates,
      RawLimits limits,
      String reboot,
      Boolean drainOnSwitch,
      RawPrebuild prebuild,
      List<String> allowLastInstance,
      String waves) {}

  record RawPrebuild(Integer ahead) {}

  record RawLimits(Integer perDatacenter, Integer perGroup) {}

  record RawNotify(String url, String format, List<String> events) {
    @Override
    public String toString() {
      return "RawNotify[format=" + format + ", events=" + events + "]";
    }
  }

  record RawMetrics(Integer port, RawPushgateway pushgateway) {}

  record RawPushgateway(String url, String job) {}

  record RawWindow(List<String> days, String start, String end, String timeZone) {}

  record RawPause(String maxWait) {}

  record RawGates(RawPrometheus prometheus) {}

  record RawPrometheus(
      String url, String alertFilter, Boolean firingOnly, String maxWait, String interval) {}

  record RawLock(String ttl) {}

  record RawApi(String address, String token, RawTls tls) {
    @Override
    public String toString() {
      return "RawApi[address=" + address + "]";
    }
  }

  record RawTls(
      String caCert, String clientCert, String clientKey, Boolean skipVerify, String serverName) {}

  record RawRebuild(
      String executor,
      List<String> command,
      String timeout,
      RawSsh ssh,
      String expectRevision,
      List<String> rollbackCommand,
      List<String> build,
      @com.fasterxml.jackson.annotation.JsonProperty("switch") List<String> switchCommand) {}

  record RawSsh(
      String user,
      Integer port,
      String identityFile,
      Boolean strictHostKeyChecking,
      String knownHostsFile,
      String flake,
      String remoteCommand,
      String rollbackRemoteCommand) {}

  record RawDrain(String deadline, Boolean ignoreSystemJobs) {}

  record RawTimeouts(String drain, String reboot, String health) {}

  record RawHealth(String stableFor) {}

  /** The strict Jackson mappers for config and inventory, and the error messages they lead to. */
  static final class Mappers {
    private static final ObjectMapper JSON = strict(new ObjectMapper());
    private static final ObjectMapper YAML = strict(new ObjectMapper(new YAMLFactory()));

    private Mappers() {}

    private static ObjectMapper strict(ObjectMapper mapper) {
      return mapper
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    }

    static <T> T read(Path file, Class<T> type) {
      String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
      ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml") ? YAML : JSON;
      try {
        return mapper.readValue(Files.readAllBytes(file), type);
      } catch (NoSuchFileException e) {
        throw new InvalidInputException(file + " does not exist");
      } catch (JsonProcessingException e) {
        throw new InvalidInputException(file + ": " + describe(e), e);
      } catch (IOException e) {
        throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
      }
    }

    static <T> T readJson(
        String json, String source, com.fasterxml.jackson.core.type.TypeReference<T> type) {
      try {
        return JSON.readValue(json, type);
      } catch (JsonProcessingException e) {
        throw new InvalidInputException(source + ": " + describe(e), e);
      }
    }

    static <T> T read(Path file, com.fasterxml.jackson.core.type.TypeReference<T> type) {
      try {
        return readJson(Files.readString(file), file.toString(), type);
      } catch (NoSuchFileException e) {
        throw new InvalidInputException(file + " does not exist");
      } catch (IOException e) {
        throw new InvalidInputException("cannot read " + file + ": " + e.getMessage(), e);
      }
    }

    static String describe(JsonProcessingException e) {
      String where = e instanceof JsonMappingException m ? path(m) : "";
      String at = where.isEmpty() ? "" : " at " + where;
      if (e instanceof UnrecognizedPropertyException u) {
        String known =
            u.getKnownPropertyIds() == null
                ? ""
                : u.getKnownPropertyIds().stream()
                    .map(Object::toString)
                    .sorted()
                    .collect(Collectors.joining(", "));
        String parent = where.contains(".") ? where.substring(0, where.lastIndexOf('.')) : "";
        return "unknown key '"
            + u.getPropertyName()
            + "'"
            + (parent.isEmpty() ? "" : " in " + parent)
            + (known.isEmpty() ? "" : " (known keys: " + known + ")");
      }
      if (e instanceof MismatchedInputException m) {
        String expected =
            m.getTargetType() == null ? "another type" : simpleType(m.getTargetType());
        return "wrong type" + at + ": expected " + expected;
      }
      if (e.getLocation() != null) {
        return "not valid: "
            + e.getOriginalMessage()
            + " (line "
            + e.getLocation().getLineNr()
            + ", column "
            + e.getLocation().getColumnNr()
            + ")";
      }
      return "not valid" + at + ": " + e.getOriginalMessage();
    }

    private static String simpleType(Class<?> type) {
      if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
        return "a whole number";
      }
      if (type == Boolean.class || type == boolean.class) {
        return "true or false";
      }
      if (type == String.class) {
        return "a string";
      }
      if (List.class.isAssignableFrom(type) || type.isArray()) {
        return "a list";
      }
      return "an object (" + type.getSimpleName().replace("Raw", "").toLowerCase(Locale.ROOT) + ")";
    }

    private static String path(JsonMappingException e) {
      StringBuilder out = new StringBuilder();
      for (JsonMappingException.Reference ref : e.getPath()) {
        if (ref.getFieldName() != null) {
          if (out.length() > 0) {
            out.append('.');
          }
          out.append(ref.getFieldName());
        } else if (ref.getIndex() >= 0) {
          out.append('[').append(ref.getIndex()).append(']');
        }
      }
      return out.toString();
    }
  }
}
