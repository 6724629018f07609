package dev.hotpath.cache;

import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.TierValue;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A namespace's use of one tier outside the process: the tier's store, its TTL, and counters. This
 * is where a failing tier stops being the caller's problem: every operation that throws is
 * counted, logged at most once per {@link #LOG_INTERVAL_NANOS}, and turned into a miss or a skipped
 * write.
 */
final class TierGuard<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(TierGuard.class);
  private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

  final String name;
  private final NamespaceStore<K, V> store;
  /** The store makes its failed changes itself: a failure is not the cache's to retry. */
  private final boolean retries;
  private final DefaultNamespaceContext<K, V> binding;
  private final TtlProfile profile;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder readErrors = new LongAdder();
  private final LatencyRecorder latency = new LatencyRecorder();
  private volatile long lastLog = System.nanoTime() - LOG_INTERVAL_NANOS;

  TierGuard(String name, NamespaceStore<K, V> store, DefaultNamespaceContext<K, V> binding) {
    this.name = name;
    this.store = store;
    this.retries = store.retriesFailedChanges();
    this.binding = binding;
    this.profile = binding.spec().ttl();
  }

  TierValue<V> get(K key) {
    long start = System.nanoTime();
    try {
      TierValue<V> value = store.get(key);
      (value == null ? misses : hits).increment();
      return value;
    } catch (RuntimeException e) {
      failed("get", e);
      readErrors.increment();
      misses.increment();
      return null;
    } finally {
      latency.record(System.nanoTime() - start);
    }
  }

  Map<K, TierValue<V>> getAll(Collection<K> keys) {
    long start = System.nanoTime();
    try {
      Map<K, TierValue<V>> found = store.getAll(keys);
      hits.add(found.size());
      misses.add(keys.size() - found.size());
      return found;
    } catch (RuntimeException e) {
      failed("getAll", e);
      readErrors.add(keys.size());
      misses.add(keys.size());
      return Map.of();
    } finally {
      latency.record(System.nanoTime() - start);
    }
  }

  /**
   * Writes a changed value with this tier's TTL (jittered), or {@code ttl} when the entry has its
   * own; false when the tier failed (the change may not have reached it) and will not make the
   * change itself ({@link NamespaceStore#retriesFailedChanges}).
   */
  boolean put(K key, TierValue<V> value, Duration ttl) {
    try {
      store.put(key, value, ttlOf(value, ttl));
      return true;
    } catch (RuntimeException e) {
      failed("put", e);
      return retries;
    }
  }

  /** Caches what a read found or loaded (see {@link NamespaceStore#fill}), with this tier's TTL. */
  void fill(K key, TierValue<V> value) {
    try {
      store.fill(key, value, ttlOf(value, null));
    } catch (RuntimeException e) {
      failed("fill", e);
    }
  }

  /**
   * Stores a refreshed value (see {@link NamespaceStore#refresh}), with this tier's TTL; the
   * refresh began reading the source at {@code readStartNanos} ({@link System#nanoTime()}).
   */
  void refresh(K key, TierValue<V> value, long readStartNanos) {
    try {
      Duration readAge = Duration.ofNanos(Math.max(0, System.nanoTime() - readStartNanos));
      store.refresh(key, value, ttlOf(value, null), readAge);
    } catch (RuntimeException e) {
      failed("refresh", e);
    }
  }

  /** Writes values in bulk; absences one by one, since their TTL differs. False as {@link #put}. */
  boolean putAll(Map<K, TierValue<V>> entries) {
    return writeAll(entries, false);
  }

  /** {@link #putAll} as a fill (see {@link NamespaceStore#fillAll}). */
  void fillAll(Map<K, TierValue<V>> entries) {
    writeAll(entries, true);
  }

  private boolean writeAll(Map<K, TierValue<V>> entries, boolean fill) {
    Map<K, TierValue<V>> values = new java.util.HashMap<>();
    boolean[] ok = {true};
    entries.forEach(
        (k, v) -> {
          if (v.isAbsent()) {
            if (fill) {
              fill(k, v);
            } else {
              ok[0] &= put(k, v, null);
            }
          } else {
            values.put(k, v);
          }
        });
    if (values.isEmpty()) {
      return ok[0];
    }
    try {
      Duration ttl = profile.jittered(binding.ttl());
      if (fill) {
        store.fillAll(values, ttl);
      } else {
        store.putAll(values, ttl);
      }
      return ok[0];
    } catch (RuntimeException e) {
      failed(fill ? "fillAll" : "putAll", e);
      return retries;
    }
  }

  /** False when the tier failed (it may still hold the key) and will not retry (see {@link #put}). */
  boolean invalidate(K key) {
    try {
      store.invalidate(key);
      return true;
    } catch (RuntimeException e) {
      failed("invalidate", e);
      return retries;
    }
  }

  /** False when the tier failed (it may still hold some of the keys) and will not retry. */
  boolean invalidateAll(Collection<K> keys) {
    try {
      store.invalidateAll(keys);
      return true;
    } catch (RuntimeException e) {
      failed("invalidateAll", e);
      return retries;
    }
  }

  /** False when the tier failed (it may still hold entries of the namespace) and will not retry. */
  boolean clear() {
    try {
      store.clear();
      return true;
    } catch (RuntimeException e) {
      failed("clear", e);
      return retries;
    }
  }

  /** Whether the tier makes its failed changes itself ({@link NamespaceStore#retriesFailedChanges}). */
  boolean retriesItself() {
    return retries;
  }

  TierStats stats() {
    return new TierStats(
        name, hits.sum(), misses.sum(), errors.sum(), readErrors.sum(), binding.decodeFailures(), latency.mean());
  }

  private Duration ttlOf(TierValue<V> value, Duration own) {
    if (own != null) {
      return own;
    }
    Duration ttl = profile.jittered(binding.ttl());
    if (value.isAbsent() && profile.negative() != null && profile.negative().compareTo(ttl) < 0) {
      return profile.negative();
    }
    return ttl;
  }

  private void failed(String operation, RuntimeException e) {
    errors.increment();
    long now = System.nanoTime();
    long last = lastLog;
    if (now - last >= LOG_INTERVAL_NANOS) {
      lastLog = now;
      LOG.warn(
          "tier '{}' failed on {} for namespace '{}' ({} failures so far); serving without it: {}",
          name, operation, binding.namespace(), errors.sum(), e.toString());
    }
  }
}
