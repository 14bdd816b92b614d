package dev.laborchestrator.executor;

import dev.laborchestrator.config.OrchestratorConfig.SshSettings;
import dev.laborchestrator.port.HostExecutor;
import dev.laborchestrator.port.HostTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Triggers the rebuild over the system OpenSSH client:
 *
 * <pre>{@code
 * ssh -o BatchMode=yes -o StrictHostKeyChecking=yes|no -o ConnectTimeout=10
 *     [-o UserKnownHostsFile=F] [-i identity] [-p port] [-l user] -- <address or hostname> <remote command>
 * }</pre>
 *
 * <p>The local side is an argv list, but <b>the remote side runs the remote command through the
 * login shell of the remote user</b>. Every substituted value is therefore validated and then
 * single-quoted: the cluster's {@code {hostname}}, {@code {nodeId}} and {@code {address}} as
 * described in {@link TargetValues}, and the configured {@code {flake}} against {@code
 * [A-Za-z0-9._:/?=&+~@-]+} (no whitespace, quotes, {@code ;}, {@code $} or backquotes, no leading
 * {@code -}). Because the executor does the quoting, a placeholder must not stand inside quotes or
 * after a backslash in the configured remote command; that is refused when this executor is built.
 * Since the flake is quoted, a {@code ~} in it is not expanded by the remote shell.
 *
 * <p>Exit 0 means the rebuild was triggered. Exit 255 is ssh's own error: when ssh reports that an
 * established connection dropped ("closed by remote host", "Connection reset", "Broken pipe"), the
 * host most likely went down for the reboot the command started, so this returns normally and the
 * engine confirms the reboot (boot id, revision) as it always does. When ssh reports that it never
 * got to run the command ("Connection refused", "Could not resolve hostname", "Permission denied",
 * "Host key verification failed", a failed key exchange) or says nothing recognisable, it is a
 * failure. Any other exit code is the remote command's and is a failure.
 *
 * <p>With {@code rebuild.ssh.flake} set, the executor also {@linkplain #buildsAhead() builds
 * ahead}: {@link #build} evaluates and builds the host's system on the host once, with {@code nix
 * build}, and {@link #activate} activates exactly the store path it printed, never evaluating the
 * flake again. These run fixed scripts in which only the validated hostname, flake and store path
 * are substituted, each quoted by {@link ShellQuote}. The remote user must be root, as for {@code
 * nixos-rebuild boot}.
 */
public final class SshExecutor implements HostExecutor {
  /** The OpenSSH client as found on {@code PATH}. */
  public static final String DEFAULT_SSH_PROGRAM = "ssh";

  static final String FLAKE = "flake";
  static final List<String> PLACEHOLDERS =
      List.of(TargetValues.HOSTNAME, FLAKE, TargetValues.NODE_ID, TargetValues.ADDRESS);

  private static final Logger LOG = LoggerFactory.getLogger(SshExecutor.class);
  private static final int SSH_ERROR = 255;
  private static final int BUILD_FAILED = 1;

  /** The out-link of the staged system, a GC root until activation makes it a generation. */
  static final String STAGED_ROOT = "/nix/var/nix/gcroots/lab-orchestrator-staged";

  /** What the host prints right before {@code systemctl reboot}. */
  static final String REBOOTING = "lab-orchestrator: boot entry set, rebooting";

  private static final Pattern FLAKE_PATTERN =
      Pattern.compile("[A-Za-z0-9._:/?=&+~@][A-Za-z0-9._:/?=&+~@-]*");
  private static final Pattern USER_PATTERN = Pattern.compile("[A-Za-z0-9._][A-Za-z0-9._-]*");
  private static final Pattern NO_SPACE_OR_QUOTE = Pattern.compile("[^\\s\"'\\\\]+");
  private static final List<String> KEY_EXCHANGE_FAILED =
      List.of("exchange_identification", "banner exchange");
  private static final List<String> FAILED_BEFORE_RUNNING =
      List.of(
          "connection refused",
          "could not resolve hostname",
          "permission denied",
          "host key verification failed",
          "remote host identification has changed",
          "no route to host",
          "network is unreachable",
          "connection timed out",
          "operation timed out",
          "too many authentication failures",
          "unable to negotiate");
  private static final List<String> DROPPED_WHILE_RUNNING =
      List.of(
          "closed by remote host",
          "connection reset",
          "broken pipe",
          "client_loop: send disconnect",
          "not responding");

  private final List<String> sshOptions;
  private final Template remoteCommand;
  private final Template rollbackCommand;
  private final String flake;
  private final ProcessRunner runner;

  /**
   * @param ssh the ssh settings; a null or blank {@code remoteCommand} means {@link
   *     SshSettings#DEFAULT_REMOTE_COMMAND}
   * @param timeout how long ssh may run before it is killed
   * @param sink receives every output line (ssh's and the remote command's), prefixed {@code
   *     "hostname: "}
   * @param sshProgram the ssh binary, a path or a name looked up on {@code PATH}
   * @throws IllegalArgumentException when a setting is invalid: an unknown or quoted placeholder, a
   *     missing or unsafe flake, a bad port, user or file
   */
  public SshExecutor(SshSettings ssh, Duration timeout, Consumer<String> sink, String sshProgram) {
    if (ssh == null) {
      throw new IllegalArgumentException(
          "the ssh executor needs ssh settings (at least rebuild.ssh.flake)");
    }
    if (sshProgram == null || sshProgram.isBlank()) {
      throw new IllegalArgumentException("the ssh program is not set");
    }
    String command =
        ssh.remoteCommand() == null || ssh.remoteCommand().isBlank()
            ? SshSettings.DEFAULT_REMOTE_COMMAND
            : ssh.remoteCommand();
    this.remoteCommand = Template.parse(command, PLACEHOLDERS, "rebuild.ssh.remoteCommand");
    requireUnquotedPlaceholders(remoteCommand);
    String rollback =
        ssh.rollbackRemoteCommand() == null || ssh.rollbackRemoteCommand().isBlank()
            ? SshSettings.DEFAULT_ROLLBACK_COMMAND
            : ssh.rollbackRemoteCommand();
    this.rollbackCommand =
        Template.parse(rollback, PLACEHOLDERS, "rebuild.ssh.rollbackRemoteCommand");
    requireUnquotedPlaceholders(rollbackCommand);
    boolean usesFlake =
        remoteCommand.names().contains(FLAKE) || rollbackCommand.names().contains(FLAKE);
    this.flake = usesFlake || ssh.flake() != null ? checkedFlake(ssh.flake()) : null;
    this.sshOptions = options(sshProgram, ssh);
    this.runner = new ProcessRunner(timeout, sink);
  }

  /**
   * Like {@link #SshExecutor(SshSettings, Duration, Consumer, String)} with {@code ssh} from {@code
   * PATH}.
   */
  public SshExecutor(SshSettings ssh, Duration timeout, Consumer<String> sink) {
    this(ssh, timeout, sink, DEFAULT_SSH_PROGRAM);
  }

  /** Like {@link #SshExecutor(SshSettings, Duration, Consumer)}, output logged at INFO. */
  public SshExecutor(SshSettings ssh, Duration timeout) {
    this(ssh, timeout, ProcessRunner.loggingSink());
  }

  @Override
  public void rebuildAndReboot(HostTarget target) throws ExecutorException {
    run(remoteCommand, target, "rebuild");
  }

  /**
   * Runs {@code rebuild.ssh.rollbackRemoteCommand}, by default {@code nixos-rebuild boot --rollback
   * && systemctl reboot}.
   */
  @Override
  public void rollback(HostTarget target) throws ExecutorException {
    run(rollbackCommand, target, "rollback");
  }

  /** True when {@code rebuild.ssh.flake} is set: the build needs it. */
  @Override
  public boolean buildsAhead() {
    return flake != null;
  }

  /**
   * Builds the host's system on the host, once, and says whether booting it needs a reboot:
   *
   * <pre>{@code
   * nix build --out-link /nix/var/nix/gcroots/lab-orchestrator-staged --print-out-paths \
   *     '<flake>#nixosConfigurations."<hostname>".config.system.build.toplevel'
   * }</pre>
   *
   * then {@code readlink -f} of the new system's {@code kernel}, {@code initrd} and {@code
   * kernel-modules} against {@code /run/booted-system}'s, as {@code system.autoUpgrade} decides.
   * {@code nix build} rather than {@code nixos-rebuild build}: it prints exactly the store path,
   * leaves no {@code ./result} in whatever directory the remote shell starts in, and its out-link
   * in {@code gcroots} keeps the staged system from a garbage collection until activation makes it
   * a generation of the system profile. Output is by the contract of {@link BuildOutput}; a failed
   * {@code nix build} is a {@link BuildFailedException}.
   */
  @Override
  public Build build(HostTarget target) throws ExecutorException {
    requireFlake();
    String hostname =
        TargetValues.checked(target, Set.of(), "the build over ssh").get(TargetValues.HOSTNAME);
    String installable =
        flake + "#nixosConfigurations.\"" + hostname + "\".config.system.build.toplevel";
    String script =
        "p=$(nix --extra-experimental-features 'nix-command flakes' build --out-link "
            + STAGED_ROOT
            + " --print-out-paths "
            + ShellQuote.quote(installable)
            + ") || { s=$?; [ $s -ge 126 ] && exit $s; exit 1; }; "
            + "n=$(readlink -f \"$p/kernel\" \"$p/initrd\" \"$p/kernel-modules\") && "
            + "b=$(readlink -f /run/booted-system/kernel /run/booted-system/initrd"
            + " /run/booted-system/kernel-modules) || exit 2; "
            + "if [ \"$n\" = \"$b\" ]; then echo 'reboot-needed: no'; else echo 'reboot-needed: yes'; fi; "
            + "printf '%s\\n' \"$p\"";
    String what = what("build", target);
    ProcessRunner.Completion done = runRemote(script, target, "build");
    if (done.exitCode() == BUILD_FAILED) {
      throw new BuildFailedException(
          "the build of " + target.hostname() + " failed on the host: " + lastLineOrNone(done));
    }
    if (done.exitCode() == SSH_ERROR) {
      throw new ExecutorException(
          what
              + " failed, ssh could not run it or lost the connection (exit 255): "
              + lastLineOrNone(done));
    }
    if (done.exitCode() != 0) {
      throw new ExecutorException(
          what + " exited " + done.exitCode() + ": " + lastLineOrNone(done));
    }
    return BuildOutput.parse(done.tail(), what);
  }

  /**
   * Activates exactly {@code build}'s store path: {@code nix-env -p /nix/var/nix/profiles/system
   * --set <path>}, then {@code <path>/bin/switch-to-configuration switch}, or {@code ... boot} and
   * {@code systemctl reboot}. Before the reboot the host prints a marker line; when ssh then exits
   * 255 (the connection went down with the host), the reboot was triggered and this returns
   * normally. Exit 255 without the marker means the reboot was never asked for: a failure.
   */
  @Override
  public void activate(HostTarget target, Build build, boolean reboot) throws ExecutorException {
    requireFlake();
    String path = build.storePath();
    String script =
        "nix-env -p /nix/var/nix/profiles/system --set "
            + ShellQuote.quote(path)
            + " && "
            + ShellQuote.quote(path + "/bin/switch-to-configuration")
            + (reboot
                ? " boot && echo " + ShellQuote.quote(REBOOTING) + " && systemctl reboot"
                : " switch");
    String purpose = reboot ? "boot and reboot" : "switch";
    String what = what(purpose, target);
    ProcessRunner.Completion done = runRemote(script, target, purpose);
    if (done.exitCode() == 0) {
      return;
    }
    if (reboot && done.exitCode() == SSH_ERROR && done.tail().contains(REBOOTING)) {
      LOG.info(
          "{}: ssh lost the connection after the reboot was triggered ({}); to be confirmed",
          target.hostname(),
          lastLineOrNone(done));
      return;
    }
    if (done.exitCode() == SSH_ERROR) {
      throw new ExecutorException(
          what
              + " failed, ssh could not run it or lost the connection before "
              + (reboot ? "the reboot was triggered" : "the switch finished")
              + " (exit 255): "
              + lastLineOrNone(done));
    }
    throw new ExecutorException(what + " exited " + done.exitCode() + ": " + lastLineOrNone(done));
  }

  private void requireFlake() {
    if (flake == null) {
      throw new UnsupportedOperationException(
          "rebuild.ssh.flake is not set: the ssh executor cannot build ahead");
    }
  }

  private void run(Template remote, HostTarget target, String purpose) throws ExecutorException {
    Map<String, String> values =
        TargetValues.checked(target, remote.names(), "the " + purpose + " over ssh");
    values.put(FLAKE, flake);
    String what = what(purpose, target);
    ProcessRunner.Completion done =
        runRemote(remote.render(name -> ShellQuote.quote(values.get(name))), target, purpose);
    if (done.exitCode() == 0) {
      return;
    }
    if (done.exitCode() != SSH_ERROR) {
      throw new ExecutorException(
          what + " exited " + done.exitCode() + ": " + lastLineOrNone(done));
    }
    Optional<String> drop = droppedConnection(done.tail());
    if (drop.isPresent()) {
      LOG.info(
          "{}: ssh lost the connection while the rebuild was running ({}); "
              + "taken as the reboot starting, to be confirmed",
          target.hostname(),
          drop.get());
      return;
    }
    throw new ExecutorException(
        what + " failed, ssh could not run the command (exit 255): " + lastLineOrNone(done));
  }

  /**
   * Runs {@code command} through the remote user's shell on the host's address (or hostname).
   *
   * @param purpose names the action in messages, e.g. {@code "build"}
   */
  private ProcessRunner.Completion runRemote(String command, HostTarget target, String purpose)
      throws ExecutorException {
    boolean hasAddress = target.address() != null && !target.address().isBlank();
    String key = hasAddress ? TargetValues.ADDRESS : TargetValues.HOSTNAME;
    String host =
        TargetValues.checked(target, Set.of(key), "the " + purpose + " over ssh").get(key);
    List<String> argv = new ArrayList<>(sshOptions);
    argv.add(host);
    argv.add(command);
    return runner.run(argv, target.hostname(), what(purpose, target));
  }

  private static String what(String purpose, HostTarget target) {
    return purpose + " over ssh for " + target.hostname();
  }

  /**
   * The line saying an established connection dropped, when that is the last thing ssh reported;
   * empty when ssh failed before running anything or said nothing recognisable.
   */
  private static Optional<String> droppedConnection(List<String> output) {
    if (output.stream().anyMatch(line -> containsAny(line, KEY_EXCHANGE_FAILED))) {
      return Optional.empty();
    }
    for (int i = output.size() - 1; i >= 0; i--) {
      String line = output.get(i);
      if (containsAny(line, FAILED_BEFORE_RUNNING)) {
        return Optional.empty();
      }
      if (containsAny(line, DROPPED_WHILE_RUNNING)) {
        return Optional.of(line);
      }
    }
    return Optional.empty();
  }

  private static boolean containsAny(String line, List<String> markers) {
    String lower = line.toLowerCase(Locale.ROOT);
    return markers.stream().anyMatch(lower::contains);
  }

  private static String lastLineOrNone(ProcessRunner.Completion done) {
    return done.tail().isEmpty() ? "(no output)" : done.lastLine();
  }

  private static List<String> options(String sshProgram, SshSettings ssh) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                sshProgram,
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=" + (ssh.strictHostKeyChecking() ? "yes" : "no"),
                "-o",
                "ConnectTimeout=10"));
    if (ssh.knownHostsFile() != null) {
      require(
          NO_SPACE_OR_QUOTE.matcher(ssh.knownHostsFile()).matches(),
          "rebuild.ssh.knownHostsFile must be a path without whitespace, quotes or backslashes, got '"
              + ssh.knownHostsFile()
              + "'");
      argv.addAll(List.of("-o", "UserKnownHostsFile=" + ssh.knownHostsFile()));
    }
    if (ssh.identityFile() != null) {
      require(!ssh.identityFile().isBlank(), "rebuild.ssh.identityFile is blank");
      argv.addAll(List.of("-i", ssh.identityFile()));
    }
    if (ssh.port() != null) {
      require(
          ssh.port() >= 1 && ssh.port() <= 65535,
          "rebuild.ssh.port must be 1..65535, got " + ssh.port());
      argv.addAll(List.of("-p", Integer.toString(ssh.port())));
    }
    if (ssh.user() != null) {
      require(
          USER_PATTERN.matcher(ssh.user()).matches(),
          "rebuild.ssh.user must be letters, digits, '.', '_' and '-', not starting with '-', got '"
              + ssh.user()
              + "'");
      argv.addAll(List.of("-l", ssh.user()));
    }
    argv.add("--");
    return List.copyOf(argv);
  }

  private static String checkedFlake(String flake) {
    require(
        flake != null && !flake.isBlank(),
        "rebuild.ssh.remoteCommand uses {flake} but rebuild.ssh.flake is not set");
    require(
        FLAKE_PATTERN.matcher(flake).matches(),
        "rebuild.ssh.flake '"
            + flake
            + "' is refused: the remote shell sees it, so it may only contain letters, digits"
            + " and . _ : / ? = & + ~ @ - (not first), no whitespace, quotes, ';', '$' or '#'");
    return flake;
  }

  /**
   * A placeholder inside quotes or after a backslash would break out of the quotes this executor
   * adds.
   */
  private static void requireUnquotedPlaceholders(Template template) {
    for (Template.Placeholder placeholder : template.placeholders()) {
      require(
          !quotedAt(template.text(), placeholder.start()),
          "rebuild.ssh.remoteCommand quotes {"
              + placeholder.name()
              + "}: leave placeholders unquoted,"
              + " the executor quotes the values itself");
    }
  }

  private static boolean quotedAt(String text, int position) {
    char quote = 0;
    for (int i = 0; i < position; i++) {
      char c = text.charAt(i);
      if (quote == '\'') {
        quote = c == '\'' ? 0 : quote;
      } else if (c == '\\') {
        if (++i == position) {
          return true;
        }
      } else if (quote == '"') {
        quote = c == '"' ? 0 : quote;
      } else if (c == '\'' || c == '"') {
        quote = c;
      }
    }
    return quote != 0;
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
