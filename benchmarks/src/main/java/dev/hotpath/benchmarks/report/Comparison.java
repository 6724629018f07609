package dev.hotpath.benchmarks.report;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Hotpath's method against a peer's in one suite, with the goal the ratio should meet.
 *
 * @param suite the benchmark class's simple name
 * @param hotpath Hotpath's benchmark method
 * @param peer the peer's benchmark method in the same class
 * @param statistic what is compared: the score, or a percentile of a sample-mode benchmark
 * @param goal the least ratio (above 1 means Hotpath is faster) counted as met; null when there
 *     is none
 * @param goalThreads the thread counts the goal is set at, each of which must have been run;
 *     empty for every thread count that was run. Rows at other thread counts are shown without a
 *     goal.
 */
record Comparison(String suite, String hotpath, String peer, Statistic statistic, Double goal, Set<Integer> goalThreads) {

  Comparison {
    goalThreads = Set.copyOf(goalThreads);
  }

  static Comparison of(String suite, String hotpath, String peer) {
    return new Comparison(suite, hotpath, peer, Statistic.SCORE, null, Set.of());
  }

  Comparison goal(double least) {
    return new Comparison(suite, hotpath, peer, statistic, least, goalThreads);
  }

  Comparison atThreads(Integer... threads) {
    return new Comparison(suite, hotpath, peer, statistic, goal, new TreeSet<>(Arrays.asList(threads)));
  }

  Comparison on(Statistic compared) {
    return new Comparison(suite, hotpath, peer, compared, goal, goalThreads);
  }

  /** Whether the goal applies to a row run at {@code threads}. */
  boolean hasGoalAt(int threads) {
    return goal != null && (goalThreads.isEmpty() || goalThreads.contains(threads));
  }

  String title() {
    return suite + " `" + hotpath + "` / `" + peer + "`" + statistic.suffix();
  }

  /** The score, or one of the percentiles JMH reports in sample mode. */
  enum Statistic {
    SCORE(null),
    P50("50.0"),
    P99("99.0");

    private final String percentile;

    Statistic(String percentile) {
      this.percentile = percentile;
    }

    /** The value of this statistic in {@code score}, or NaN when JMH did not report it. */
    double of(Score score) {
      return percentile == null ? score.score() : score.percentiles().getOrDefault(percentile, Double.NaN);
    }

    /** A score's error; JMH reports none for a percentile. */
    double errorOf(Score score) {
      return percentile == null ? score.error() : Double.NaN;
    }

    String suffix() {
      return percentile == null ? "" : " (" + name().toLowerCase(Locale.ROOT) + ")";
    }
  }
}
