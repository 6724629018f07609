package dev.hotpath.cache.jcache;

import dev.hotpath.cache.Namespace;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;

/**
 * How one JCache cache's entries live in its namespace: reads that expire what the policy says
 * has expired, and the writes an operation makes while it holds the key's lock, each telling the
 * writer, the listeners and the expiry policy what JSR-107 says they must hear. {@link
 * HotpathCache} composes its operations, and their statistics, from these.
 */
final class Entries<K, V> {
  private final Namespace<K, StoredEntry<V>> namespace;
  private final boolean storedOutsideProcess;
  private final ExpiryTimes expiry;
  private final Copier copier;
  private final Listeners<K, V> listeners;
  private final JCacheStatistics statistics;
  private final CacheWriter<K, V> writer;
  private final KeyLocks locks = new KeyLocks();

  /**
   * @param storedOutsideProcess whether the namespace is stored in a shared tier
   * @param writer the write-through writer, or null
   */
  Entries(
      Namespace<K, StoredEntry<V>> namespace,
      boolean storedOutsideProcess,
      ExpiryTimes expiry,
      Copier copier,
      Listeners<K, V> listeners,
      JCacheStatistics statistics,
      CacheWriter<K, V> writer) {
    this.namespace = namespace;
    this.storedOutsideProcess = storedOutsideProcess;
    this.expiry = expiry;
    this.copier = copier;
    this.listeners = listeners;
    this.statistics = statistics;
    this.writer = writer;
  }

  /** The locked stripe of {@code key} (see {@link KeyLocks}); unlock it in a {@code finally}. */
  ReentrantLock lock(K key) {
    return locks.lock(key);
  }

  /**
   * The key's entry as the namespace holds it, or null. A cache kept in process only reads its
   * in-process tier directly: the namespace has no loader and no tier behind it, and a miss there
   * would otherwise be handed to the load pool only to find nothing.
   */
  StoredEntry<V> read(K key) {
    return storedOutsideProcess ? namespace.get(key) : namespace.getIfPresent(key);
  }

  /** {@link #read} of several keys: in bulk from the tiers, or from the in-process tier. */
  Map<K, StoredEntry<V>> readAll(Set<? extends K> keys) {
    if (storedOutsideProcess) {
      return namespace.getAll(keys);
    }
    Map<K, StoredEntry<V>> found = new HashMap<>(keys.size() * 2);
    for (K key : keys) {
      StoredEntry<V> entry = namespace.getIfPresent(key);
      if (entry != null) {
        found.put(key, entry);
      }
    }
    return found;
  }

  /** The key's entry, or null; one found expired is expired now (removed, with its event). */
  StoredEntry<V> live(K key) {
    StoredEntry<V> entry = read(key);
    if (entry != null && expired(entry)) {
      expire(key);
      return null;
    }
    return entry;
  }

  boolean expired(StoredEntry<V> entry) {
    // One read of the volatile time; the clock is read only for an entry that can expire. An entry
    // expires at its time, not after.
    long expiresAt = entry.expiresAt();
    return expiresAt != StoredEntry.ETERNAL && expiresAt <= expiry.now();
  }

  /** Removes the key's entry if it is still expired, under its lock, telling the listeners. */
  void expire(K key) {
    Failures failures = new Failures();
    ReentrantLock lock = lock(key);
    try {
      current(key, failures);
    } finally {
      lock.unlock();
    }
    failures.throwIfAny();
  }

  /**
   * The key's entry for an operation that holds the key's lock, or null. An expired entry is
   * removed from every tier and reported to the expiry listeners (and counted as an eviction).
   */
  StoredEntry<V> current(K key, Failures failures) {
    StoredEntry<V> entry = read(key);
    if (entry == null || !expired(entry)) {
      return entry;
    }
    namespace.invalidate(key);
    statistics.recordExpiration();
    listeners.expired(key, entry.value(), failures);
    return null;
  }

  /**
   * Stores a value for a key the cache does not hold, with the policy's creation expiry. A new
   * entry that expires at once is not stored (its listeners hear it expired). Returns whether it
   * was stored.
   */
  boolean storeNew(K key, V value, Failures failures) {
    long expiresAt = expiry.forCreation();
    V copy = copier.copyValue(value);
    if (expiresAt == ExpiryTimes.NOW) {
      listeners.expired(key, copy, failures);
      return false;
    }
    namespace.put(copier.copyKey(key), new StoredEntry<>(copy, expiresAt));
    listeners.created(key, copy, failures);
    return true;
  }

  /** Replaces the value of a held entry, with the policy's update expiry. */
  void storeUpdate(K key, V value, StoredEntry<V> old, Failures failures) {
    long expiresAt = expiry.forUpdate();
    V copy = copier.copyValue(value);
    namespace.put(copier.copyKey(key), new StoredEntry<>(copy, expiresAt == ExpiryTimes.UNCHANGED ? old.expiresAt() : expiresAt));
    listeners.updated(key, copy, old.value(), failures);
  }

  /** Stores {@code value} whether or not the key is held; returns the entry it replaced, or null. */
  StoredEntry<V> store(K key, V value, Failures failures, boolean[] stored) {
    StoredEntry<V> old = current(key, failures);
    if (old == null) {
      stored[0] = storeNew(key, value, failures);
    } else {
      storeUpdate(key, value, old, failures);
      stored[0] = true;
    }
    return old;
  }

  void removeHeld(K key, StoredEntry<V> held, Failures failures) {
    namespace.invalidate(key);
    listeners.removed(key, held.value(), failures);
  }

  void write(K key, V value) {
    if (writer == null) {
      return;
    }
    try {
      writer.write(new HotpathEntry<>(key, value));
    } catch (CacheWriterException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CacheWriterException("the cache writer failed for " + key, e);
    }
  }

  void delete(K key) {
    if (writer == null) {
      return;
    }
    try {
      writer.delete(key);
    } catch (CacheWriterException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CacheWriterException("the cache writer failed to delete " + key, e);
    }
  }
}
