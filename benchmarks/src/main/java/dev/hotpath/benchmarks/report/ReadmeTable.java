package dev.hotpath.benchmarks.report;

import java.nio.file.Path;
import java.util.List;

/**
 * The README's benchmark table, generated from a results directory: it replaces what lies between
 * {@value #START} and {@value #END} and leaves the rest of the README as it was.
 */
final class ReadmeTable {
  static final String START = "<!-- bench-table:start -->";
  static final String END = "<!-- bench-table:end -->";

  private ReadmeTable() {}

  /**
   * {@code readme} with the text between the markers replaced by a table of {@code rows}' ratios
   * (those that ran), a table of the goals on counters (when there are any) and a link to the
   * report.
   *
   * @param reportLink the report's path relative to the README, such as {@code
   *     benchmarks/results/2026-11-30/report.md}
   * @throws IllegalArgumentException when the markers are missing, repeated or out of order
   */
  static String rewrite(String readme, ReportFiles.Rows rows, String reportLink) {
    int start = readme.indexOf(START);
    int end = readme.indexOf(END);
    if (start < 0 || end < start || readme.indexOf(START, start + 1) >= 0 || readme.indexOf(END, end + 1) >= 0) {
      throw new IllegalArgumentException("the README needs one " + START + " followed by one " + END);
    }
    return readme.substring(0, start + START.length()) + "\n" + table(rows, reportLink) + readme.substring(end);
  }

  static String table(ReportFiles.Rows rows, String reportLink) {
    StringBuilder md = new StringBuilder();
    md.append("| Hotpath / peer | threads | params | ratio (range) | goal | |\n");
    md.append("|---|---|---|---|---|---|\n");
    long notRun = 0;
    for (RatioRow row : rows.ratios()) {
      if (row.verdict() == RatioRow.Verdict.NOT_RUN) {
        notRun++;
        continue;
      }
      md.append("| ").append(row.comparison().title())
          .append(" | ").append(row.threads())
          .append(" | ").append(row.params())
          .append(" | ").append(ReportFiles.ratioText(row))
          .append(" | ").append(ReportFiles.goalText(row))
          .append(" | ").append(row.verdict().label)
          .append(" |\n");
    }
    if (!rows.counterGoals().isEmpty()) {
      md.append('\n').append(ReportFiles.counterGoalTable(rows.counterGoals()));
    }
    md.append("\nGenerated from [").append(reportLink).append("](").append(reportLink)
        .append(") (scores, error bars, charts and the machine)");
    if (notRun > 0) {
      md.append("; ").append(notRun).append(notRun == 1 ? " comparison" : " comparisons").append(" not run there");
    }
    return md.append(".\n").toString();
  }

  /** {@code target} relative to the README's folder, with forward slashes, for a Markdown link. */
  static String link(Path readme, Path target) {
    Path base = readme.toAbsolutePath().normalize().getParent();
    return base.relativize(target.toAbsolutePath().normalize()).toString().replace('\\', '/');
  }
}
