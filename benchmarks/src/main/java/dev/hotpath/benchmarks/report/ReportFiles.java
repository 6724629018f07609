package dev.hotpath.benchmarks.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Turns a results directory (the JMH JSON files and {@code machine.md}) into {@code report.md}
 * and one SVG bar chart per suite (per suite and mode, when a suite mixes modes). Reads nothing
 * but that directory, so a report can be regenerated after a comparison is added.
 */
final class ReportFiles {
  static final String REPORT = "report.md";
  static final String MACHINE = "machine.md";

  private ReportFiles() {}

  /**
   * What a report shows against goals.
   *
   * @param ratios the ratio rows, against peers
   * @param counterGoals the rows of goals on Hotpath's own counters
   */
  record Rows(List<RatioRow> ratios, List<CounterGoal.Row> counterGoals) {}

  /** Writes the report and charts into {@code dir}; returns the rows it shows against goals. */
  static Rows write(Path dir, List<Comparison> comparisons, List<CounterGoal> counterGoals) {
    List<Score> scores = JmhJson.readDirectory(dir);
    List<RatioRow> rows = RatioRow.of(comparisons, scores);
    List<CounterGoal.Row> goalRows = CounterGoal.rows(counterGoals, scores);
    StringBuilder md = new StringBuilder();
    md.append("# Hotpath benchmarks: ").append(dir.getFileName()).append("\n\n");
    md.append("Each suite runs Hotpath beside its peers, their forks in rounds; compare ratios, not absolute numbers. "
        + "A ratio above 1 means Hotpath is faster: Hotpath's score over the peer's for throughput, the "
        + "peer's time over Hotpath's for times. The range is what the two scores' 99.9 % error bars allow.\n\n");
    Path machine = dir.resolve(MACHINE);
    if (Files.exists(machine)) {
      md.append(read(machine).strip()).append("\n\n");
    }
    md.append("## Ratios against each peer\n\n");
    md.append("| Hotpath / peer | threads | params | Hotpath | peer | ratio (range) | goal | |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    for (RatioRow row : rows) {
      md.append("| ").append(row.comparison().title())
          .append(" | ").append(row.threads() == 0 ? "" : row.threads())
          .append(" | ").append(row.params())
          .append(" | ").append(row.hotpath() == null ? "" : scoreText(row.comparison(), row.hotpath()))
          .append(" | ").append(row.peer() == null ? "" : scoreText(row.comparison(), row.peer()))
          .append(" | ").append(ratioText(row))
          .append(" | ").append(goalText(row))
          .append(" | ").append(row.verdict().label)
          .append(" |\n");
    }
    md.append('\n');
    if (!goalRows.isEmpty()) {
      md.append("## Goals on Hotpath's own counters\n\n");
      md.append(COUNTERS_NOTE).append("\n\n");
      md.append(counterGoalTable(goalRows)).append('\n');
    }
    Map<String, List<Score>> bySuite = scores.stream()
        .collect(Collectors.groupingBy(Score::suite, LinkedHashMap::new, Collectors.toList()));
    for (Map.Entry<String, List<Score>> suite : bySuite.entrySet()) {
      md.append("## ").append(suite.getKey()).append("\n\n");
      // One chart per mode: a suite may mix throughput and single-shot times (EngineBenchmark).
      Map<String, List<Score>> byMode = suite.getValue().stream()
          .collect(Collectors.groupingBy(Score::mode, LinkedHashMap::new, Collectors.toList()));
      for (List<Score> group : byMode.values()) {
        String chart = suite.getKey() + (byMode.size() == 1 ? "" : "-" + group.get(0).mode()) + ".svg";
        writeString(dir.resolve(chart), chart(suite.getKey(), group, comparisons));
        md.append("![").append(suite.getKey()).append(" ").append(group.get(0).mode()).append("](").append(chart)
            .append(")\n\n");
      }
      md.append(scoreTable(suite.getValue())).append('\n');
      String counters = secondaryTable(suite.getValue());
      if (!counters.isEmpty()) {
        md.append("Auxiliary counters. ").append(COUNTERS_NOTE).append("\n\n").append(counters).append('\n');
      }
    }
    writeString(dir.resolve(REPORT), md.toString());
    return new Rows(rows, goalRows);
  }

  static final String COUNTERS_NOTE = "A counter's figure is per measured iteration: the mean, and the least–largest "
      + "where the iterations differ (JMH's own score for an event counter is the sum over every iteration and fork).";

  /** Goals on counters, for the report and the README alike; rows that did not run included. */
  static String counterGoalTable(List<CounterGoal.Row> rows) {
    StringBuilder md = new StringBuilder("| Hotpath | threads | params | measured | goal | |\n");
    md.append("|---|---|---|---|---|---|\n");
    for (CounterGoal.Row row : rows) {
      md.append("| ").append(row.goal().title())
          .append(" | ").append(row.threads() == 0 ? "" : row.threads())
          .append(" | ").append(row.params())
          .append(" | ").append(row.measuredText())
          .append(" | ").append(row.goal().limits().isEmpty() ? "" : row.goal().limitsText())
          .append(" | ").append(row.verdict().label)
          .append(" |\n");
    }
    return md.toString();
  }

