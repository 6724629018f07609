package dev.hotpath.cache;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The non-blocking view of a {@link Namespace}, from {@link Namespace#async()}: the same entries,
 * tiers, loader and single flight, with reads that return futures instead of waiting for shared
 * tiers or the loader. Writes and invalidations are on the {@linkplain #synchronous() synchronous
 * view}.
 *
 * <p>Keys are never null ({@link NullPointerException} naming the argument, thrown by the call);
 * a key over the namespace's {@link NamespaceSpec#maxKeySize()} is refused the same way, with
 * {@link KeyTooLargeException} thrown by the call.
 * After the cache is closed the calls throw {@link IllegalStateException} themselves, as the
 * synchronous ones do. A future fails with {@link CacheLoadException} when the loader threw (and
 * with its subclass {@link LoadRejectedException} when no load thread was free). Thread-safe.
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

  /**
   * The values of {@code keys} when the in-process tier holds a value for every one of them, else
   * {@code null}: never reads another tier, never loads, never blocks. A batch reader's fast path:
   * when it answers, every key counts as an in-process hit; when it returns null nothing is
   * counted, so a caller that goes on with {@link #getAll} has each key counted once. The map is in
   * the order of {@code keys} (a duplicate key appears once), new and unmodifiable. Always
   * null for a namespace with refresh-ahead ({@link TtlProfile#refreshAfter()}), whose reads must
   * go through {@code getAll} to trigger refreshes, and when a key is held as absent (a negative
   * entry) or still loading. Implementations that cannot look without loading may always return
   * null (the default).
   *
   * @throws NullPointerException if {@code keys} or a key is null
   * @throws IllegalStateException if the cache is closed
   */
  default Map<K, V> getAllIfInProcess(Collection<? extends K> keys) {
    return null;
  }

  /**
   * The values for {@code keys}, with {@code bulkLoader} standing in for the namespace's loader:
   * keys no tier holds are passed to it in one call (as a set), and what its future returns is
   * cached in every tier as a load's result would be (other nodes are not told: nothing changed).
   * Keys another caller is already loading are not passed again: this call shares those loads, and
   * their outcome, whichever loader made them. Keys the loader leaves out of its map are neither
   * cached nor returned (absences are not cached on this path), so a loader can leave out keys it
   * failed to fetch without failing the others.
   *
   * <p>{@code bulkLoader} is called after the shared tiers were read: on a load thread, or, for a
   * namespace without shared tiers, in the thread that calls this method; it should return at once
   * with a future rather than block. When it throws or its future fails, the
   * returned future fails with {@link CacheLoadException} and nothing of it is cached. This is the
   * way in for a component that fetches on the cache's behalf with its own scheduling, such as the
   * batch engine.
   *
   * @throws NullPointerException if {@code keys}, a key, or {@code bulkLoader} is null
   */
  CompletableFuture<Map<K, V>> getAll(
      Collection<? extends K> keys, Function<? super Set<K>, ? extends CompletableFuture<? extends Map<K, V>>> bulkLoader);

  /**
   * Remembers how far the changes of {@code keys} have got, before fetching them from the source on
   * the cache's behalf outside a load (for example a reply that arrives after the read that asked
   * for it gave up); see {@link #fill}. Cheap: reads counters, no I/O.
   *
   * @throws NullPointerException if {@code keys} or a key is null
   */
  ChangeMark mark(Collection<? extends K> keys);

  /**
   * Caches {@code values}, fetched from the source after {@code mark} was taken, in every tier as
   * loads' results are cached (other nodes are not told: nothing changed). A key changed or
   * invalidated since the mark, by this node or another, or not covered by the mark, is left out,
   * as is one the in-process tier already holds; so a value fetched before a change is never
   * cached after it. Runs on a load thread; the future completes when the tiers were written (tier
   * failures are counted, not thrown).
   *
   * @throws IllegalArgumentException if {@code mark} was taken on another namespace
   * @throws NullPointerException if an argument, a key or a value is null
   */
  CompletableFuture<Void> fill(Map<K, V> values, ChangeMark mark);

  /** The synchronous view of the same namespace. */
  Namespace<K, V> synchronous();
}
