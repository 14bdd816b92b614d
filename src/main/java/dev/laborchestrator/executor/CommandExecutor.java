package dev.laborchestrator.executor;

import dev.laborchestrator.port.HostExecutor;
import dev.laborchestrator.port.HostTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Triggers the rebuild by running a configured program, e.g. {@code ["curl", "-fsS", "-X", "POST",
 * "http://deployer/reboot/{hostname}"]}.
 *
 * <p>The argv is run as-is, without a shell: each template element stays exactly one argument, so
 * spaces, {@code ;} or {@code $(...)} written in the template are passed literally. The
 * placeholders {@code {hostname}}, {@code {nodeId}} and {@code {address}} may stand anywhere inside
 * an element; the values come from the cluster and are validated before substitution (see {@link
 * TargetValues}): a host whose value is refused gets nothing run. Exit 0 means the rebuild was
 * triggered.
 *
 * <p>With {@code rebuild.build} and {@code rebuild.switch} configured, the executor {@linkplain
 * #buildsAhead() builds ahead}: {@code rebuild.build} builds and stages the system and prints it by
 * the contract of {@link BuildOutput} (exit 0 built, 1 the build failed, anything else could not
 * run); {@code rebuild.command} (boot it and reboot) and {@code rebuild.switch} (switch to it now)
 * then activate exactly that system, given to them as {@code {path}}. Both must use {@code {path}},
 * so that what is activated is provably what was built.
 */
public final class CommandExecutor implements HostExecutor {
  static final String PATH = "path";
  static final List<String> PLACEHOLDERS =
      List.of(TargetValues.HOSTNAME, TargetValues.NODE_ID, TargetValues.ADDRESS);
  private static final List<String> WITH_PATH =
      List.of(TargetValues.HOSTNAME, TargetValues.NODE_ID, TargetValues.ADDRESS, PATH);
  private static final int BUILD_FAILED = 1;

  private final Command rebuild;
  private final Command rollback;
  private final Command build;
  private final Command switchTo;
  private final ProcessRunner runner;

  /** One parsed argv template and the placeholders it uses. */
  private record Command(List<Template> argv, Set<String> used, String key, String label) {
    static Command parse(List<String> argv, String key, String label) {
      List<Template> parsed = new ArrayList<>();
      Set<String> names = new LinkedHashSet<>();
      for (int i = 0; i < argv.size(); i++) {
        Template template = Template.parse(argv.get(i), WITH_PATH, key + "[" + i + "]");
        parsed.add(template);
        names.addAll(template.names());
      }
      return new Command(List.copyOf(parsed), Set.copyOf(names), key, label);
    }

    static Command parseOptional(List<String> argv, String key, String label) {
      return argv == null || argv.isEmpty() ? null : parse(argv, key, label);
    }

    boolean usesPath() {
      return used.contains(PATH);
    }
  }

  /**
   * @param argv the program and its arguments, with placeholders
   * @param timeout how long the program may run before it and its children are killed
   * @param sink receives every output line (standard output and error merged), prefixed {@code
   *     "hostname: "}
   * @throws IllegalArgumentException when the argv is empty or names an unknown placeholder
   */
  public CommandExecutor(List<String> argv, Duration timeout, Consumer<String> sink) {
    this(argv, List.of(), timeout, sink);
  }

  /**
   * @param rollbackArgv the program that boots a host into its previous generation, with the same
   *     placeholders; empty when there is none
   */
  public CommandExecutor(
      List<String> argv, List<String> rollbackArgv, Duration timeout, Consumer<String> sink) {
    this(argv, rollbackArgv, List.of(), List.of(), timeout, sink);
  }

  /**
   * @param buildArgv {@code rebuild.build}: builds and stages a host's system, prints it by the
   *     contract of {@link BuildOutput}; empty when the executor does not build ahead
   * @param switchArgv {@code rebuild.switch}: switches a host to {@code {path}} without a reboot;
   *     given exactly when {@code buildArgv} is
   * @throws IllegalArgumentException also when only one of build and switch is given, when {@code
   *     {path}} is used where there is no path (the build, the rollback, or any command without a
   *     build), or when the rebuild or switch command of a building executor does not use it
   */
  public CommandExecutor(
      List<String> argv,
      List<String> rollbackArgv,
      List<String> buildArgv,
      List<String> switchArgv,
      Duration timeout,
      Consumer<String> sink) {
    Objects.requireNonNull(argv, "argv");
    if (argv.isEmpty()) {
      throw new IllegalArgumentException(
          "the rebuild command is empty: give at least the program to run");
    }
    this.rebuild = Command.parse(argv, "rebuild.command", "rebuild command");
    this.rollback =
        Command.parseOptional(rollbackArgv, "rebuild.rollbackCommand", "rollback command");
    this.build = Command.parseOptional(buildArgv, "rebuild.build", "build command");
    this.switchTo = Command.parseOptional(switchArgv, "rebuild.switch", "switch command");
    if ((build == null) != (switchTo == null)) {
      throw new IllegalArgumentException(
          (build == null
                  ? "rebuild.switch is set without rebuild.build"
                  : "rebuild.build is set without rebuild.switch")
              + ": give both (build ahead, then boot with rebuild.command or switch with rebuild.switch) or neither");
    }
    refusePath(build, "the path is what the build prints");
    refusePath(rollback, "a rollback boots the previous generation");
    if (build == null) {
      refusePath(rebuild, "only a command activating what rebuild.build built has one");
    } else {
      requirePath(rebuild);
      requirePath(switchTo);
    }
    this.runner = new ProcessRunner(timeout, sink);
  }

  private static void refusePath(Command command, String why) {
    if (command != null && command.usesPath()) {
      throw new IllegalArgumentException(
          command.key() + " uses {path}, which it cannot have: " + why);
    }
  }

  private static void requirePath(Command command) {
    if (!command.usesPath()) {
      throw new IllegalArgumentException(
          command.key()
              + " does not use {path}: with rebuild.build set, it must activate exactly the store"
              + " path the build printed, given as {path}");
    }
  }

  /** Like {@link #CommandExecutor(List, Duration, Consumer)}, output logged at INFO. */
  public CommandExecutor(List<String> argv, Duration timeout) {
    this(argv, timeout, ProcessRunner.loggingSink());
  }

  /** Runs {@code rebuild.command}; when the executor builds ahead, builds first and boots that. */
  @Override
  public void rebuildAndReboot(HostTarget target) throws ExecutorException {
    if (build != null) {
      activate(target, build(target), true);
      return;
    }
    check(run(rebuild, target, null), rebuild, target);
  }

  @Override
  public void rollback(HostTarget target) throws ExecutorException {
    if (rollback == null) {
      throw new ExecutorException(
          "no rebuild.rollbackCommand is configured: cannot roll " + target.hostname() + " back");
    }
    check(run(rollback, target, null), rollback, target);
  }

  /** True when {@code rebuild.build} and {@code rebuild.switch} are configured. */
  @Override
  public boolean buildsAhead() {
    return build != null;
  }

  /**
   * Runs {@code rebuild.build}: exit 0 and the output of {@link BuildOutput} is the build, exit 1 a
   * {@link BuildFailedException}, anything else an {@link ExecutorException}.
   */
  @Override
  public Build build(HostTarget target) throws ExecutorException {
    if (build == null) {
      throw new UnsupportedOperationException(
          "rebuild.build is not configured: this executor cannot build ahead");
    }
    ProcessRunner.Completion done = run(build, target, null);
    String what = "build command for " + target.hostname();
    if (done.exitCode() == BUILD_FAILED) {
      throw new BuildFailedException(
          "the build of "
              + target.hostname()
              + " failed (rebuild.build exited 1): "
              + lastLineOrNone(done));
    }
    check(done, build, target);
    return BuildOutput.parse(done.tail(), what);
  }

  /** Runs {@code rebuild.command} (reboot) or {@code rebuild.switch} with {@code {path}}. */
  @Override
  public void activate(HostTarget target, Build built, boolean reboot) throws ExecutorException {
    if (build == null) {
      throw new UnsupportedOperationException(
          "rebuild.build is not configured: this executor cannot build ahead");
    }
    Objects.requireNonNull(built, "build");
    Command command = reboot ? rebuild : switchTo;
    check(run(command, target, built.storePath()), command, target);
  }

  private ProcessRunner.Completion run(Command template, HostTarget target, String path)
      throws ExecutorException {
    Map<String, String> values =
        TargetValues.checked(target, template.used(), "the " + template.label());
    if (path != null) {
      values.put(PATH, path);
    }
    List<String> command = template.argv().stream().map(t -> t.render(values::get)).toList();
    return runner.run(command, target.hostname(), template.label() + " for " + target.hostname());
  }

  private static void check(ProcessRunner.Completion done, Command template, HostTarget target)
      throws ExecutorException {
    if (done.exitCode() != 0) {
      throw new ExecutorException(
          template.label()
              + " for "
              + target.hostname()
              + " exited "
              + done.exitCode()
              + ": "
              + lastLineOrNone(done));
    }
  }

  private static String lastLineOrNone(ProcessRunner.Completion done) {
    return done.tail().isEmpty() ? "(no output)" : done.lastLine();
  }
}
