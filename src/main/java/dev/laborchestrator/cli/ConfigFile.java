package dev.laborchestrator.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --config} option every command that talks to the cluster takes. */
final class ConfigFile {
  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description = "config file (.yaml, .yml or .json)")
  Path path;
}
