package dev.hotpath.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JmhJsonTest {
  @TempDir Path dir;

  @Test
  void readsEveryResultWithItsSuiteMethodThreadsParamsAndUnit() {
    List<Score> scores = Fixtures.scores(dir);

    assertThat(scores).hasSize(12);
    Score hotpath = scores.get(0);
    assertThat(hotpath).isEqualTo(new Score("MemoryTierReadBenchmark", "hotpath", "thrpt", 1,
        Map.of("keys", "1024"), 19.1, 0.5, "ops/us", Map.of(), Map.of()));
  }

  @Test
  void anErrorJmhCouldNotComputeIsNaN() {
    Score cold = Fixtures.score(Fixtures.scores(dir), "EngineBenchmark", "coldHotpath");

    assertThat(cold.error()).isNaN();
    assertThat(cold.score()).isEqualTo(9.0);
  }

  @Test
  void sampleModeKeepsItsPercentiles() {
    Score sampled = Fixtures.score(Fixtures.scores(dir), "InvalidationLatencyBenchmark", "redisson");

    assertThat(sampled.percentiles()).containsEntry("50.0", 338.0).containsEntry("99.0", 2300.0);
  }

  @Test
  void auxCountersAreReadPerMeasuredIterationOfEveryFork() {
    Score cold = Fixtures.score(Fixtures.scores(dir), "EngineBenchmark", "coldHotpath");

    assertThat(cold.secondary()).containsOnlyKeys(
        "exchange418", "exchange429", "failedItems", "overBound", "quotaBoundSeconds", "windowsSpanned");
    // JMH's score for it is the sum, 17.64: not one batch's bound.
    assertThat(cold.secondary().get("quotaBoundSeconds")).isEqualTo(new SecondaryMetric("#", List.of(8.8, 8.84)));
  }

  @Test
  void sampleModesPercentileMetricsAreNotTakenForCounters() {
    Score sampled = Fixtures.score(Fixtures.scores(dir), "InvalidationLatencyBenchmark", "redisson");

    assertThat(sampled.secondary()).isEmpty();
  }

  @Test
  void jmhsStringsForNaNAndInfinityAreReadAsDoubles() throws Exception {
    // JMH 1.37's JSONResultFormat.emit writes NaN and the infinities as these strings.
    String json = """
        [{"benchmark": "dev.hotpath.benchmarks.EngineBenchmark.coldHotpath", "mode": "ss", "threads": 1,
          "primaryMetric": {"score": "+INF", "scoreError": "-INF", "scoreUnit": "s/op"},
          "secondaryMetrics": {"overBound": {"score": "NaN", "scoreUnit": "#",
            "rawData": [["+INF", "-INF"], ["NaN", 2.0]]}}}]
        """;

    Score score = JmhJson.parse(new ObjectMapper().readTree(json)).get(0);

    assertThat(score.score()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(score.error()).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(score.secondary().get("overBound").iterations())
        .containsExactly(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 2.0);
  }
}
