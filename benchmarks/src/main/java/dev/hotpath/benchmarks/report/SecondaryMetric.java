package dev.hotpath.benchmarks.report;

import java.util.List;

/**
 * One of a result's secondary metrics, such as an {@code @AuxCounters} field, as each measured
 * iteration reported it.
 *
 * <p>Per iteration because JMH's own score for an event counter ({@code AuxCounters.Type.EVENTS})
 * is the sum over every iteration of every fork: two forks of a single-shot benchmark report twice
 * the one batch's count.
 *
 * @param unit JMH's unit: {@code #} for an event counter, else a rate such as {@code ops/s}
 * @param iterations each measured iteration's value, forks in order (JMH's {@code rawData}); an
 *     iteration that did not report the metric has no entry (JMH writes none), and a value JMH wrote
 *     as {@code "NaN"}, {@code "+INF"} or {@code "-INF"} is NaN or an infinity
 */
record SecondaryMetric(String unit, List<Double> iterations) {

  SecondaryMetric {
    iterations = List.copyOf(iterations);
  }

  double mean() {
    return iterations.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  /** The largest iteration's value: what an "at most" goal is checked against. */
  double max() {
    return iterations.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  double min() {
    return iterations.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  /**
   * The mean per iteration, then the least and largest where they print differently: {@code 0},
   * {@code 1.01}, {@code 8.76 (8.71–8.81)}; with the unit unless it is JMH's {@code #}.
   */
  String text() {
    String low = Format.number(min());
    String high = Format.number(max());
    String value = Format.number(mean()) + (low.equals(high) ? "" : " (" + low + "–" + high + ")");
    return "#".equals(unit) || unit.isEmpty() ? value : value + " " + unit;
  }
}
