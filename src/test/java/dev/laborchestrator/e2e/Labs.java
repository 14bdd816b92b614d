package dev.laborchestrator.e2e;

import dev.laborchestrator.cli.DemoLab;
import dev.laborchestrator.config.HostSpec;
import java.util.List;

/** Inventories the end-to-end suites share. */
final class Labs {
  /** Two plain hosts, {@code a} then {@code b}, one a wave, no dependencies, no reboot delay. */
  static final List<HostSpec> TWO =
      List.of(
          DemoLab.host("a", "app", 1, List.of(), "medium", 0),
          DemoLab.host("b", "app", 2, List.of(), "medium", 0));

  private Labs() {}
}
