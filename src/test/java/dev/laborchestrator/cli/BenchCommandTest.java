package dev.laborchestrator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench command end to end, in-process, on a lab of three hosts: its table, not its timing. */
class BenchCommandTest {

  private record Outcome(int code, String out, String err) {}

  private static Outcome bench(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] line = new String[args.length + 1];
    line[0] = "bench";
    System.arraycopy(args, 0, line, 1, args.length);
    int code =
        Main.run(
            line,
            new Main.Context(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of()));
    return new Outcome(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void printsEveryFigureForBothControllers() {
    Outcome run = bench("--hosts", "3", "--parallel", "2", "--duration", "2s");

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).contains("$ lab-orchestrator bench --hosts 3 --parallel 2 --duration 2s");
    assertThat(run.out()).contains("scale: 1 lab second = ").contains("cores, max heap");
    List<String> table = run.out().lines().filter(l -> l.startsWith("| ")).toList();
    assertThat(table.get(0))
        .contains("lab-orchestrator")
        .contains("naive (2s)")
        .contains("target")
        .contains("met");
    List<String> rows =
        List.of(
            "makespan (s)",
            "lower bound (s)",
            "makespan / lower bound",
            "drain complete -> reboot triggered, p50 (ms)",
            "drain complete -> reboot triggered, p99 (ms)",
            "checks passed stableFor -> eligible, p50 (ms)",
            "checks passed stableFor -> eligible, p99 (ms)",
            "HTTP requests per host",
            "peak heap (MiB)",
            "CPU (s, whole process)");
    for (String row : rows) {
      assertThat(table)
          .as(row)
          .anySatisfy(
              l -> {
                assertThat(l).startsWith("| " + row);
                // figure, both controllers, target, met: five cells, the controllers' filled in.
                String[] cells = l.split("\\|");
                assertThat(cells).hasSize(6);
                assertThat(cells[2].strip()).matches("[0-9.]+");
                assertThat(cells[3].strip()).matches("[0-9.]+");
              });
    }
    assertThat(run.out()).contains("excluded: pre-flight");
  }

  @Test
  void runsWithOverlappingWavesAndOverARecordedRollout() {
    Outcome run =
        bench(
            "--hosts",
            "4",
            "--waves",
            "2",
            "--parallel",
            "2",
            "--duration",
            "2s",
            "--naive",
            "off",
            "--overlap",
            "--history");

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("(lab-orchestrator: waves: overlap)")
        .contains("(lab-orchestrator: a previous rollout recorded, --history)")
        .contains("| makespan / lower bound");
  }

  @Test
  void badInputExitsTwoNamingTheOption() {
    Outcome spread = bench("--spread", "5s-10s");
    assertThat(spread.code()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(spread.err()).contains("--spread");

    Outcome duration = bench("--duration", "soon");
    assertThat(duration.code()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(duration.err()).contains("--duration");
  }

  private static String[] with(String[] base, String... more) {
    String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  @Test
  void malformedBuildFlagsExitTwoNamingTheOption() {
    // Short runs, should the check ever let one start.
    String[] quick = {"--hosts", "1", "--duration", "1s", "--naive", "off"};
    Outcome time = bench(with(quick, "--build-time", "long"));
    assertThat(time.code()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(time.err()).contains("--build-time");

    Outcome share = bench(with(quick, "--no-kernel-change", "most"));
    assertThat(share.code()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(share.err()).contains("--no-kernel-change");

    Outcome reboot = bench(with(quick, "--reboot", "sometimes"));
    assertThat(reboot.code()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(reboot.err()).contains("--reboot");
    assertThat(reboot.out()).doesNotContain("scale:");
  }

  @Test
  void withBuildsBothModesRunSideBySideAndTheSameKernelIsSwitchedOnlyWhenNeeded() {
    Outcome run =
        bench(
            "--hosts",
            "2",
            "--duration",
            "3s",
            "--naive",
            "off",
            "--build-time",
            "20s",
            "--no-kernel-change",
            "50%");

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).contains("builds: 20s per host, lab time; 1 of 2 hosts without kernel");
    List<String> table = run.out().lines().filter(l -> l.startsWith("| ")).toList();
    assertThat(table.get(0))
        .contains("lab-orchestrator --reboot when-needed")
        .contains("lab-orchestrator --no-prebuild --reboot always");
    assertThat(table)
        .anySatisfy(
            l -> {
              String[] cells = l.split("\\|");
              assertThat(cells[1].strip()).isEqualTo("hosts switched / rebooted");
              assertThat(cells[2].strip()).isEqualTo("1 / 1");
              assertThat(cells[3].strip()).isEqualTo("0 / 2");
            });
    assertThat(table)
        .anySatisfy(
            l -> {
              String[] cells = l.split("\\|");
              assertThat(cells[1].strip()).isEqualTo("mean out of service (s)");
              assertThat(cells[2].strip()).matches("[0-9.]+");
              assertThat(cells[3].strip()).matches("[0-9.]+");
            });
  }
}
