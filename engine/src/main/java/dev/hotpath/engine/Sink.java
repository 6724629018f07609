package dev.hotpath.engine;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One call of the engine's bulk loader by the cache (for the keys no tier held when a batch read
 * them): its future completes with the values fetched for those keys, which the cache then stores
 * in every tier. It completes early, without the keys still being fetched, when its batch ends;
 * values fetched after that reach the cache by a fill. Guarded by the engine's lock.
 */
final class Sink<K, V> {
  final BatchRun<K, V> owner;
  final Set<K> keys;
  final Set<K> awaiting = new HashSet<>();
  final Map<K, V> values = new HashMap<>();
  final CompletableFuture<Map<K, V>> future = new CompletableFuture<>();
  boolean done;

  Sink(BatchRun<K, V> owner, Set<K> keys) {
    this.owner = owner;
    this.keys = keys;
  }
}
