package dev.hotpath.cache;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.TierValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.function.ToIntBiFunction;

/**
 * One namespace's in-process store: a Caffeine async cache of {@code K} to either a {@code V} or
 * {@link #ABSENT}. The async cache gives single flight (one in-flight future per key) and drops an
 * in-flight load that an invalidation removed, so a racing load never puts an old value back.
 */
final class MemoryTierStore<K, V> implements NamespaceStore<K, V> {
  /** The in-process negative-caching marker: no wrapper object per cached value. */
  static final Object ABSENT =
      new Object() {
        @Override
        public String toString() {
          return "ABSENT";
        }
      };

  private final AsyncLoadingCache<K, Object> cache;
  private final Policy.VarExpiration<K, Object> expiration;
  private final BatchingExecutor executor;
  /** Reads hits without recording them in Caffeine's read buffer; null when every read must be recorded. */
  private final Policy<K, Object> quietReads;

  /**
   * One hit in this many (a power of two) read by {@link #peek} is left to the caller's recorded
   * read. A recorded read costs a write to Caffeine's shared read buffer and, once drained, a
   * reordering of the entry in the eviction deques and in the timer wheel of per-entry expiry;
   * with two reading threads on two cores that drain competes with the readers (a hit cost 0.83 ×
   * Caffeine's with stats at two threads, the same as raw Caffeine with per-entry expiry). The
   * policy needs the relative frequency of keys, not every read: Caffeine's buffer already drops
   * reads when contended.
   */
  static final int RECORD_ONE_IN = 8;

  MemoryTierStore(
      NamespaceSpec<K, V> spec, Ticker ticker, Executor executor, AsyncCacheLoader<K, Object> loader) {
    TtlProfile ttl = spec.ttl();
    this.executor = new BatchingExecutor(executor);
    Caffeine<Object, Object> base =
        Caffeine.newBuilder().executor(this.executor).ticker(ticker::read).recordStats();
    if (ttl.refreshAfter() != null) {
      base.refreshAfterWrite(ttl.refreshAfter());
    }
    if (spec.maximumWeight() > 0) {
      base.maximumWeight(spec.maximumWeight());
    } else {
      base.maximumSize(spec.maximumSize());
    }
    Caffeine<K, Object> builder = base.expireAfter(new ProfileExpiry<K>(ttl));
    if (spec.maximumWeight() > 0) {
      ToIntBiFunction<? super K, ? super V> weigher = spec.weigher();
      builder = builder.weigher((K k, Object v) -> weigh(weigher, k, v));
    }
    this.cache = builder.buildAsync(loader);
    this.expiration = cache.synchronous().policy().expireVariably().orElseThrow();
    // Refresh-ahead is triggered by a recorded read: a namespace with it records every read.
    this.quietReads = ttl.refreshAfter() == null ? cache.synchronous().policy() : null;
  }

  /**
   * The completed value (a {@code V} or {@link #ABSENT}) this store holds unexpired for {@code
   * key}, read without recording the read, or null: when the key is not held so, and for a sample
   * of the reads ({@link #RECORD_ONE_IN}), which the caller then reads the recorded way, as it does
   * any read this answers null. Thread-safe.
   */
  Object peek(K key) {
    if (quietReads == null || (ThreadLocalRandom.current().nextInt() & (RECORD_ONE_IN - 1)) == 0) {
      return null;
    }
    return quietReads.getIfPresentQuietly(key);
  }

  @SuppressWarnings("unchecked")
  private static <K, V> int weigh(ToIntBiFunction<? super K, ? super V> weigher, K key, Object value) {
    return value == ABSENT ? 1 : weigher.applyAsInt(key, (V) value);
  }

  AsyncLoadingCache<K, Object> cache() {
    return cache;
  }

  /**
   * Runs {@code writes} (puts into this store from the calling thread) with the maintenance they
   * schedule deferred until all of them are done. Caffeine drains its buffers, expires and evicts
   * on its executor after a write; with an executor that runs tasks in the caller's thread that
   * is after every single put of a bulk fill, which then costs more than the puts. No write is
   * lost meanwhile: a writer that finds the write buffer full runs the maintenance itself.
   */
  void batch(Runnable writes) {
    executor.deferring(() -> {
      writes.run();
      return null;
    });
  }

  /**
   * Runs {@code reads} (a bulk read of this store from the calling thread) with the maintenance
   * they schedule run in the calling thread, and returns their answer. The recorded reads among
   * them ({@link #peek}'s sample, about one key in {@link #RECORD_ONE_IN}) fill Caffeine's 16-slot
   * read buffer every 16 recorded reads, and each time Caffeine hands a drain to the executor: on a
   * pool that wakes a thread which then competes with the reader (a warm read of 30,000 keys on
   * two cores took about 15 ms that way, against about 6 ms for Caffeine's own {@code getAll}).
   * Run here, a drain costs the reader no wake-up, and the policy sees the recorded reads of the
   * whole bulk read: deferring the drain instead would leave Caffeine's maintenance marked as under
   * way, and a full buffer drops every recorded read that follows, so only the first keys of the
   * caller's order would count for the size bound.
   */
  <T> T read(Supplier<T> reads) {
    return executor.inCaller(reads);
  }

  void read(Runnable reads) {
    executor.inCaller(() -> {
      reads.run();
      return null;
    });
  }

