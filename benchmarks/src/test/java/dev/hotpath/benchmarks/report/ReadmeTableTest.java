package dev.hotpath.benchmarks.report;

import static dev.hotpath.benchmarks.report.Comparison.of;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadmeTableTest {
  private static final ReportFiles.Rows NO_ROWS = new ReportFiles.Rows(List.of(), List.of());

  @TempDir Path dir;

  @Test
  void replacesOnlyWhatLiesBetweenTheMarkers() {
    String readme = ReportFiles.read(Fixtures.copy("README-fixture.md", dir.resolve("README.md")));
    List<Score> scores = Fixtures.scores(dir);
    ReportFiles.Rows rows = new ReportFiles.Rows(RatioRow.of(List.of(
        of("LocalLimiterBenchmark", "hotpath", "bucket4j").goal(1.0).atThreads(1),
        of("RedisTierReadBenchmark", "hotpath", "lettuce").goal(0.9)), scores),
        CounterGoal.rows(Comparisons.COUNTER_GOALS, scores));

    String rewritten = ReadmeTable.rewrite(readme, rows, "benchmarks/results/2026-11-30/report.md");

    int start = readme.indexOf(ReadmeTable.START) + ReadmeTable.START.length();
    int end = readme.indexOf(ReadmeTable.END);
    assertThat(rewritten).startsWith(readme.substring(0, start));
    assertThat(rewritten).endsWith(readme.substring(end));
    String table = rewritten.substring(start, rewritten.indexOf(ReadmeTable.END));
    assertThat(table)
        .doesNotContain("typed")
        .contains("| LocalLimiterBenchmark `hotpath` / `bucket4j` | 1 |  | **2.00×** (1.88–2.13) | ≥ 1.00× | met |")
        .contains("| EngineBenchmark `coldHotpath`: time ≤ 1.05× the quota's bound, no 429 | 1 |  | 9 s/op; "
            + "`quotaBoundSeconds` 8.82 (8.8–8.84); `overBound` 1.01; `exchange429` 0 | "
            + "`overBound` ≤ 1.05, `exchange429` ≤ 0 in every iteration | met |")
        .contains("[benchmarks/results/2026-11-30/report.md](benchmarks/results/2026-11-30/report.md)")
        .contains("1 comparison not run");
  }

  @Test
  void rewritingTwiceGivesTheSameReadme() {
    String readme = ReportFiles.read(Fixtures.copy("README-fixture.md", dir.resolve("README.md")));
    List<Score> scores = Fixtures.scores(dir);
    ReportFiles.Rows rows = new ReportFiles.Rows(RatioRow.of(Comparisons.ALL, scores),
        CounterGoal.rows(Comparisons.COUNTER_GOALS, scores));

    String once = ReadmeTable.rewrite(readme, rows, "report.md");

    assertThat(ReadmeTable.rewrite(once, rows, "report.md")).isEqualTo(once);
  }

  @Test
  void refusesAReadmeWithoutBothMarkersInOrder() {
    assertThatThrownBy(() -> ReadmeTable.rewrite("no markers", NO_ROWS, "report.md"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(ReadmeTable.START);
    assertThatThrownBy(() -> ReadmeTable.rewrite(ReadmeTable.END + "\n" + ReadmeTable.START, NO_ROWS, "report.md"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void linksTheReportRelativeToTheReadme() {
    assertThat(ReadmeTable.link(dir.resolve("README.md"), dir.resolve("benchmarks/results/2026-11-30/report.md")))
        .isEqualTo("benchmarks/results/2026-11-30/report.md");
  }
}
