package dev.laborchestrator.cli;

import dev.laborchestrator.port.RolloutLock;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who this controller is, as written into the lock ({@code pid=… host=… alloc=…}), and whether a
 * recorded holder is provably dead: only a holder that ran outside Nomad on this same host whose
 * process no longer exists. Anything else waits for the lock's TTL.
 */
final class LockHolder {
  private static final Pattern FORMAT = Pattern.compile("pid=(\\d+) host=(\\S+) alloc=(\\S+)");

  private LockHolder() {}

  static String describe(Map<String, String> env) {
    String alloc = env.getOrDefault("NOMAD_ALLOC_ID", "");
    return "pid="
        + ProcessHandle.current().pid()
        + " host="
        + hostname(env)
        + " alloc="
        + (alloc.isBlank() ? "-" : alloc);
  }

  static boolean provablyDead(RolloutLock.Holder holder, Map<String, String> env) {
    Matcher m = FORMAT.matcher(holder.holder());
    if (!m.matches()
        || !"-".equals(m.group(3))
        || !env.getOrDefault("NOMAD_ALLOC_ID", "").isBlank()) {
      return false;
    }
    long pid = Long.parseLong(m.group(1));
    return m.group(2).equals(hostname(env))
        && pid != ProcessHandle.current().pid()
        && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
  }

  private static String hostname(Map<String, String> env) {
    try {
      return Files.readString(Path.of("/etc/hostname")).strip();
    } catch (IOException e) {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (IOException again) {
        return env.getOrDefault("HOSTNAME", "unknown");
      }
    }
  }
}
