package dev.hotpath.cache;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** {@link AsyncNamespace} over a {@link TieredNamespace}, which does the work. */
final class AsyncNamespaceView<K, V> implements AsyncNamespace<K, V> {
  private final TieredNamespace<K, V> namespace;

  AsyncNamespaceView(TieredNamespace<K, V> namespace) {
    this.namespace = namespace;
  }

  @Override
  public CompletableFuture<V> get(K key) {
    return namespace.getAsync(key);
  }

  @Override
  public CompletableFuture<Map<K, V>> getAll(Collection<? extends K> keys) {
    return namespace.getAllAsync(keys);
  }

  @Override
  public Map<K, V> getAllIfInProcess(Collection<? extends K> keys) {
    return namespace.getAllIfInProcess(keys);
  }

  @Override
  public CompletableFuture<Map<K, V>> getAll(
      Collection<? extends K> keys, Function<? super Set<K>, ? extends CompletableFuture<? extends Map<K, V>>> bulkLoader) {
    return namespace.getAllAsync(keys, bulkLoader);
  }

  @Override
  public ChangeMark mark(Collection<? extends K> keys) {
    return namespace.mark(keys);
  }

  @Override
  public CompletableFuture<Void> fill(Map<K, V> values, ChangeMark mark) {
    return namespace.fill(values, mark);
  }

  @Override
  public Namespace<K, V> synchronous() {
    return namespace;
  }

  @Override
  public String toString() {
    return "AsyncNamespace[" + namespace.name() + "]";
  }
}