  CacheStats caffeineStats() {
    return cache.synchronous().stats();
  }

  long estimatedSize() {
    return cache.synchronous().estimatedSize();
  }

  static <V> Object raw(TierValue<V> value) {
    return value.isAbsent() ? ABSENT : value.value();
  }

  @SuppressWarnings("unchecked")
  static <V> TierValue<V> wrap(Object raw) {
    return raw == ABSENT ? TierValue.absent() : TierValue.of((V) raw);
  }

  /** Stores with the profile's TTL (jittered); absences get the negative TTL. */
  void putRaw(K key, Object raw) {
    cache.synchronous().put(key, raw);
  }

  void putRaw(K key, Object raw, Duration ttl) {
    expiration.put(key, raw, ttl);
  }

  @Override
  public TierValue<V> get(K key) {
    CompletableFuture<Object> future = cache.getIfPresent(key);
    Object raw = future == null || future.isCompletedExceptionally() ? null : future.getNow(null);
    return raw == null ? null : wrap(raw);
  }

  @Override
  public Map<K, TierValue<V>> getAll(Collection<? extends K> keys) {
    Map<K, Object> present = cache.synchronous().getAllPresent(keys);
    Map<K, TierValue<V>> result = new HashMap<>(present.size() * 2);
    present.forEach((k, raw) -> result.put(k, wrap(raw)));
    return result;
  }

  @Override
  public void put(K key, TierValue<V> value, Duration ttl) {
    putRaw(key, raw(value), ttl);
  }

  @Override
  public void putAll(Map<? extends K, TierValue<V>> entries, Duration ttl) {
    entries.forEach((k, v) -> put(k, v, ttl));
  }

  @Override
  public void invalidate(K key) {
    cache.synchronous().invalidate(key);
  }

  @Override
  public void invalidateAll(Collection<? extends K> keys) {
    cache.synchronous().invalidateAll(keys);
  }

  @Override
  public void clear() {
    cache.synchronous().invalidateAll();
  }

  /**
   * The host's executor, which keeps the tasks a {@link #deferring} batch's thread hands it and
   * passes them on when the batch ends, and runs the tasks an {@link #inCaller} batch's thread
   * hands it at once, in that thread. Caffeine hands it one maintenance task and then marks
   * maintenance as under way until the task ran, so the later writes of a deferring batch only add
   * to the buffers that task drains. Caffeine hands it the task while holding its eviction lock,
   * which is reentrant: a task run at once takes it again.
   */
  private static final class BatchingExecutor implements Executor {
    /** The batch marker of {@link #inCaller}: no task is kept. */
    private static final List<Runnable> RUN_IN_CALLER = List.of();

    private final Executor delegate;
    private final ThreadLocal<List<Runnable>> deferred = new ThreadLocal<>();

    BatchingExecutor(Executor delegate) {
      this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
      List<Runnable> tasks = deferred.get();
      if (tasks == null) {
        delegate.execute(task);
      } else if (tasks == RUN_IN_CALLER) {
        task.run();
      } else {
        tasks.add(task);
      }
    }

    <T> T inCaller(Supplier<T> work) {
      if (deferred.get() != null) {
        return work.get(); // an enclosing batch already decides
      }
      deferred.set(RUN_IN_CALLER);
      try {
        return work.get();
      } finally {
        deferred.remove();
      }
    }

    <T> T deferring(Supplier<T> work) {
      if (deferred.get() != null) {
        return work.get(); // an enclosing batch already decides
      }
      List<Runnable> tasks = new ArrayList<>(2);
      deferred.set(tasks);
      Throwable failure = null;
      try {
        return work.get();
      } catch (Throwable t) {
        failure = t;
        throw t;
      } finally {
        deferred.remove();
        handOver(tasks, failure);
      }
    }

    /**
     * Hands every kept task over, or runs it here when the executor refuses it, as Caffeine does
     * with maintenance it cannot hand over. One task that fails does not keep the others from
     * running: its failure is added to the batch's own failure, or thrown after the others ran.
     */
    private void handOver(List<Runnable> tasks, Throwable batchFailure) {
      Throwable first = null;
      for (Runnable task : tasks) {
        try {
          try {
            delegate.execute(task);
          } catch (RuntimeException refused) {
            task.run();
          }
        } catch (Throwable t) {
          if (batchFailure != null) {
            batchFailure.addSuppressed(t);
          } else if (first == null) {
            first = t;
          } else {
            first.addSuppressed(t);
          }
        }
      }
      if (first instanceof RuntimeException e) {
        throw e;
      } else if (first instanceof Error e) {
        throw e;
      } else if (first != null) {
        throw new IllegalStateException("a deferred cache maintenance task failed", first);
      }
    }
  }

  /** TTL from the profile: jittered L1 TTL for values, the negative TTL for absences. */
  private static final class ProfileExpiry<K> implements Expiry<K, Object> {
    private final TtlProfile ttl;

    ProfileExpiry(TtlProfile ttl) {
      this.ttl = ttl;
    }

    @Override
    public long expireAfterCreate(K key, Object value, long currentTime) {
      return value == ABSENT ? ttl.negativeNanos() : ttl.jitteredL1Nanos();
    }

    @Override
    public long expireAfterUpdate(K key, Object value, long currentTime, long currentDuration) {
      return expireAfterCreate(key, value, currentTime);
    }

    @Override
    public long expireAfterRead(K key, Object value, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
