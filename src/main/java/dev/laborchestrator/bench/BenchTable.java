package dev.laborchestrator.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The benchmark's one table: a row per figure, a column for the controller under test, one for each
 * baseline (the naive controller when it ran; with builds, the engine without building ahead), the
 * target and whether the controller under test (the first column) met it.
 */
public final class BenchTable {

  /** One controller's run: its figures from the lab's record, and what it cost this JVM. */
  public record Run(Figures figures, long peakHeapBytes, long cpuNanos) {}

  /** One column: its heading and its run (null: skipped, shown as "-"). */
  public record Column(String label, Run run) {}

  private record Row(String name, Function<Run, String> value, Target target) {}

  /** A target on the controller under test: a limit it must stay at or below, or none. */
  private record Target(String text, Function<Run, Boolean> met) {
    static final Target NONE = new Target("", r -> null);
  }

  private final List<Row> rows = new ArrayList<>();

  /** The rows for {@code scenario}: targets depend on maxParallel. */
  public BenchTable(Scenario scenario) {
    boolean inOrder = scenario.parallel() == 1;
    double ratioLimit = inOrder ? 1.05 : 1.15;
    rows.add(row("makespan (s)", r -> seconds(r.figures().makespanMillis()), Target.NONE));
    rows.add(row("lower bound (s)", r -> seconds(r.figures().lowerBoundMillis()), Target.NONE));
    rows.add(
        row(
            "makespan / lower bound",
            r -> String.format(Locale.ROOT, "%.3f", r.figures().ratio()),
            new Target(
                "<= " + ratioLimit + (inOrder ? " (in order)" : " (parallel)"),
                r -> r.figures().ratio() <= ratioLimit)));
    reaction("drain complete -> reboot triggered", Figures::drainToTrigger);
    reaction("checks passed stableFor -> eligible", Figures::stableToEligible);
    rows.add(
        row(
            "HTTP requests per host",
            r -> String.format(Locale.ROOT, "%.1f", r.figures().requestsPerHost()),
            inOrder ? new Target("<= 20", r -> r.figures().requestsPerHost() <= 20) : Target.NONE));
    if (scenario.builds() != null) {
      double scale = scenario.scale();
      rows.add(
          row(
              "mean out of service (s)",
              r -> seconds(Math.round(r.figures().meanOutOfService())),
              Target.NONE));
      rows.add(
          row(
              "mean out of service, lab time (s)",
              r ->
                  String.format(Locale.ROOT, "%.1f", r.figures().meanOutOfService() / scale / 1000),
              Target.NONE));
      rows.add(
          row(
              "hosts switched / rebooted",
              r -> r.figures().switched() + " / " + (r.figures().hosts() - r.figures().switched()),
              Target.NONE));
    }
    rows.add(row("peak heap (MiB)", r -> mib(r.peakHeapBytes()), Target.NONE));
    rows.add(
        row(
            "CPU (s, whole process)",
            r -> String.format(Locale.ROOT, "%.1f", r.cpuNanos() / 1e9),
            Target.NONE));
  }

  private void reaction(String what, Function<Figures, List<Long>> values) {
    for (int p : new int[] {50, 99}) {
      long limit = p == 50 ? 20 : 50;
      rows.add(
          row(
              what + ", p" + p + " (ms)",
              r -> Long.toString(Figures.percentile(values.apply(r.figures()), p)),
              new Target(
                  "<= " + limit, r -> Figures.percentile(values.apply(r.figures()), p) <= limit)));
    }
  }

  private static Row row(String name, Function<Run, String> value, Target target) {
    return new Row(name, value, target);
  }

  /** The table's lines: a column per run, the first the one the targets apply to. */
  public List<String> render(List<Column> columns) {
    Run controller = columns.get(0).run();
    int n = columns.size() + 3;
    List<String[]> cells = new ArrayList<>();
    String[] head = new String[n];
    head[0] = "figure";
    for (int i = 0; i < columns.size(); i++) {
      head[i + 1] = columns.get(i).label();
    }
    head[n - 2] = "target";
    head[n - 1] = "met";
    cells.add(head);
    for (Row row : rows) {
      Boolean met = row.target().met().apply(controller);
      String[] line = new String[n];
      line[0] = row.name();
      for (int i = 0; i < columns.size(); i++) {
        Run run = columns.get(i).run();
        line[i + 1] = run == null ? "-" : row.value().apply(run);
      }
      line[n - 2] = row.target().text().isEmpty() ? "-" : row.target().text();
      line[n - 1] = met == null ? "-" : met ? "yes" : "NO";
      cells.add(line);
    }
    int[] width = new int[n];
    for (String[] line : cells) {
      for (int i = 0; i < line.length; i++) {
        width[i] = Math.max(width[i], line[i].length());
      }
    }
    List<String> lines = new ArrayList<>();
    for (String[] line : cells) {
      StringBuilder out = new StringBuilder("| ");
      for (int i = 0; i < line.length; i++) {
        String cell = line[i];
        out.append(i == 0 ? pad(cell, width[i]) : padLeft(cell, width[i])).append(" | ");
      }
      lines.add(out.toString().stripTrailing());
      if (lines.size() == 1) {
        StringBuilder rule = new StringBuilder("|");
        for (int w : width) {
          rule.append("-".repeat(w + 2)).append('|');
        }
        lines.add(rule.toString());
      }
    }
    return lines;
  }

  /** The targets the controller under test missed, by row name; empty when all are met. */
  public List<String> missed(Run controller) {
    return rows.stream()
        .filter(r -> Boolean.FALSE.equals(r.target().met().apply(controller)))
        .map(
            r ->
                r.name()
                    + " "
                    + r.value().apply(controller)
                    + " (target "
                    + r.target().text()
                    + ")")
        .toList();
  }

  private static String seconds(long millis) {
    return String.format(Locale.ROOT, "%.2f", millis / 1000.0);
  }

  private static String mib(long bytes) {
    return Long.toString(bytes / (1024 * 1024));
  }

  private static String pad(String s, int w) {
    return s + " ".repeat(w - s.length());
  }

  private static String padLeft(String s, int w) {
    return " ".repeat(w - s.length()) + s;
  }
}
