package dev.laborchestrator.executor;

import dev.laborchestrator.port.HostExecutor.Build;
import dev.laborchestrator.port.HostExecutor.ExecutorException;
import java.util.List;

/**
 * Reads what a build printed, by the contract both executors share: the last two non-empty lines of
 * its output (standard output and error merged, in the order written) are
 *
 * <pre>
 * reboot-needed: yes|no
 * /nix/store/...-nixos-system-web-1-...
 * </pre>
 *
 * Anything before them is the build's log. Trailing whitespace on a line is ignored.
 */
final class BuildOutput {
  static final String REBOOT_NEEDED = "reboot-needed: ";
  static final String CONTRACT =
      "its output must end with a line 'reboot-needed: yes' or 'reboot-needed: no' and then a"
          + " line with the store path";

  private BuildOutput() {}

  /**
   * @param what names the build in messages, e.g. {@code "build command for web-1"}
   * @throws ExecutorException when the output does not end as the contract says
   */
  static Build parse(List<String> output, String what) throws ExecutorException {
    List<String> lines =
        output.stream().map(String::stripTrailing).filter(l -> !l.isEmpty()).toList();
    if (lines.size() < 2) {
      throw broken(what, lines.isEmpty() ? "(no output)" : lines.get(0));
    }
    String path = lines.get(lines.size() - 1).strip();
    String reboot = lines.get(lines.size() - 2).strip();
    boolean rebootNeeded;
    if (reboot.equals(REBOOT_NEEDED + "yes")) {
      rebootNeeded = true;
    } else if (reboot.equals(REBOOT_NEEDED + "no")) {
      rebootNeeded = false;
    } else {
      throw broken(what, reboot + " / " + path);
    }
    if (!Build.isStorePath(path)) {
      throw new ExecutorException(
          what
              + " printed "
              + TargetValues.printable(path)
              + " as its store path: an absolute path of letters, digits and + - . _ ? = / is"
              + " expected");
    }
    return new Build(path, rebootNeeded);
  }

  private static ExecutorException broken(String what, String last) {
    return new ExecutorException(
        what + " succeeded but " + CONTRACT + "; it ended with: " + TargetValues.printable(last));
  }
}
