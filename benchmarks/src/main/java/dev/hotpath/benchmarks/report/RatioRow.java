package dev.hotpath.benchmarks.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One line of the ratio table: a {@link Comparison} at one thread count and set of params.
 *
 * @param threads the thread count both sides ran at
 * @param params both sides' params, such as {@code keys=1024}; empty when they have none
 * @param hotpath Hotpath's score; null when not run
 * @param peer the peer's score; null when not run
 * @param ratio above 1 when Hotpath is faster, whatever the mode; NaN when not run
 * @param low the least ratio the two scores' error bars allow; NaN when JMH gave no error
 * @param high the largest; may be infinite when the peer's error bar reaches zero
 */
record RatioRow(
    Comparison comparison,
    int threads,
    String params,
    Score hotpath,
    Score peer,
    double ratio,
    double low,
    double high,
    Verdict verdict) {

  enum Verdict {
    MET("met"),
    NOT_MET("not met"),
    NO_GOAL("no goal"),
    NOT_RUN("not run");

    final String label;

    Verdict(String label) {
      this.label = label;
    }
  }

  /**
   * The rows of {@code comparison} in {@code scores}: one per pair of Hotpath and peer results at
   * the same thread count whose shared params agree, and a "not run" row for each goal thread
   * count without one (or a single one when nothing at all was run).
   */
  static List<RatioRow> of(Comparison comparison, List<Score> scores) {
    List<RatioRow> rows = new ArrayList<>();
    for (Score hotpath : scoresOf(comparison.suite(), comparison.hotpath(), scores)) {
      for (Score peer : scoresOf(comparison.suite(), comparison.peer(), scores)) {
        if (hotpath.threads() == peer.threads()
            && hotpath.mode().equals(peer.mode())
            && sharedParamsAgree(hotpath.params(), peer.params())) {
          rows.add(compared(comparison, hotpath, peer));
        }
      }
    }
    Set<Integer> missing = new TreeSet<>(comparison.goal() == null ? Set.of() : comparison.goalThreads());
    rows.forEach(row -> missing.remove(row.threads()));
    if (rows.isEmpty() && missing.isEmpty()) {
      rows.add(notRun(comparison, 0));
    }
    missing.forEach(threads -> rows.add(notRun(comparison, threads)));
    rows.sort(Comparator.comparingInt(RatioRow::threads).thenComparing(RatioRow::params));
    return rows;
  }

  /** Every row of every comparison, in the comparisons' order. */
  static List<RatioRow> of(List<Comparison> comparisons, List<Score> scores) {
    List<RatioRow> rows = new ArrayList<>();
    comparisons.forEach(comparison -> rows.addAll(of(comparison, scores)));
    return rows;
  }

  private static List<Score> scoresOf(String suite, String method, List<Score> scores) {
    return scores.stream().filter(s -> s.suite().equals(suite) && s.method().equals(method)).toList();
  }

  /** A param only one side has (the baseline's pool size, say) does not stop the pairing. */
  private static boolean sharedParamsAgree(Map<String, String> a, Map<String, String> b) {
    return a.entrySet().stream().allMatch(e -> !b.containsKey(e.getKey()) || b.get(e.getKey()).equals(e.getValue()));
  }

  private static RatioRow compared(Comparison comparison, Score hotpath, Score peer) {
    double h = hotpath.normalized(comparison.statistic().of(hotpath));
    double p = peer.normalized(comparison.statistic().of(peer));
    double hError = hotpath.normalized(comparison.statistic().errorOf(hotpath));
    double pError = peer.normalized(comparison.statistic().errorOf(peer));
    // Throughput: more is faster, so Hotpath's over the peer's; a time: the peer's over Hotpath's.
    boolean throughput = hotpath.higherIsBetter();
    double numerator = throughput ? h : p;
    double denominator = throughput ? p : h;
    double numeratorError = throughput ? hError : pError;
    double denominatorError = throughput ? pError : hError;
    double ratio = numerator / denominator;
    double low = Double.NaN;
    double high = Double.NaN;
    if (!Double.isNaN(numeratorError) && !Double.isNaN(denominatorError)) {
      low = (numerator - numeratorError) / (denominator + denominatorError);
      high = denominator > denominatorError
          ? (numerator + numeratorError) / (denominator - denominatorError)
          : Double.POSITIVE_INFINITY;
    }
    Map<String, String> params = new TreeMap<>(peer.params());
    params.putAll(hotpath.params());
    Verdict verdict;
    if (Double.isNaN(ratio)) {
      verdict = Verdict.NOT_RUN;
    } else if (!comparison.hasGoalAt(hotpath.threads())) {
      verdict = Verdict.NO_GOAL;
    } else {
      verdict = ratio >= comparison.goal() ? Verdict.MET : Verdict.NOT_MET;
    }
    return new RatioRow(comparison, hotpath.threads(), Score.label(params), hotpath, peer, ratio, low, high, verdict);
  }

  private static RatioRow notRun(Comparison comparison, int threads) {
    return new RatioRow(comparison, threads, "", null, null, Double.NaN, Double.NaN, Double.NaN, Verdict.NOT_RUN);
  }
}
