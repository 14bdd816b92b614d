package dev.laborchestrator.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The controller's configuration after loading: defaults applied, durations parsed, paths
 * resolved. Tokens are held here and nowhere else; {@link #toString()} of the settings redacts them.
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
    IneligibleHosts ineligibleHosts) {

  /** Address and token of one API. The token never appears in {@link #toString()}. */
  public record ApiSettings(String address, String token) {
    public boolean hasToken() {
      return token != null && !token.isEmpty();
    }

    @Override
    public String toString() {
      return "ApiSettings[address=" + address + ", token=" + (hasToken() ? "<redacted>" : "<none>") + "]";
    }
  }

  /** How a rebuild + reboot is triggered. */
  public record RebuildSettings(
      String executor,
      List<String> command,
      Duration timeout,
      SshSettings ssh,
      String expectRevision) {}

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
      String remoteCommand) {
    public static final String DEFAULT_REMOTE_COMMAND =
        "nixos-rebuild boot --flake {flake}#{hostname} && systemctl reboot";
  }

  public record DrainSettings(Duration deadline, boolean ignoreSystemJobs) {}

  public record Timeouts(Duration drain, Duration reboot, Duration health) {}

  public record HealthSettings(Duration stableFor) {}

  /** What to do with a host an operator had made ineligible before the rollout. */
  public enum IneligibleHosts {
    /** Leave it alone: it is reported as skipped. */
    SKIP,
    /** Update it too, and leave it ineligible afterwards. */
    UPDATE
  }
}
