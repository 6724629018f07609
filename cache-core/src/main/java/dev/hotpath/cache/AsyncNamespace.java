package dev.hotpath.cache;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The non-blocking view of a {@link Namespace}, from {@link Namespace#async()}: the same entries,
 * tiers, loader and single flight, with reads that return futures instead of waiting for shared
 * tiers or the loader. Writes and invalidations are on the {@linkplain #synchronous() synchronous
 * view}.
 *
 * <p>Keys are never null ({@link NullPointerException} naming the argument, thrown by the call).
 * A future fails with {@link CacheLoadException} when the loader threw, and with {@link
 * IllegalStateException} when the cache is closed. Thread-safe.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface AsyncNamespace<K, V> {

  /**
   * {@link Namespace#get} without blocking: completes with the value, or with {@code null} when
   * the key is absent. An in-process hit returns an already completed future.
   */
  CompletableFuture<V> get(K key);

  /** {@link Namespace#getAll} without blocking: completes with the values of the keys present. */
  CompletableFuture<Map<K, V>> getAll(Collection<? extends K> keys);

  /** The synchronous view of the same namespace. */
  Namespace<K, V> synchronous();
}
