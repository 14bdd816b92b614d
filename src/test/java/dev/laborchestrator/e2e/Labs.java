package dev.laborchestrator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.cli.DemoLab;
import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.sim.SimEvent;
import dev.laborchestrator.sim.SimLab;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Inventories the end-to-end suites share. */
final class Labs {
  /** Two plain hosts, {@code a} then {@code b}, one a wave, no dependencies, no reboot delay. */
  static final List<HostSpec> TWO =
      List.of(
          DemoLab.host("a", "app", 1, List.of(), "medium", 0),
          DemoLab.host("b", "app", 2, List.of(), "medium", 0));

  private Labs() {}

  /** {@code run --config=<the demo's>} in {@code dir}; no token of the demo shows in its output. */
  static Controller.Run run(Path dir, DemoLab demo) throws IOException, InterruptedException {
    Controller.Run run = Controller.run(dir, Map.of(), "run", "--config=" + demo.config());
    for (String token : demo.tokens()) {
      assertThat(run.all()).as("a token in the output").doesNotContain(token);
    }
    return run;
  }

  /** When the lab first recorded {@code type} for {@code host}; Long.MAX_VALUE if never. */
  static long first(SimLab lab, String host, SimEvent.Type type) {
    return lab.eventsFor(host).stream()
        .filter(e -> e.type() == type)
        .mapToLong(SimEvent::atMillis)
        .min()
        .orElse(Long.MAX_VALUE);
  }

  /** Whether the lab recorded {@code type} for {@code host}. */
  static boolean any(SimLab lab, String host, SimEvent.Type type) {
    return lab.eventsFor(host).stream().anyMatch(e -> e.type() == type);
  }
}
