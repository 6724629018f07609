package dev.hotpath.benchmarks.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A goal one of Hotpath's benchmarks meets on its own auxiliary counters rather than against a
 * peer, such as the cold batch's time against the least time its quota allows.
 *
 * @param suite the benchmark class's simple name
 * @param method Hotpath's benchmark method
 * @param description the goal in words, as the report states it
 * @param shown counters printed beside the goal for context, not checked
 * @param limits what every measured iteration must show; empty for none
 */
record CounterGoal(String suite, String method, String description, List<String> shown, List<Limit> limits) {

  CounterGoal {
    shown = List.copyOf(shown);
    limits = List.copyOf(limits);
  }

  static CounterGoal of(String suite, String method, String description) {
    return new CounterGoal(suite, method, description, List.of(), List.of());
  }

  CounterGoal showing(String counter) {
    List<String> more = new ArrayList<>(shown);
    more.add(counter);
    return new CounterGoal(suite, method, description, more, limits);
  }

  /** Every measured iteration's {@code counter} must be at most {@code most}. */
  CounterGoal atMost(String counter, double most) {
    List<Limit> more = new ArrayList<>(limits);
    more.add(new Limit(counter, most));
    return new CounterGoal(suite, method, description, shown, more);
  }

  String title() {
    return suite + " `" + method + "`: " + description;
  }

  /** {@code `overBound` ≤ 1.05, `exchange429` ≤ 0 in every iteration}. */
  String limitsText() {
    return limits.stream().map(l -> "`" + l.counter() + "` ≤ " + Format.number(l.most()))
        .collect(Collectors.joining(", ")) + " in every iteration";
  }

  /** One row per result of the method (per thread count and params); one "not run" row when none ran. */
  List<Row> rows(List<Score> scores) {
    List<Row> rows = scores.stream()
        .filter(s -> s.suite().equals(suite) && s.method().equals(method))
        .sorted(Comparator.comparingInt(Score::threads).thenComparing(Score::paramsLabel))
        .map(s -> new Row(this, s, verdict(s)))
        .collect(Collectors.toCollection(ArrayList::new));
    if (rows.isEmpty()) {
      rows.add(new Row(this, null, RatioRow.Verdict.NOT_RUN));
    }
    return rows;
  }

  /** Every row of every goal, in the goals' order. */
  static List<Row> rows(List<CounterGoal> goals, List<Score> scores) {
    return goals.stream().flatMap(goal -> goal.rows(scores).stream()).toList();
  }

  /** Not run when a checked counter is missing (results from before it existed): nothing to judge. */
  private RatioRow.Verdict verdict(Score score) {
    if (limits.isEmpty()) {
      return RatioRow.Verdict.NO_GOAL;
    }
    boolean met = true;
    for (Limit limit : limits) {
      SecondaryMetric metric = score.secondary().get(limit.counter());
      if (metric == null || metric.iterations().isEmpty() || metric.iterations().stream().anyMatch(v -> v.isNaN())) {
        return RatioRow.Verdict.NOT_RUN;
      }
      met &= metric.max() <= limit.most();
    }
    return met ? RatioRow.Verdict.MET : RatioRow.Verdict.NOT_MET;
  }

  /** @param most the largest value any measured iteration may show */
  record Limit(String counter, double most) {}

  /**
   * The goal checked against one result.
   *
   * @param score the result; null when the method was not run
   */
  record Row(CounterGoal goal, Score score, RatioRow.Verdict verdict) {

    int threads() {
      return score == null ? 0 : score.threads();
    }

    String params() {
      return score == null ? "" : score.paramsLabel();
    }

    /**
     * The score, each shown counter, then each checked one, per measured iteration: {@code 8.89
     * s/op; `quotaBoundSeconds` 8.82 (8.8–8.84); `overBound` 1.01; `exchange429` 0}.
     */
    String measuredText() {
      if (score == null) {
        return "not run";
      }
      List<String> parts = new ArrayList<>();
      parts.add(Format.score(score.score(), score.error(), score.unit()));
      List<String> counters = new ArrayList<>(goal.shown());
      goal.limits().forEach(limit -> counters.add(limit.counter()));
      for (String counter : counters) {
        SecondaryMetric metric = score.secondary().get(counter);
        parts.add("`" + counter + "` " + (metric == null ? "missing" : metric.text()));
      }
      return String.join("; ", parts);
    }
  }
}
