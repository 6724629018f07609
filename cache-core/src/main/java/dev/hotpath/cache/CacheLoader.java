package dev.hotpath.cache;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Loads values from the data source when no tier holds them.
 *
 * <p>The cache calls a loader at most once at a time per key: concurrent misses for one key wait
 * for the same load. Implementations must be thread-safe: different keys load concurrently.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface CacheLoader<K, V> {

  /**
   * The value for {@code key}, or {@code null} when the source has none (cached as absent when the
   * namespace's profile has a negative TTL).
   *
   * @throws Exception any failure; the caller gets a {@link CacheLoadException} with it as the
   *     cause, and nothing is cached
   */
  V load(K key) throws Exception;

  /**
   * The values for {@code keys} in one call to the source. Keys left out of the result are absent.
   * Entries for keys that were not asked for are ignored. The default loads one key at a time;
   * override it when the source has a bulk query.
   *
   * @throws Exception any failure; nothing of the batch is cached
   */
  default Map<K, V> loadAll(Set<? extends K> keys) throws Exception {
    Map<K, V> result = new HashMap<>();
    for (K key : keys) {
      V value = load(key);
      if (value != null) {
        result.put(key, value);
      }
    }
    return result;
  }
}
