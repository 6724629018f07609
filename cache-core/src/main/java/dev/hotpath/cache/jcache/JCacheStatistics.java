package dev.hotpath.cache.jcache;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import javax.cache.management.CacheStatisticsMXBean;

/**
 * JSR-107's statistics of one cache, counted as JSR-107 defines them (a {@code putIfAbsent} that
 * finds the key is a hit and no put, and so on), separately from the namespace's Hotpath stats,
 * which count tier reads. Recording costs nothing while statistics are disabled. Evictions are
 * the entries found expired by an operation plus the in-process tier's evictions for size since
 * the last {@link #clear()}.
 */
final class JCacheStatistics implements CacheStatisticsMXBean {
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder puts = new LongAdder();
  private final LongAdder removals = new LongAdder();
  private final LongAdder expirations = new LongAdder();
  private final LongAdder getNanos = new LongAdder();
  private final LongAdder putNanos = new LongAdder();
  private final LongAdder removeNanos = new LongAdder();
  private final LongSupplier tierEvictions;
  private volatile long tierEvictionsAtClear;
  private volatile boolean enabled;

  /** @param tierEvictions the in-process tier's eviction count, which only grows */
  JCacheStatistics(LongSupplier tierEvictions) {
    this.tierEvictions = tierEvictions;
  }

  boolean isEnabled() {
    return enabled;
  }

  void enable(boolean enabled) {
    this.enabled = enabled;
  }

  /** A start time for the {@code record*Time} methods, or 0 when disabled. */
  long start() {
    return enabled ? System.nanoTime() : 0L;
  }

  void recordHits(long n) {
    if (enabled) {
      hits.add(n);
    }
  }

  void recordMisses(long n) {
    if (enabled) {
      misses.add(n);
    }
  }

  void recordPuts(long n) {
    if (enabled) {
      puts.add(n);
    }
  }

  void recordRemovals(long n) {
    if (enabled) {
      removals.add(n);
    }
  }

  void recordExpiration() {
    if (enabled) {
      expirations.increment();
    }
  }

  void recordGetTime(long start) {
    if (enabled && start != 0L) {
      getNanos.add(System.nanoTime() - start);
    }
  }

  void recordPutTime(long start) {
    if (enabled && start != 0L) {
      putNanos.add(System.nanoTime() - start);
    }
  }

  void recordRemoveTime(long start) {
    if (enabled && start != 0L) {
      removeNanos.add(System.nanoTime() - start);
    }
  }

  @Override
  public void clear() {
    for (LongAdder adder : new LongAdder[] {hits, misses, puts, removals, expirations, getNanos, putNanos, removeNanos}) {
      adder.reset();
    }
    tierEvictionsAtClear = tierEvictions.getAsLong();
  }

  @Override
  public long getCacheHits() {
    return hits.sum();
  }

  @Override
  public float getCacheHitPercentage() {
    long gets = getCacheGets();
    return gets == 0 ? 0f : 100f * getCacheHits() / gets;
  }

  @Override
  public long getCacheMisses() {
    return misses.sum();
  }

  @Override
  public float getCacheMissPercentage() {
    long gets = getCacheGets();
    return gets == 0 ? 0f : 100f * getCacheMisses() / gets;
  }

  @Override
  public long getCacheGets() {
    return getCacheHits() + getCacheMisses();
  }

  @Override
  public long getCachePuts() {
    return puts.sum();
  }

  @Override
  public long getCacheRemovals() {
    return removals.sum();
  }

  @Override
  public long getCacheEvictions() {
    return expirations.sum() + Math.max(0, tierEvictions.getAsLong() - tierEvictionsAtClear);
  }

  @Override
  public float getAverageGetTime() {
    return averageMicros(getNanos, getCacheGets());
  }

  @Override
  public float getAveragePutTime() {
    return averageMicros(putNanos, getCachePuts());
  }

  @Override
  public float getAverageRemoveTime() {
    return averageMicros(removeNanos, getCacheRemovals());
  }

  private static float averageMicros(LongAdder nanos, long count) {
    return count == 0 ? 0f : nanos.sum() / 1_000f / count;
  }
}
