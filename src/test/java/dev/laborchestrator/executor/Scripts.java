package dev.laborchestrator.executor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Small {@code /bin/sh} scripts for the executor tests, and a sink that keeps what it receives. */
public final class Scripts {
  private Scripts() {}

  /** Writes {@code #!/bin/sh} plus {@code body} to {@code dir/name}, executable. */
  public static Path write(Path dir, String name, String body) throws IOException {
    Path script = dir.resolve(name);
    Files.writeString(script, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  /** A script that prints each of its arguments on a line of its own. */
  static Path echoArgs(Path dir) throws IOException {
    return write(dir, "echo-args", "for arg in \"$@\"; do printf '%s\\n' \"$arg\"; done");
  }

  /** A script that records that it ran by creating {@code dir/ran}. */
  static Path touchRan(Path dir) throws IOException {
    return write(dir, "touch-ran", "touch '" + dir.resolve("ran") + "'");
  }

  /** A sink that keeps every line, safe to read from the test thread. */
  static final class Lines implements Consumer<String> {
    private final List<String> lines = new ArrayList<>();

    @Override
    public synchronized void accept(String line) {
      lines.add(line);
    }

    synchronized List<String> lines() {
      return List.copyOf(lines);
    }
  }
}