  /**
   * A table of the secondary metrics of the scores that have any: a column per metric name in
   * the suite, sorted; empty when no score has one.
   */
  static String secondaryTable(List<Score> scores) {
    List<Score> withMetrics = scores.stream().filter(s -> !s.secondary().isEmpty()).toList();
    if (withMetrics.isEmpty()) {
      return "";
    }
    Set<String> names = new TreeSet<>();
    withMetrics.forEach(s -> names.addAll(s.secondary().keySet()));
    StringBuilder md = new StringBuilder("| method | threads | params");
    names.forEach(name -> md.append(" | ").append(name));
    md.append(" |\n|---|---|---").append("|---".repeat(names.size())).append("|\n");
    for (Score s : withMetrics) {
      md.append("| `").append(s.method()).append("` | ").append(s.threads()).append(" | ").append(s.paramsLabel());
      for (String name : names) {
        SecondaryMetric metric = s.secondary().get(name);
        md.append(" | ").append(metric == null ? "" : metric.text());
      }
      md.append(" |\n");
    }
    return md.toString();
  }

  static String ratioText(RatioRow row) {
    if (row.verdict() == RatioRow.Verdict.NOT_RUN) {
      return "not run";
    }
    String range = Double.isNaN(row.low()) ? "" : " (" + Format.number(row.low()) + "–" + Format.number(row.high()) + ")";
    return "**" + Format.ratio(row.ratio()) + "**" + range;
  }

  /** The goal where it applies to the row; a "not run" row shows the goal it leaves unchecked. */
  static String goalText(RatioRow row) {
    boolean applies = row.comparison().hasGoalAt(row.threads())
        || (row.verdict() == RatioRow.Verdict.NOT_RUN && row.comparison().goal() != null);
    return applies ? "≥ " + Format.ratio(row.comparison().goal()) : "";
  }

  private static String scoreText(Comparison comparison, Score score) {
    return Format.score(comparison.statistic().of(score), comparison.statistic().errorOf(score), score.unit());
  }

  private static String scoreTable(List<Score> scores) {
    boolean sampled = scores.stream().anyMatch(s -> !s.percentiles().isEmpty());
    StringBuilder md = new StringBuilder("| method | threads | params | mode | score" + (sampled ? " | p50 | p99" : "") + " |\n");
    md.append("|---|---|---|---|---").append(sampled ? "|---|---" : "").append("|\n");
    for (Score s : scores) {
      md.append("| `").append(s.method()).append("` | ").append(s.threads()).append(" | ").append(s.paramsLabel())
          .append(" | ").append(s.mode()).append(" | ").append(Format.score(s.score(), s.error(), s.unit()));
      if (sampled) {
        md.append(" | ").append(Format.number(s.percentiles().getOrDefault("50.0", Double.NaN)))
            .append(" | ").append(Format.number(s.percentiles().getOrDefault("99.0", Double.NaN)));
      }
      md.append(" |\n");
    }
    return md.toString();
  }

  /**
   * Bars in the results' order, in the first score's unit (one method may set its own output time
   * unit); Hotpath's methods (any comparison's Hotpath side) highlighted.
   */
  static String chart(String suite, List<Score> scores, List<Comparison> comparisons) {
    Set<String> hotpathMethods = new LinkedHashSet<>();
    comparisons.stream().filter(c -> c.suite().equals(suite)).forEach(c -> hotpathMethods.add(c.hotpath()));
    boolean severalThreadCounts = scores.stream().map(Score::threads).distinct().count() > 1;
    Score first = scores.get(0);
    List<SvgBarChart.Bar> bars = new ArrayList<>();
    for (Score s : scores) {
      String label = s.method()
          + (s.params().isEmpty() ? "" : " " + s.paramsLabel())
          + (severalThreadCounts ? ", " + s.threads() + (s.threads() == 1 ? " thread" : " threads") : "");
      double toChartUnit = Units.toPerSecondOrSeconds(s.unit()) / Units.toPerSecondOrSeconds(first.unit());
      bars.add(new SvgBarChart.Bar(label, s.score() * toChartUnit, s.error() * toChartUnit,
          hotpathMethods.contains(s.method())));
    }
    String direction = first.higherIsBetter() ? "higher is better" : "lower is better";
    return SvgBarChart.render(suite + " (" + first.mode() + ")", first.unit() + ", " + direction, bars);
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + file, e);
    }
  }

  static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + file, e);
    }
  }

  static void writeString(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file, e);
    }
  }
}
