package dev.laborchestrator.cli;

import dev.laborchestrator.port.Allocation;
import dev.laborchestrator.port.RolloutLock;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who this controller is, as written into the lock ({@code pid=… host=… alloc=…}), and whether a
 * recorded holder is provably dead: a holder that ran outside Nomad on this same host whose process
 * no longer exists, or one whose Nomad allocation has ended. Anything else waits for the lock's
 * TTL.
 */
final class LockHolder {
  private static final Set<String> TERMINAL = Set.of("complete", "failed", "lost");
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

  /**
   * Why a holder that ran inside Nomad is provably dead, if it is: its allocation ({@code alloc=…})
   * is client-terminal, {@code complete}, {@code failed} or {@code lost} (nomad/structs/structs.go
   * {@code ClientTerminalStatus}), and a terminal allocation never runs again. An allocation Nomad
   * does not show (404) proves nothing: Nomad answers 404 alike for a garbage-collected allocation
   * and for one in a namespace the token may not read, or one of another region
   * (nomad/alloc_endpoint.go GetAlloc), so such a holder waits for the TTL.
   */
  static Optional<String> deadInNomad(
      RolloutLock.Holder holder, Function<String, Optional<Allocation>> readAllocation) {
    Matcher m = FORMAT.matcher(holder.holder());
    if (!m.matches() || "-".equals(m.group(3))) {
      return Optional.empty();
    }
    return readAllocation
        .apply(m.group(3))
        .filter(a -> TERMINAL.contains(a.clientStatus()))
        .map(a -> "its Nomad allocation " + a.id() + " is " + a.clientStatus());
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
