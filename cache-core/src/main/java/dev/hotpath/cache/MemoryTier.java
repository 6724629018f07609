package dev.hotpath.cache;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.Tier;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The in-process tier ("L1"): one Caffeine cache per namespace, always the first tier of a
 * {@link TieredCache}. Not shared between processes.
 */
final class MemoryTier implements Tier {
  static final String NAME = "memory";

  private final Ticker ticker;
  private final Executor executor;

  MemoryTier(Ticker ticker, Executor executor) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.executor = Objects.requireNonNull(executor, "executor");
  }

  @Override
  public String name() {
    return NAME;
  }

  /** A store with no loader behind it, as the tier contract sees it. */
  @Override
  public <K, V> NamespaceStore<K, V> open(NamespaceContext<K, V> binding) {
    AsyncCacheLoader<K, Object> none = (key, ignored) -> CompletableFuture.completedFuture(null);
    return open(binding, none);
  }

  /** A store whose misses load through {@code loader} (the namespace's read-through pipeline). */
  <K, V> MemoryTierStore<K, V> open(NamespaceContext<K, V> binding, AsyncCacheLoader<K, Object> loader) {
    return new MemoryTierStore<>(binding.spec(), ticker, executor, loader);
  }

  @Override
  public String toString() {
    return "MemoryTier";
  }
}
