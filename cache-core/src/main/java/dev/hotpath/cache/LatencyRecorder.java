package dev.hotpath.cache;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Latency of reads without a lock or an allocation: a count, a total and a histogram with one
 * bucket per power of two nanoseconds, enough to estimate a percentile within a factor of two.
 */
final class LatencyRecorder {
  private static final int BUCKETS = 64;

  private final LongAdder count = new LongAdder();
  private final LongAdder totalNanos = new LongAdder();
  private final AtomicLongArray buckets = new AtomicLongArray(BUCKETS);

  void record(long nanos) {
    long n = Math.max(0, nanos);
    count.increment();
    totalNanos.add(n);
    buckets.incrementAndGet(BUCKETS - Long.numberOfLeadingZeros(n | 1));
  }

  long count() {
    return count.sum();
  }

  long totalNanos() {
    return totalNanos.sum();
  }

  /** Mean latency, zero when nothing was recorded. */
  Duration mean() {
    long c = count.sum();
    return c == 0 ? Duration.ZERO : Duration.ofNanos(totalNanos.sum() / c);
  }

  /** Upper bound of the bucket holding the {@code quantile}; zero when nothing was recorded. */
  Duration percentile(double quantile) {
    long[] snapshot = new long[BUCKETS];
    long total = 0;
    for (int i = 0; i < BUCKETS; i++) {
      snapshot[i] = buckets.get(i);
      total += snapshot[i];
    }
    if (total == 0) {
      return Duration.ZERO;
    }
    long rank = (long) Math.ceil(quantile * total);
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += snapshot[i];
      if (seen >= rank) {
        return Duration.ofNanos(i >= 63 ? Long.MAX_VALUE : (1L << i) - 1);
      }
    }
    return Duration.ofNanos(Long.MAX_VALUE);
  }
}
