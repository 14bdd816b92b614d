package dev.laborchestrator.executor;

import dev.laborchestrator.port.HostExecutor.ExecutorException;
import dev.laborchestrator.port.HostTarget;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks the values that come from the cluster (hostname, node id, address) before they are put
 * into an argv or a remote shell command. The patterns admit no whitespace, quotes, shell
 * metacharacters or a leading {@code -} (which a program could read as an option), so a node that
 * registers itself as {@code -oProxyCommand=...} or {@code a;reboot} gets nothing run.
 */
final class TargetValues {
  static final String HOSTNAME = "hostname";
  static final String NODE_ID = "nodeId";
  static final String ADDRESS = "address";

  private static final Pattern HOSTNAME_PATTERN =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,252}");
  private static final Pattern NODE_ID_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,127}");
  private static final Pattern IPV6_PATTERN =
      Pattern.compile(
          "(?=.*:.*:)[0-9A-Fa-f:]{2,39}(?:\\.[0-9]{1,3}){0,3}(?:%[A-Za-z0-9_.-]{1,64})?");

  private TargetValues() {}

  /**
   * The values {@code names} refers to, keyed by placeholder name. The hostname is always checked,
   * since it also names the host in output and messages.
   *
   * @param what the action refused, for the message, e.g. {@code "the rebuild command"}
   * @throws ExecutorException naming the value that was refused and why; nothing has been run
   */
  static Map<String, String> checked(HostTarget target, Set<String> names, String what)
      throws ExecutorException {
    Map<String, String> values = new HashMap<>();
    String hostname = target.hostname();
    values.put(
        HOSTNAME,
        require(
            what,
            HOSTNAME,
            hostname,
            isHostname(hostname),
            "a hostname is letters, digits, '.' and '-', starts with a letter or digit, at most 253 characters"));
    String forHost = what + " for " + hostname;
    if (names.contains(NODE_ID)) {
      values.put(
          NODE_ID,
          require(
              forHost,
              NODE_ID,
              target.nodeId(),
              isNodeId(target.nodeId()),
              "a node id is letters, digits and '-', starts with a letter or digit, at most 128 characters"));
    }
    if (names.contains(ADDRESS)) {
      values.put(
          ADDRESS,
          require(
              forHost,
              ADDRESS,
              target.address(),
              isAddress(target.address()),
              "an address is a hostname, an IPv4 address or an IPv6 literal without brackets or port"));
    }
    return values;
  }

  static boolean isHostname(String value) {
    return value != null && HOSTNAME_PATTERN.matcher(value).matches();
  }

  static boolean isNodeId(String value) {
    return value != null && NODE_ID_PATTERN.matcher(value).matches();
  }

  static boolean isAddress(String value) {
    return isHostname(value) || (value != null && IPV6_PATTERN.matcher(value).matches());
  }

  private static String require(String what, String name, String value, boolean valid, String rule)
      throws ExecutorException {
    if (!valid) {
      throw new ExecutorException(
          "refused to run "
              + what
              + ": "
              + name
              + " "
              + printable(value)
              + " is not acceptable ("
              + rule
              + "); nothing was run");
    }
    return value;
  }

  /** The value quoted for a message, control characters escaped and length bounded. */
  static String printable(String value) {
    if (value == null) {
      return "<missing>";
    }
    StringBuilder out = new StringBuilder("\"");
    value
        .codePoints()
        .limit(80)
        .forEach(
            c -> {
              if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", c));
              } else {
                out.appendCodePoint(c);
              }
            });
    return out.append(value.codePointCount(0, value.length()) > 80 ? "...\"" : "\"").toString();
  }
}
