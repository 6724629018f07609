package dev.hotpath.benchmarks.report;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One result of a JMH run: one benchmark method at one set of {@code @Param} values and one thread
 * count, as JMH's JSON reports it.
 *
 * @param suite the benchmark class's simple name, such as {@code LocalLimiterBenchmark}
 * @param method the benchmark method, such as {@code hotpath}
 * @param mode JMH's short mode name: {@code thrpt}, {@code avgt}, {@code sample} or {@code ss}
 * @param params the {@code @Param} values, sorted by name; empty when the benchmark has none
 * @param score the primary metric's score, in {@code unit}
 * @param error the half-width of its 99.9 % confidence interval, in {@code unit}; NaN when JMH had
 *     too few iterations to compute one
 * @param unit JMH's score unit, such as {@code ops/us} or {@code ns/op}
 * @param percentiles for sample mode, the score at each percentile (keys such as {@code 50.0});
 *     empty otherwise
 * @param secondary the secondary metrics by name (the {@code @AuxCounters} fields, profilers'
 *     figures), sorted by name; empty when there are none
 */
record Score(
    String suite,
    String method,
    String mode,
    int threads,
    Map<String, String> params,
    double score,
    double error,
    String unit,
    Map<String, Double> percentiles,
    Map<String, SecondaryMetric> secondary) {

  Score {
    params = Map.copyOf(new TreeMap<>(params));
    percentiles = Map.copyOf(percentiles);
    secondary = Collections.unmodifiableSortedMap(new TreeMap<>(secondary));
  }

  /** True for throughput, where a higher score is better; for every time mode a lower one is. */
  boolean higherIsBetter() {
    return "thrpt".equals(mode);
  }

  /** The score in seconds per operation or operations per second, whichever the unit is about. */
  double normalized(double value) {
    return value * Units.toPerSecondOrSeconds(unit);
  }

  /** {@code a=1, b=x}, sorted by name; empty when there are no params. */
  String paramsLabel() {
    return label(params);
  }

  static String label(Map<String, String> params) {
    return new TreeMap<>(params).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", "));
  }
}
