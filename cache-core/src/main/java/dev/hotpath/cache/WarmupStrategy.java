package dev.hotpath.cache;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One way of filling a namespace before traffic arrives: read a list of keys through the
 * namespace (so the loader and the shared tiers fill it), or store what a bulk query returns.
 * Strategies of a {@link WarmupPlan} run in parallel.
 *
 * <p>Implementations must stop soon after their thread is interrupted (the plan's deadline
 * passed, or the run was cut short); the built-in ones check between chunks. A run waits up to 10
 * seconds for them to stop, so that nothing writes to a cache closed after the run returned.
 */
public interface WarmupStrategy {

  /** Keys are read in chunks of this many, one bulk read each. */
  int CHUNK = 500;

  /** A short name for progress reports. */
  String name();

  /** The namespace this strategy fills. */
  String namespace();

  /**
   * Fills the namespace, reporting entries done through {@code progress}.
   *
   * @throws Exception any failure; the report records it and the other strategies go on
   */
  void warm(TieredCache cache, WarmupProgress progress) throws Exception;

  /**
   * Reads {@code keys} through the namespace in chunks: keys the tiers do not hold are loaded by
   * the namespace's loader with one {@link CacheLoader#loadAll} per chunk.
   */
  static <K, V> WarmupStrategy keys(
      String name, NamespaceSpec<K, V> namespace, Supplier<? extends Collection<? extends K>> keys) {
    Objects.requireNonNull(keys, "keys");
    return new NamedWarmup(
        name,
        namespace,
        (cache, progress) -> {
          Namespace<K, V> ns = cache.namespace(namespace);
          List<K> all = new ArrayList<>(keys.get());
          progress.total(all.size());
          for (int from = 0; from < all.size(); from += CHUNK) {
            if (Thread.currentThread().isInterrupted()) {
              return;
            }
            List<K> chunk = all.subList(from, Math.min(all.size(), from + CHUNK));
            ns.getAll(chunk);
            progress.completed(chunk.size());
          }
        });
  }

  /**
   * Caches every entry {@code entries} returns (one bulk query to the source) in every tier of the
   * namespace, as loads would: the writer is not called and other nodes are not told, since the
   * source did not change.
   */
  static <K, V> WarmupStrategy bulk(
      String name, NamespaceSpec<K, V> namespace, Supplier<? extends Map<? extends K, ? extends V>> entries) {
    Objects.requireNonNull(entries, "entries");
    return new NamedWarmup(
        name,
        namespace,
        (cache, progress) -> {
          Map<? extends K, ? extends V> all = entries.get();
          progress.total(all.size());
          if (!Thread.currentThread().isInterrupted()) {
            ((TieredNamespace<K, V>) cache.namespace(namespace)).warm(all);
            progress.completed(all.size());
          }
        });
  }
}

/** A built-in strategy: a name, a namespace, and what to do. */
final class NamedWarmup implements WarmupStrategy {
  interface Body {
    void warm(TieredCache cache, WarmupProgress progress) throws Exception;
  }

  private final String name;
  private final String namespace;
  private final Body body;

  NamedWarmup(String name, NamespaceSpec<?, ?> namespace, Body body) {
    this.name = Objects.requireNonNull(name, "name");
    this.namespace = Objects.requireNonNull(namespace, "namespace").name();
    this.body = body;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String namespace() {
    return namespace;
  }

  @Override
  public void warm(TieredCache cache, WarmupProgress progress) throws Exception {
    body.warm(cache, progress);
  }

  @Override
  public String toString() {
    return "WarmupStrategy[" + name + " -> " + namespace + "]";
  }
}
