package dev.hotpath.benchmarks.report;

import static dev.hotpath.benchmarks.report.Comparison.of;

import dev.hotpath.benchmarks.report.Comparison.Statistic;
import java.util.List;

/**
 * Every comparison the report and the README table show, in the order they show them, and the goals
 * on counters: the one place to add a peer or change a goal. Goals are the ones set in issue 15 and in the benchmark
 * classes' Javadoc; a pair without one is shown for information. A ratio above 1 always means
 * Hotpath is faster, whatever the benchmark mode.
 */
final class Comparisons {
  static final List<Comparison> ALL = List.of(
      // The L1 hit, at 1 and 2 threads and at each key count.
      of("MemoryTierReadBenchmark", "hotpath", "caffeine").goal(0.8).atThreads(1, 2),
      of("MemoryTierReadBenchmark", "hotpath", "caffeineStats").goal(0.95).atThreads(1, 2),
      of("MemoryTierReadBenchmark", "hotpathShared", "caffeine").goal(0.8).atThreads(1, 2),
      of("MemoryTierReadBenchmark", "hotpathShared", "caffeineStats").goal(0.95).atThreads(1, 2),
      of("MemoryTierReadBenchmark", "hotpath", "caffeineAsyncLoading"),
      of("MemoryTierReadBenchmark", "jcache", "caffeineJCache").goal(1.0),
      // A read Redis answers, then the two-level peers' L1 hits, L2 hits and bulk reads.
      of("RedisTierReadBenchmark", "hotpath", "lettuce").goal(0.9),
      of("RedisTierReadBenchmark", "hotpath", "redisson"),
      of("RedisTierReadBenchmark", "hotpathGetAll", "lettuceMget").goal(0.9),
      of("RedisTierReadBenchmark", "hotpathGetAll", "lettuceSingles").goal(10),
      of("RedisTierReadBenchmark", "hotpathGetAll", "caffeineLettuceMget"),
      of("RedisTierReadBenchmark", "hotpathL1", "jetcacheL1"),
      of("RedisTierReadBenchmark", "hotpathL1", "redissonLocalL1"),
      of("RedisTierReadBenchmark", "hotpath", "jetcacheL2"),
      of("RedisTierReadBenchmark", "hotpath", "redissonLocalL2"),
      of("RedisTierReadBenchmark", "hotpathGetAll", "jetcacheGetAll"),
      of("RedisTierReadBenchmark", "hotpathGetAll", "redissonLocalGetAll"),
      // Invalidation reaching the other node's L1.
      of("InvalidationLatencyBenchmark", "writeOnAUntilEvictedOnB", "jetcache").on(Statistic.P50),
      of("InvalidationLatencyBenchmark", "writeOnAUntilEvictedOnB", "jetcache").on(Statistic.P99),
      of("InvalidationLatencyBenchmark", "writeOnAUntilEvictedOnB", "redisson").on(Statistic.P50),
      of("InvalidationLatencyBenchmark", "writeOnAUntilEvictedOnB", "redisson").on(Statistic.P99),
      // PostgreSQL reads and time-series writes.
      of("PostgresTierReadBenchmark", "hotpath", "jdbc"),
      of("PostgresTierReadBenchmark", "hotpath", "jdbcHeldStatement"),
      of("TimeSeriesWriteBenchmark", "hotpath", "batchInsert"),
      of("TimeSeriesWriteBenchmark", "hotpathTwoFlushThreads", "batchInsert"),
      // Rate limiters: the exact floor at 1, 2 and 4 threads; the fastest peer at 1 and 2.
      of("LocalLimiterBenchmark", "hotpath", "atomicGcra").goal(0.85).atThreads(1, 2, 4),
      of("LocalLimiterBenchmark", "hotpath", "bucket4j").goal(1.0).atThreads(1, 2),
      of("LocalLimiterBenchmark", "hotpath", "resilience4j").goal(1.0).atThreads(1, 2),
      of("LocalLimiterBenchmark", "hotpath", "guava").goal(1.0).atThreads(1, 2),
      of("LocalLimiterBenchmark", "hotpathBucket", "atomicGcra").goal(0.85).atThreads(1, 2, 4),
      of("LocalLimiterBenchmark", "hotpathBucket", "bucket4j").goal(1.0).atThreads(1, 2),
      of("LocalLimiterBenchmark", "hotpathBucket", "resilience4j").goal(1.0).atThreads(1, 2),
      of("LocalLimiterBenchmark", "hotpathBucket", "guava").goal(1.0).atThreads(1, 2),
      of("RedisLimiterBenchmark", "hotpath", "bucket4j"),
      // The engine against the hand-wired loader (cold's goal is against the quota, not a peer).
      of("EngineBenchmark", "warmHotpath", "warmBaseline").goal(0.8),
      of("EngineBenchmark", "mixedHotpath", "mixedBaseline").goal(2.0),
      of("EngineBenchmark", "coldHotpath", "coldBaseline"));

  /**
   * Goals on Hotpath's own counters, not against a peer; shown beside the ratios. The cold batch
   * (EngineBenchmark's Javadoc): within 1.05 × the least time its quota allows ({@code overBound} is
   * the measured time over {@code quotaBoundSeconds}), without one 429.
   */
  static final List<CounterGoal> COUNTER_GOALS = List.of(
      CounterGoal.of("EngineBenchmark", "coldHotpath", "time ≤ 1.05× the quota's bound, no 429")
          .showing("quotaBoundSeconds")
          .atMost("overBound", 1.05)
          .atMost("exchange429", 0));

  private Comparisons() {}
}
