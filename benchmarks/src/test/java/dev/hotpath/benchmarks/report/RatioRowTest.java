package dev.hotpath.benchmarks.report;

import static dev.hotpath.benchmarks.report.Comparison.of;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hotpath.benchmarks.report.Comparison.Statistic;
import dev.hotpath.benchmarks.report.RatioRow.Verdict;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RatioRowTest {
  @TempDir Path dir;
  List<Score> scores;

  @BeforeEach
  void readFixture() {
    scores = Fixtures.scores(dir);
  }

  @Test
  void throughputRatioIsHotpathOverPeerWithTheRangeTheErrorBarsAllow() {
    List<RatioRow> rows = RatioRow.of(of("MemoryTierReadBenchmark", "hotpath", "caffeine").goal(0.8), scores);

    // caffeine at keys=65536 has no Hotpath score at that size: only the keys=1024 pair.
    assertThat(rows).singleElement().satisfies(row -> {
      assertThat(row.params()).isEqualTo("keys=1024");
      assertThat(row.ratio()).isCloseTo(19.1 / 38.2, within(1e-9));
      assertThat(row.low()).isCloseTo(18.6 / 39.2, within(1e-9));
      assertThat(row.high()).isCloseTo(19.6 / 37.2, within(1e-9));
      assertThat(row.verdict()).isEqualTo(Verdict.NOT_MET);
    });
  }

  @Test
  void averageTimeRatioIsPeerOverHotpathSoAboveOneIsFaster() {
    List<RatioRow> rows = RatioRow.of(of("LocalLimiterBenchmark", "hotpath", "bucket4j").goal(1.0).atThreads(1), scores);

    assertThat(rows).singleElement().satisfies(row -> {
      assertThat(row.ratio()).isCloseTo(66.0 / 33.0, within(1e-9));
      assertThat(row.low()).isCloseTo(64.0 / 34.0, within(1e-9));
      assertThat(row.verdict()).isEqualTo(Verdict.MET);
    });
  }

  @Test
  void scoresInDifferentUnitsAreComparedInTheSameUnit() {
    // hotpath 52 ns/op, atomicGcra 0.039 us/op = 39 ns/op.
    List<RatioRow> rows = RatioRow.of(of("LocalLimiterBenchmark", "hotpath", "atomicGcra").goal(0.85).atThreads(2), scores);

    assertThat(rows).singleElement().satisfies(row -> {
      assertThat(row.ratio()).isCloseTo(39.0 / 52.0, within(1e-9));
      assertThat(row.verdict()).isEqualTo(Verdict.NOT_MET);
    });
  }

  @Test
  void sampleModePercentilesAreComparedAsTimes() {
    Comparison p50 = of("InvalidationLatencyBenchmark", "writeOnAUntilEvictedOnB", "redisson").on(Statistic.P50);
    Comparison p99 = p50.on(Statistic.P99);

    assertThat(RatioRow.of(p50, scores)).singleElement().satisfies(row -> {
      assertThat(row.ratio()).isCloseTo(338.0 / 169.0, within(1e-9));
      assertThat(row.low()).isNaN();
    });
    assertThat(RatioRow.of(p99, scores).get(0).ratio()).isCloseTo(2300.0 / 4600.0, within(1e-9));
  }

  @Test
  void aParamOnlyThePeerHasGivesOneRowPerValue() {
    List<RatioRow> rows = RatioRow.of(of("EngineBenchmark", "coldHotpath", "coldBaseline"), scores);

    assertThat(rows).extracting(RatioRow::params).containsExactly(
        "baselineThreads=8, bucket4jRefill=GREEDY", "baselineThreads=8, bucket4jRefill=INTERVALLY");
    assertThat(rows).extracting(RatioRow::verdict).containsOnly(Verdict.NO_GOAL);
    assertThat(rows.get(0).ratio()).isCloseTo(13.5 / 9.0, within(1e-9));
  }

  @Test
  void aComparisonWhoseMethodsAreAbsentIsNotRun() {
    List<RatioRow> rows = RatioRow.of(of("RedisTierReadBenchmark", "hotpathGetAll", "lettuceMget").goal(0.9), scores);

    assertThat(rows).singleElement().satisfies(row -> {
      assertThat(row.verdict()).isEqualTo(Verdict.NOT_RUN);
      assertThat(row.ratio()).isNaN();
    });
  }

  @Test
  void aGoalThreadCountThatWasNotRunIsReportedNotRun() {
    List<RatioRow> rows = RatioRow.of(of("LocalLimiterBenchmark", "hotpath", "bucket4j").goal(1.0).atThreads(1, 2), scores);

    assertThat(rows).extracting(RatioRow::threads, RatioRow::verdict)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1, Verdict.MET),
            org.assertj.core.groups.Tuple.tuple(2, Verdict.NOT_RUN));
  }

  @Test
  void everyDeclaredComparisonGivesRowsOnPartialResults() {
    List<RatioRow> rows = RatioRow.of(Comparisons.ALL, scores);

    assertThat(rows).extracting(row -> row.comparison()).containsAll(Comparisons.ALL);
    assertThat(rows).filteredOn(row -> row.verdict() == Verdict.NOT_RUN).isNotEmpty();
  }
}
