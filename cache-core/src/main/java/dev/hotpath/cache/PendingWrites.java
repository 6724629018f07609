package dev.hotpath.cache;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest value of every key that has write-behind writes accepted and not yet written or given
 * up, so that a load answers with it rather than with what the system of record held before.
 *
 * <p>A count and the latest value per key suffice because the namespace accepts writes of one key
 * one at a time (holding the key's write lock) and the flusher settles them in acceptance order
 * per key: while the count is positive, the latest value accepted is still waiting. A write is
 * counted before it is queued, so it is never settled before it was counted.
 */
final class PendingWrites<K, V> {
  private record Pending<V>(int count, V latest) {}

  private final ConcurrentHashMap<K, Pending<V>> byKey = new ConcurrentHashMap<>();

  /** A write of {@code key} was accepted; call before the flusher can see it. */
  void accepted(K key, V value) {
    byKey.compute(key, (k, p) -> new Pending<>(p == null ? 1 : p.count() + 1, value));
  }

  /** The oldest accepted write of {@code key} was written or given up. */
  void settled(K key) {
    byKey.computeIfPresent(key, (k, p) -> p.count() == 1 ? null : new Pending<>(p.count() - 1, p.latest()));
  }

  /** The value of the latest accepted write of {@code key} still waiting, or null when none is. */
  V latest(K key) {
    Pending<V> pending = byKey.get(key);
    return pending == null ? null : pending.latest();
  }
}
