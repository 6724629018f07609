package dev.hotpath.cache;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * A named, typed cache inside a {@link TieredCache}. Reads walk the tiers (in process first, then
 * Redis, PostgreSQL… as configured), promote what they find to the tiers above, and fall back to
 * the namespace's {@link CacheLoader}. Concurrent misses for one key load once.
 *
 * <p>Keys and values are never null: a null argument throws {@link NullPointerException} naming
 * it. Failures of tiers outside the process are never thrown to callers: a failed tier read is a
 * miss, a failed tier write is skipped; both are counted in {@link #stats()}.
 *
 * <p>A read waits for its lookups in the tiers and for the loader, not for the writes that copy
 * what it found or loaded into the shared tiers: those are made on the load thread once the value
 * is handed over (with an executor that runs tasks in the calling thread, by the caller), and are
 * skipped for a key put or invalidated meanwhile, or once the cache is closed. A failed load is
 * logged once, as a WARN line on the SLF4J logger {@code dev.hotpath.cache.load} (with its stack
 * trace when that logger is at DEBUG): set that logger's level to keep or silence them.
 *
 * <p>Keys are bounded where they leave the process: in a namespace stored in a tier outside the
 * process (or built with {@code crossNodeInvalidation()}), a key whose encoded form is longer than
 * {@link NamespaceSpec#maxKeySize()} is refused with {@link KeyTooLargeException} by every read
 * that misses in process, every write and every invalidation, before anything is sent
 * ({@link #getIfPresent} touches no other tier and simply finds nothing).
 *
 * <p>Thread-safe. After {@link TieredCache#close()} reads, writes and invalidations throw {@link
 * IllegalStateException}; {@link #stats()}, {@link #estimatedSize()} and {@link #flush} still
 * answer. Writers and loaders must not call back into the cache for the key they are writing or
 * loading.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface Namespace<K, V> {

  /** The namespace's name. */
  String name();

  /** The namespace's settings. */
  NamespaceSpec<K, V> spec();

  /**
   * The value for {@code key}: from the first tier that holds it, else from the loader. In
   * write-behind, a write of the key that this node's buffer holds (not yet written or given up)
   * comes before the loader, which could only return the value from before it. Returns {@code
   * null} when the key is absent (the loader returned null, an absence is cached, or there
   * is no loader and no tier holds the key).
   *
   * @throws CacheLoadException when the loader threw; nothing was cached
   */
  V get(K key);

  /**
   * The values for {@code keys}; absent keys are left out. Keys that miss in process are looked up
   * in bulk in each tier, and the keys no tier holds are loaded with one {@link
   * CacheLoader#loadAll} call, less those answered by this node's write-behind buffer (see {@link
   * #get}).
   *
   * @throws CacheLoadException when the bulk load threw; nothing of it was cached
   */
  Map<K, V> getAll(Collection<? extends K> keys);

  /** The non-blocking view of this namespace, for reads that must not wait on shared tiers or the loader. */
  AsyncNamespace<K, V> async();

  /** The value held in process, without reading other tiers or loading; null when none. */
  V getIfPresent(K key);

  /**
   * Stores a value in every tier of the namespace with the profile's TTLs, through the write
   * mode's writer, and tells other nodes to drop their in-process copies.
   *
   * @throws CacheWriteException when the write-through writer failed or the write-behind buffer
   *     refused the write; the cache was not changed
   */
  void put(K key, V value);

  /**
   * {@link #put} with a TTL of its own for this entry, used in every tier instead of the
   * profile's.
   *
   * @throws IllegalArgumentException when {@code ttl} is not positive
   */
  void put(K key, V value, Duration ttl);

  /**
   * {@link #put} of every entry; tiers outside the process are written in bulk. Not atomic: when
   * the writer fails or the write-behind buffer refuses an entry, the entries before it (in the
   * map's iteration order) are written and cached, that entry and the rest are not, and the {@link
   * CacheWriteException} is thrown.
   */
  void putAll(Map<? extends K, ? extends V> entries);

  /**
   * Removes {@code key} from every tier and publishes an {@link InvalidationEvent}. A load of the
   * key that is in flight does not put its value back. It does not cancel a write-behind write of
   * the key: that is still delivered, and until it is, reads are answered with it.
   */
  void invalidate(K key);

  /** {@link #invalidate} for several keys, published as one event. */
  void invalidateAll(Collection<? extends K> keys);

  /** Removes every entry of the namespace from every tier and publishes one event. */
  void invalidateAll();

  /** Approximate number of entries held in process. */
  long estimatedSize();

  /**
   * The keys whose values this node holds in process now: a snapshot, for tools that walk a
   * namespace (the JCache provider's iterator). Keys only a shared tier holds are not in it, since
   * tiers are not scanned; nor are keys being loaded or remembered as absent. Costs one pass over
   * the in-process entries.
   *
   * @return an unmodifiable set, empty when nothing is held
   */
  Set<K> inProcessKeys();

  /**
   * Checks {@code key} against {@link NamespaceSpec#maxKeySize()} as every read, write and
   * invalidation of this namespace does, reading and changing nothing: for callers that must refuse
   * a key before they act on it elsewhere (the JCache provider, before its writer, loader and
   * listeners hear of it). Cheap when keys stay in process: nothing is encoded.
   *
   * @param key a key of this namespace; never null
   * @throws KeyTooLargeException when the key is over the limit and this namespace's keys leave the
   *     process (see above); never otherwise
   * @throws NullPointerException if {@code key} is null
   */
  void checkKeySize(K key);

  /** A snapshot of the namespace's counters. */
  NamespaceStats stats();

  /**
   * Delivers what the write-behind buffer holds now, waiting for the writer and for retries;
   * returns at once for other write modes.
   *
   * @return whether the buffer was emptied within {@code timeout}: every write written, or given
   *     up to the {@link DeadLetterHandler} after {@link WriteBehind#maxAttempts()} attempts
   */
  boolean flush(Duration timeout);
}
