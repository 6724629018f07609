package dev.hotpath.benchmarks.report;

import java.time.Duration;
import java.util.List;

/**
 * The suites the report runs, in order, each at the thread counts its goals are set at. A suite
 * whose class declares its own {@code @Warmup}/{@code @Measurement} keeps them; the others get
 * {@link #SHORT_ITERATIONS}, the settings their Javadoc commands use, instead of JMH's defaults
 * (five 10-second iterations of each).
 */
final class RunPlan {
  /**
   * Iteration settings that override the class's annotations.
   *
   * @param warmup warmup iterations per fork
   * @param warmupTime each warmup iteration's length
   * @param measurement measured iterations per fork
   * @param measurementTime each measured iteration's length
   */
  record Iterations(int warmup, Duration warmupTime, int measurement, Duration measurementTime) {}

  /**
   * One benchmark class.
   *
   * @param name the class's simple name in {@code dev.hotpath.benchmarks}
   * @param threads each thread count it runs at, one suite run each
   * @param iterations null to keep the class's annotations
   */
  record Suite(String name, List<Integer> threads, Iterations iterations) {
    String className() {
      return "dev.hotpath.benchmarks." + name;
    }
  }

  static final Iterations SHORT_ITERATIONS = new Iterations(3, Duration.ofSeconds(1), 5, Duration.ofSeconds(1));
  /** {@code --quick}: enough to see the command work, not to quote. */
  static final Iterations QUICK_ITERATIONS = new Iterations(1, Duration.ofMillis(500), 2, Duration.ofMillis(500));
  static final int FORKS = 2;
  static final int QUICK_FORKS = 1;

  static final List<Suite> SUITES = List.of(
      new Suite("MemoryTierReadBenchmark", List.of(1, 2), null),
      new Suite("RedisTierReadBenchmark", List.of(1), null),
      new Suite("InvalidationLatencyBenchmark", List.of(1), null),
      new Suite("PostgresTierReadBenchmark", List.of(1), null),
      new Suite("TimeSeriesWriteBenchmark", List.of(1), null),
      new Suite("LocalLimiterBenchmark", List.of(1, 2, 4), SHORT_ITERATIONS),
      new Suite("RedisLimiterBenchmark", List.of(1, 8), SHORT_ITERATIONS),
      new Suite("EngineBenchmark", List.of(1), null));

  private RunPlan() {}
}
