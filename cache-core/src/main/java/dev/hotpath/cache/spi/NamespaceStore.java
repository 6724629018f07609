package dev.hotpath.cache.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One namespace's view of a {@link Tier}: the tier SPI that the memory, Redis and PostgreSQL tiers
 * implement and that {@code TierContractTest} (in cache-core's test-jar) checks.
 *
 * <p>Keys and values are never null. {@code get} returns {@code null} when the tier holds nothing
 * for the key (or only an expired or undecodable entry); a {@link TierValue#absent()} is a
 * remembered absence, stored on purpose. An entry is never returned after its TTL has passed.
 *
 * <p>Implementations are thread-safe. Methods may throw unchecked exceptions when the backing
 * store fails (see {@link Tier}). The asynchronous variants by default run the synchronous ones
 * in the calling thread; tiers with a non-blocking client override them.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface NamespaceStore<K, V> {

  /** The entry for {@code key}, or {@code null} when the tier holds none. */
  TierValue<V> get(K key);

  /**
   * The entries held for {@code keys}, in one round trip where the tier can. Keys the tier holds
   * nothing for are left out of the result. Duplicate keys are allowed and looked up once.
   */
  Map<K, TierValue<V>> getAll(Collection<? extends K> keys);

  /**
   * Stores {@code value} under {@code key} for {@code ttl}.
   *
   * @param ttl positive time to live
   */
  void put(K key, TierValue<V> value, Duration ttl);

  /** Stores every entry for {@code ttl}, batched or pipelined where the tier can. */
  void putAll(Map<? extends K, TierValue<V>> entries, Duration ttl);

  /**
   * Stores what a read found in a lower tier or loaded from the source, as opposed to a {@link
   * #put} of a changed value. Other nodes' in-process copies need not be invalidated for a fill:
   * it does not change the value, it only caches it. The default is {@link #put}; a tier that
   * records invalidations for other nodes overrides it to skip that record.
   *
   * <p>A fill is made after the read that found the value has returned it, so it can land after a
   * put or invalidation another node made meanwhile. The cache checks again after the fill and
   * removes it when that node's invalidation event has arrived by then; a tier that can also
   * refuse such a fill itself should (the Redis tier stores a fill only in an empty key and only
   * when no invalidation of the key is pending for the filling node; the PostgreSQL tier only in an
   * absent or expired row).
   */
  default void fill(K key, TierValue<V> value, Duration ttl) {
    put(key, value, ttl);
  }

  /** {@link #fill} of several entries; the default is {@link #putAll}. */
  default void fillAll(Map<? extends K, TierValue<V>> entries, Duration ttl) {
    putAll(entries, ttl);
  }

  /**
   * Stores the value a refresh-ahead loaded from the source over the older one this tier holds.
   * Like a {@link #fill} it is made after the read, so it can land after another node's put or
   * invalidation of the key that the refresh's read came before; a tier that can refuse it then
   * should (the Redis tier stores it only when no invalidation of the key is pending for the
   * refreshing node, and records none itself: the value was not changed by a write, and every
   * node refreshes its own copies; the PostgreSQL tier only replaces a row written before the
   * read began, and inserts none). The default is {@link #put}.
   *
   * @param key the key, not null
   * @param value the refreshed value, not null
   * @param ttl how long this tier keeps it, positive
   * @param readAge how long before this call the refresh began reading the source (measured on
   *     this node's monotonic clock), zero or positive: a tier that keeps write times compares
   *     against now minus this
   */
  default void refresh(K key, TierValue<V> value, Duration ttl, Duration readAge) {
    put(key, value, ttl);
  }

  /**
   * Whether this store remembers the changes (puts, invalidations, clears) it failed to make and
   * makes them itself once it can, as the Redis tier resends them after an outage. When false,
   * the cache invalidates a key whose change failed here again, in every tier and on every node,
   * about a second later and until that succeeds, so the store does not keep serving the value the
   * change replaced. The default is false.
   */
  default boolean retriesFailedChanges() {
    return false;
  }

  /** Removes the entry for {@code key}, if any. */
  void invalidate(K key);

  /** Removes the entries for {@code keys}, if any. */
  void invalidateAll(Collection<? extends K> keys);

  /** Removes every entry of this namespace from this tier, and nothing of other namespaces. */
  void clear();

  /** Asynchronous {@link #get}; the future completes with {@code null} on a miss. */
  default CompletableFuture<TierValue<V>> getAsync(K key) {
    try {
      return CompletableFuture.completedFuture(get(key));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Asynchronous {@link #getAll}. */
  default CompletableFuture<Map<K, TierValue<V>>> getAllAsync(Collection<? extends K> keys) {
    try {
      return CompletableFuture.completedFuture(getAll(keys));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Asynchronous {@link #put}. */
  default CompletableFuture<Void> putAsync(K key, TierValue<V> value, Duration ttl) {
    try {
      put(key, value, ttl);
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Asynchronous {@link #invalidate}. */
  default CompletableFuture<Void> invalidateAsync(K key) {
    try {
      invalidate(key);
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
