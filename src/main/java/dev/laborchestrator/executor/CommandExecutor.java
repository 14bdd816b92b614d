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
 */
public final class CommandExecutor implements HostExecutor {
  static final List<String> PLACEHOLDERS =
      List.of(TargetValues.HOSTNAME, TargetValues.NODE_ID, TargetValues.ADDRESS);

  private final Command rebuild;
  private final Command rollback;
  private final ProcessRunner runner;

  /** One parsed argv template and the placeholders it uses. */
  private record Command(List<Template> argv, Set<String> used, String label) {
    static Command parse(List<String> argv, String key, String label) {
      List<Template> parsed = new ArrayList<>();
      Set<String> names = new LinkedHashSet<>();
      for (int i = 0; i < argv.size(); i++) {
        Template template = Template.parse(argv.get(i), PLACEHOLDERS, key + "[" + i + "]");
        parsed.add(template);
        names.addAll(template.names());
      }
      return new Command(List.copyOf(parsed), Set.copyOf(names), label);
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
    Objects.requireNonNull(argv, "argv");
    if (argv.isEmpty()) {
      throw new IllegalArgumentException(
          "the rebuild command is empty: give at least the program to run");
    }
    this.rebuild = Command.parse(argv, "rebuild.command", "rebuild command");
    this.rollback =
        rollbackArgv == null || rollbackArgv.isEmpty()
            ? null
            : Command.parse(rollbackArgv, "rebuild.rollbackCommand", "rollback command");
    this.runner = new ProcessRunner(timeout, sink);
  }

  /** Like {@link #CommandExecutor(List, Duration, Consumer)}, output logged at INFO. */
  public CommandExecutor(List<String> argv, Duration timeout) {
    this(argv, timeout, ProcessRunner.loggingSink());
  }

  @Override
  public void rebuildAndReboot(HostTarget target) throws ExecutorException {
    run(rebuild, target);
  }

  @Override
  public void rollback(HostTarget target) throws ExecutorException {
    if (rollback == null) {
      throw new ExecutorException(
          "no rebuild.rollbackCommand is configured: cannot roll " + target.hostname() + " back");
    }
    run(rollback, target);
  }

  private void run(Command template, HostTarget target) throws ExecutorException {
    Map<String, String> values =
        TargetValues.checked(target, template.used(), "the " + template.label());
    List<String> command = template.argv().stream().map(t -> t.render(values::get)).toList();
    String what = template.label() + " for " + target.hostname();
    ProcessRunner.Completion done = runner.run(command, target.hostname(), what);
    if (done.exitCode() != 0) {
      throw new ExecutorException(
          what
              + " exited "
              + done.exitCode()
              + ": "
              + (done.tail().isEmpty() ? "(no output)" : done.lastLine()));
    }
  }
}
