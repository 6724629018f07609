package dev.hotpath.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarkReportTest {
  @TempDir Path dir;

  @Test
  void fromWritesTheReportAChartPerSuiteAndModeAndTheReadmeTable() throws Exception {
    Path results = dir.resolve("benchmarks/results/2026-11-30");
    Fixtures.copy("jmh-results.json", results.resolve("results.json"));
    Path readme = Fixtures.copy("README-fixture.md", dir.resolve("README.md"));
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    BenchmarkReport.regenerate(BenchmarkReport.Arguments.parse("--from", results.toString(), "--readme", readme.toString()),
        new PrintStream(printed, true, StandardCharsets.UTF_8));

    String report = ReportFiles.read(results.resolve("report.md"));
    assertThat(report)
        .contains("| MemoryTierReadBenchmark `hotpath` / `caffeine` | 1 | keys=1024 | 19.1 ± 0.5 ops/us | 38.2 ± 1 ops/us | **0.50×**")
        .contains("| RedisTierReadBenchmark `hotpathGetAll` / `lettuceMget` |  |  |  |  | not run | ≥ 0.90× | not run |")
        .contains("![LocalLimiterBenchmark avgt](LocalLimiterBenchmark.svg)")
        .contains("## Goals on Hotpath's own counters")
        .contains("| EngineBenchmark `coldHotpath`: time ≤ 1.05× the quota's bound, no 429 | 1 |  | 9 s/op; "
            + "`quotaBoundSeconds` 8.82 (8.8–8.84); `overBound` 1.01; `exchange429` 0 | "
            + "`overBound` ≤ 1.05, `exchange429` ≤ 0 in every iteration | met |")
        .contains("| method | threads | params | exchange418 | exchange429 | failedItems | overBound "
            + "| quotaBoundSeconds | windowsSpanned |")
        .contains("| `coldBaseline` | 1 | baselineThreads=8, bucket4jRefill=GREEDY | 260 | 10 | 1,800 | 3.04 | 8.9 | 1 |");
    // Only EngineBenchmark has counters: the sample-mode percentiles JMH also writes as metrics are not any.
    assertThat(report.split("Auxiliary counters", -1)).hasSize(2);
    try (Stream<Path> files = Files.list(results)) {
      List<String> charts = files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".svg")).sorted().toList();
      assertThat(charts).containsExactly("EngineBenchmark.svg", "InvalidationLatencyBenchmark.svg",
          "LocalLimiterBenchmark.svg", "MemoryTierReadBenchmark.svg");
      for (String chart : charts) {
        assertThat(SvgBarChartTest.parse(ReportFiles.read(results.resolve(chart))).getDocumentElement().getLocalName())
            .isEqualTo("svg");
      }
    }
    assertThat(ReportFiles.read(readme)).contains("(benchmarks/results/2026-11-30/report.md)")
        .contains("| EngineBenchmark `coldHotpath`: time ≤ 1.05× the quota's bound, no 429 | 1 |")
        .contains("Text after the table, kept as it is.");
  }

  @Test
  void aChartShowsEveryBarInTheFirstScoresUnit() throws Exception {
    List<Score> limiter = Fixtures.scores(dir).stream().filter(s -> s.suite().equals("LocalLimiterBenchmark")).toList();

    String svg = ReportFiles.chart("LocalLimiterBenchmark", limiter, Comparisons.ALL);

    // atomicGcra's 0.039 ± 0.001 us/op drawn as nanoseconds, like the others.
    assertThat(SvgBarChartTest.texts(SvgBarChartTest.parse(svg))).contains("ns/op, lower is better", "39 ± 1");
  }

  @Test
  void argumentsDefaultToTodaysResultsDirectory() {
    BenchmarkReport.Arguments arguments = BenchmarkReport.Arguments.parse("--quick", "--include", "Local.*");

    assertThat(arguments.quick()).isTrue();
    assertThat(arguments.include().pattern()).isEqualTo("Local.*");
    assertThat(arguments.out().getParent()).isEqualTo(Path.of("benchmarks", "results"));
    assertThat(arguments.list()).isFalse();
    assertThat(BenchmarkReport.Arguments.parse("--list").list()).isTrue();
  }

  @Test
  void forksAreTwoOrOneWhenQuickUnlessSaid() {
    assertThat(BenchmarkReport.Arguments.parse().forks()).isEqualTo(2);
    assertThat(BenchmarkReport.Arguments.parse("--quick").forks()).isEqualTo(1);
    assertThat(BenchmarkReport.Arguments.parse("--quick", "--forks", "3").forks()).isEqualTo(3);
  }

  @Test
  void theRecordedCommandQuotesWhatTheShellWouldSplitOrExpand() {
    assertThat(BenchmarkReport.shellWords("--quick", "--include", "A|B.(c)$", "--out", "it's"))
        .isEqualTo("--quick --include 'A|B.(c)$' --out 'it'\\''s'");
  }

  @Test
  void badArgumentsAreRefusedWithTheArgumentNamed() throws IOException {
    assertThatThrownBy(() -> BenchmarkReport.Arguments.parse("--fast"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("unknown argument: --fast");
    assertThatThrownBy(() -> BenchmarkReport.Arguments.parse("--include"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("--include needs a value");
    assertThatThrownBy(() -> BenchmarkReport.Arguments.parse("--include", "("))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--include is not a regex");
    assertThatThrownBy(() -> BenchmarkReport.Arguments.parse("--forks", "0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("--forks must be a whole number of at least 1, was 0");
    assertThatThrownBy(() -> BenchmarkReport.Arguments.parse("--forks", "two"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("--forks must be a whole number of at least 1, was two");
    assertThatThrownBy(() -> BenchmarkReport.Arguments.parse("--readme", "README.md"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--readme needs --from");
    Path results = Files.createDirectories(dir.resolve("results"));
    assertThatThrownBy(() -> BenchmarkReport.Arguments.parse("--from", results.toString(), "--quick"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--from regenerates");
    assertThatThrownBy(() -> BenchmarkReport.Arguments.parse("--from", results.toString(), "--forks", "2"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--from regenerates");
  }
}
