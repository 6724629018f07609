package dev.hotpath.engine;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a batch got: a value or a typed failure for every key, where the values came from, and what
 * the batch cost. One bad key never fails a batch: its failure is one entry of {@link
 * #failures()}. Immutable and thread-safe.
 *
 * <p>Source calls are shared between batches that wait for the same keys (one call per missing
 * key however many batches ask), so {@link #sourceCalls()} and {@link #weightUsed()} count every
 * call that delivered a key to this batch, including calls shared with other batches: summed over
 * batches they can exceed the engine's totals ({@link EngineSnapshot}).
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class BatchResult<K, V> {
  private final Map<K, V> values;
  private final Map<K, ItemFailure> failures;
  private final Priority priority;
  private final int size;
  private final int fromCache;
  private final int fromSource;
  private final int sourceCalls;
  private final long weightUsed;
  private final Duration elapsed;

  /** A batch the in-process tier answered whole: {@code values} (new, in request order) is taken over. */
  static <K, V> BatchResult<K, V> allFromMemory(Map<K, V> values, Priority priority, Duration elapsed) {
    return new BatchResult<>(Collections.unmodifiableMap(values), Map.of(), priority, values.size(), values.size(), 0,
        0, 0, elapsed);
  }

  private BatchResult(Map<K, V> values, Map<K, ItemFailure> failures, Priority priority, int size, int fromCache,
      int fromSource, int sourceCalls, long weightUsed, Duration elapsed) {
    this.values = values;
    this.failures = failures;
    this.priority = priority;
    this.size = size;
    this.fromCache = fromCache;
    this.fromSource = fromSource;
    this.sourceCalls = sourceCalls;
    this.weightUsed = weightUsed;
    this.elapsed = elapsed;
  }

  /** A batch's outcomes, put in request order. */
  static <K, V> BatchResult<K, V> inOrder(List<K> keys, Map<K, V> values, Map<K, ItemFailure> failures,
      Priority priority, int fromCache, int fromSource, int sourceCalls, long weightUsed, Duration elapsed) {
    Map<K, V> orderedValues = new LinkedHashMap<>(Math.max(16, values.size() * 2));
    Map<K, ItemFailure> orderedFailures = new LinkedHashMap<>(Math.max(16, failures.size() * 2));
    for (K key : keys) {
      V value = values.get(key);
      if (value != null) {
        orderedValues.put(key, value);
      } else {
        ItemFailure failure = failures.get(key);
        if (failure != null) {
          orderedFailures.put(key, failure);
        }
      }
    }
    return new BatchResult<>(Collections.unmodifiableMap(orderedValues), Collections.unmodifiableMap(orderedFailures),
        priority, keys.size(), fromCache, fromSource, sourceCalls, weightUsed, elapsed);
  }

  /** The values found, by key, in request order; unmodifiable. */
  public Map<K, V> values() {
    return values;
  }

  /** The keys without a value and why, in request order; unmodifiable. */
  public Map<K, ItemFailure> failures() {
    return failures;
  }

  /** The value of {@code key}, or null when it has none (see {@link #failures()}). */
  public V value(K key) {
    return values.get(key);
  }

  /** Whether every key has a value. */
  public boolean isComplete() {
    return failures.isEmpty();
  }

  /** Items in the batch (distinct keys). */
  public int size() {
    return size;
  }

  /** Items served by a cache tier (in process, Redis, PostgreSQL…). */
  public int fromCache() {
    return fromCache;
  }

  /** Items fetched from the source, by this batch's calls or by calls it shared with other batches. */
  public int fromSource() {
    return fromSource;
  }

  /** Failed items of each kind; kinds with none are left out. */
  public Map<FailureKind, Integer> failureCounts() {
    Map<FailureKind, Integer> counts = new EnumMap<>(FailureKind.class);
    failures.values().forEach(f -> counts.merge(f.kind(), 1, Integer::sum));
    return Collections.unmodifiableMap(counts);
  }

  /** {@link #fromCache()} over {@link #size()}; 0 for an empty batch. */
  public double cacheHitRate() {
    return size == 0 ? 0 : (double) fromCache / size;
  }

  /**
   * Source calls that delivered keys of this batch, retries and refused calls (HTTP 429/418)
   * included (see the class comment).
   */
  public int sourceCalls() {
    return sourceCalls;
  }

  /** The rate-limit weight of those calls. */
  public long weightUsed() {
    return weightUsed;
  }

  /** From submission until the batch was done, on the engine's clock. */
  public Duration elapsed() {
    return elapsed;
  }

  /** The batch's priority. */
  public Priority priority() {
    return priority;
  }

  @Override
  public String toString() {
    return "BatchResult[" + size + " items: " + values.size() + " values (" + fromCache + " from cache, " + fromSource
        + " from source), failures " + failureCounts() + ", " + sourceCalls + " source calls, weight " + weightUsed
        + ", " + elapsed.toMillis() + " ms]";
  }
}
