package dev.hotpath.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CounterGoalTest {
  @TempDir Path dir;

  private static final CounterGoal WITHIN_BOUND_NO_429 = CounterGoal.of("EngineBenchmark", "coldBaseline", "bound")
      .showing("quotaBoundSeconds")
      .atMost("overBound", 1.05)
      .atMost("exchange429", 0);

  @Test
  void theColdGoalIsMetWhenEveryIterationIsWithinTheBoundWithoutA429() {
    List<CounterGoal.Row> rows = CounterGoal.rows(Comparisons.COUNTER_GOALS, Fixtures.scores(dir));

    assertThat(rows).singleElement().satisfies(row -> {
      assertThat(row.verdict()).isEqualTo(RatioRow.Verdict.MET);
      assertThat(row.measuredText())
          .isEqualTo("9 s/op; `quotaBoundSeconds` 8.82 (8.8–8.84); `overBound` 1.01; `exchange429` 0");
    });
  }

  @Test
  void eachResultOfTheMethodIsCheckedOnItsOwn() {
    List<CounterGoal.Row> rows = WITHIN_BOUND_NO_429.rows(Fixtures.scores(dir));

    // GREEDY: 3.04 × the bound and ten 429s; INTERVALLY: 1.03–1.04 × and none.
    assertThat(rows).extracting(CounterGoal.Row::params, CounterGoal.Row::verdict).containsExactly(
        tuple("baselineThreads=8, bucket4jRefill=GREEDY", RatioRow.Verdict.NOT_MET),
        tuple("baselineThreads=8, bucket4jRefill=INTERVALLY", RatioRow.Verdict.MET));
  }

  @Test
  void everyIterationMustMeetTheLimitNotTheirMean() {
    // Mean 1.05, within the limit; the second fork's 1.1 is not.
    Score score = cold(Map.of(
        "overBound", new SecondaryMetric("#", List.of(1.0, 1.1)),
        "exchange429", new SecondaryMetric("#", List.of(0.0, 0.0))));

    assertThat(WITHIN_BOUND_NO_429.rows(List.of(score))).singleElement()
        .extracting(CounterGoal.Row::verdict).isEqualTo(RatioRow.Verdict.NOT_MET);
  }

  @Test
  void aMissingCounterLeavesTheGoalUnchecked() {
    Score score = cold(Map.of("overBound", new SecondaryMetric("#", List.of(1.0))));

    CounterGoal.Row row = WITHIN_BOUND_NO_429.rows(List.of(score)).get(0);

    assertThat(row.verdict()).isEqualTo(RatioRow.Verdict.NOT_RUN);
    assertThat(row.measuredText()).contains("`exchange429` missing");
  }

  @Test
  void aMethodThatDidNotRunGivesOneNotRunRow() {
    assertThat(WITHIN_BOUND_NO_429.rows(List.of())).singleElement().satisfies(row -> {
      assertThat(row.verdict()).isEqualTo(RatioRow.Verdict.NOT_RUN);
      assertThat(row.measuredText()).isEqualTo("not run");
    });
  }

  private static Score cold(Map<String, SecondaryMetric> counters) {
    return new Score("EngineBenchmark", "coldBaseline", "ss", 1, Map.of(), 9.0, Double.NaN, "s/op", Map.of(), counters);
  }
}
