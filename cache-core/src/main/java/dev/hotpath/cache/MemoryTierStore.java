package dev.hotpath.cache;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.TierValue;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One namespace's in-process store: a Caffeine async cache of {@code K} to either a {@code V} or
 * {@link #ABSENT}. The async cache gives single flight (one in-flight future per key) and drops an
 * in-flight load that an invalidation removed, so a racing load never puts an old value back.
 */
final class MemoryTierStore<K, V> implements NamespaceStore<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(MemoryTierStore.class);

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
  private final Ticker ticker;
  /**
   * The thread whose batch reads Caffeine's clock once ({@link #batch}), or null. Read on
   * every clock reading of every thread: a thread that finds itself here reads {@link
   * #frozenNanos}, which only it writes and reads.
   */
  private volatile Thread clockFrozenBy;
  private long frozenNanos;
  /** Reads hits without recording them in Caffeine's read buffer; null when every read must be recorded. */
  private final Policy<K, Object> quietReads;

  /**
   * One hit in this many (a power of two) read by {@link #peek} is left to the caller's recorded
   * read while the size bound has not evicted yet; {@link #RECORD_ONE_IN_ONCE_EVICTED} from its
   * first eviction on. A recorded read costs a write to Caffeine's shared read buffer and, once
   * drained, a reordering of the entry in the eviction deques and in the timer wheel of per-entry
   * expiry. The policy needs the relative frequency of keys, not every read: Caffeine's buffer
   * already drops reads when contended.
   *
   * <p>Why two rates: the drains cost the readers, and fewer recorded reads cost hits once the
   * bound evicts. With one hit in 8 recorded, two threads reading a 65,536-key JCache cache (half
   * its bound) spent a fifth of their time handing drains to the pool ({@code
   * ForkJoinPool.signalWork}, in JFR); a probe that ran those drains in the reader instead saved
   * little, which suggests the drains' work, not only the wake-up, is the cost. Against Caffeine's
   * JCache in 8 forks each, in rounds (2 threads): 0.95× and 0.63× (1,024 and 65,536 keys) with one
   * in 8, 0.95× and 0.87× with one in 16, 1.00× and 1.10× with one in 32. On a Zipf-like trace
   * that evicts, against a Caffeine that records every read, a namespace kept a median of 100.7 %
   * of the hits with one in 8, 99.6 % with one in 16, 98.1 % with one in 32 (96.4–99.5 %), 92 %
   * with none, and 97.9–101.0 % with these two rates (15 runs each but the last; {@code
   * UnrecordedHitTest.aSkewedWorkloadHitsAboutAsOftenAsCaffeineRecordingEveryRead}). Until the
   * bound evicts, what the recorded reads teach the policy waits for its first decision. The
   * benchmarks' caches stay below their bounds, so they measure the first rate.
   */
  static final int RECORD_ONE_IN = 32;

  /**
   * One hit in this many (a power of two) is recorded, in place of {@link #RECORD_ONE_IN}, once the
   * size bound has evicted an entry.
   */
  static final int RECORD_ONE_IN_ONCE_EVICTED = 8;

  /**
   * One hit in this many is recorded now: {@link #RECORD_ONE_IN} until the size bound evicts an
   * entry, {@link #RECORD_ONE_IN_ONCE_EVICTED} from then on, for the store's life (clearing it does
   * not go back; a single entry heavier than a weight bound also counts). Changed once, by
   * Caffeine's maintenance.
   */
  private volatile int recordOneIn = RECORD_ONE_IN;

  MemoryTierStore(
      NamespaceSpec<K, V> spec, Ticker ticker, Executor executor, AsyncCacheLoader<K, Object> loader) {
    TtlProfile ttl = spec.ttl();
    this.ticker = ticker;
    this.executor = new BatchingExecutor(executor);
    Caffeine<Object, Object> base =
        Caffeine.newBuilder().executor(this.executor).ticker(this::now).recordStats();
    if (ttl.refreshAfter() != null) {
      base.refreshAfterWrite(ttl.refreshAfter());
    }
    if (spec.maximumWeight() > 0) {
      base.maximumWeight(spec.maximumWeight());
    } else {
      base.maximumSize(spec.maximumSize());
    }
    Caffeine<K, Object> builder = base.expireAfter(new ProfileExpiry<K>(ttl))
        .evictionListener((K key, Object value, RemovalCause cause) -> {
          if (cause == RemovalCause.SIZE && recordOneIn != RECORD_ONE_IN_ONCE_EVICTED) {
            recordOneIn = RECORD_ONE_IN_ONCE_EVICTED;
          }
        });
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
   * of the reads ({@link #recordOneIn()}), which the caller then reads the recorded way, as it does
   * any read this answers null. Thread-safe.
   */
  Object peek(K key) {
    return (ThreadLocalRandom.current().nextInt() & (recordOneIn - 1)) == 0 ? null : peekQuietly(key);
  }

  /** One hit in this many is recorded now: {@link #RECORD_ONE_IN} or {@link #RECORD_ONE_IN_ONCE_EVICTED}. */
  int recordOneIn() {
    return recordOneIn;
  }

  /**
   * The completed value this store holds unexpired for {@code key}, read without recording the
   * read, or null: when the key is not held so, and always when every read must be recorded (the
   * caller then reads the recorded way). For bulk reads, which record a sample of their reads with
   * a {@link BulkReadSample}. Thread-safe.
   */
  Object peekQuietly(K key) {
    return quietReads == null ? null : quietReads.getIfPresentQuietly(key);
  }

  /**
   * The sample of a bulk read of {@code keys} keys whose reads are recorded once it is done; empty
   * when every read must be recorded (those reads were, then).
   */
  BulkReadSample<K> bulkReadSample(int keys) {
    return new BulkReadSample<>(this, quietReads == null ? 0 : keys);
  }

  /**
   * Most reads one bulk read records: one read buffer's worth. Caffeine hands a drain to the
   * executor each time a recorded read fills its 16-slot read buffer (a thread's stripe), and on a
   * pool that wakes a thread which then competes with the reader: recording one read in 8 (the
   * single-read rate when that was measured) of a 30,000-key bulk read that way took about 15 ms,
   * against about 6 ms for Caffeine's own {@code getAll}; a probe that ran those drains in the
   * reader instead (up to 128 recorded reads of each bulk read, at one in 8) made a warm engine
   * batch of 30,000 keys two to three times slower. A bulk read runs in {@link #batch(Supplier)},
   * so the drain its recorded reads ask for runs once it is done; reads the buffer holds already
   * (earlier single reads of the thread) leave fewer slots, and the reads that find it full are
   * dropped, as Caffeine drops them under contention. Keys read in bulk thus get less credit per
   * read than keys read singly once a bulk read exceeds {@code RECORDED_PER_BULK_READ ×} {@link
   * #recordOneIn()} keys (512 until the size bound first evicts, 128 after), and below that when
   * the thread's buffer holds earlier reads; Caffeine's own bulk read, whose full buffer drops
   * reads, also credits a bounded share.
   */
  static final int RECORDED_PER_BULK_READ = 16;

  /**
   * The keys of one bulk read whose reads are recorded: one in {@link #recordOneIn()}, as single
   * reads, but no more than {@link #RECORDED_PER_BULK_READ}, every {@code stride}-th from a random
   * start; recorded after the read, in an order that starts at a random one of them, so that which
   * of them the read buffer's free slots take does not depend on a key's place in the read either.
   * Used by one thread.
   */
  static final class BulkReadSample<K> {
    private final MemoryTierStore<K, ?> store;
    private final Object[] picked;
    private final int stride;
    private int count;
    private int untilNext;

    private BulkReadSample(MemoryTierStore<K, ?> store, int keys) {
      this.store = store;
      this.stride = stride(keys, store.recordOneIn());
      this.picked = new Object[keys == 0 ? 0 : RECORDED_PER_BULK_READ];
      this.untilNext = keys == 0 ? Integer.MAX_VALUE : 1 + ThreadLocalRandom.current().nextInt(stride);
    }

    /**
     * Every how many keys a bulk read of {@code keys} keys picks one when single reads record one
     * in {@code oneIn}: at least that.
     */
    static int stride(int keys, int oneIn) {
      return Math.max(oneIn, (keys + RECORDED_PER_BULK_READ - 1) / RECORDED_PER_BULK_READ);
    }

    /** Offers the next key of the read, held and read quietly. */
    void offer(K key) {
      if (--untilNext > 0) {
        return;
      }
      untilNext = stride;
      if (count < picked.length) {
        picked[count++] = key;
      }
    }

    /** Records the reads of the picked keys; in the bulk read's {@link #batch(Supplier)}. */
    @SuppressWarnings("unchecked")
    void record() {
      if (count == 0) {
        return;
      }
      Map<K, CompletableFuture<Object>> view = store.cache.asMap();
      int start = ThreadLocalRandom.current().nextInt(count);
      for (int j = 0; j < count; j++) {
        view.get((K) picked[(start + j) % count]); // a recorded read, counted in no stats
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static <K, V> int weigh(ToIntBiFunction<? super K, ? super V> weigher, K key, Object value) {
    return value == ABSENT ? 1 : weigher.applyAsInt(key, (V) value);
  }

  AsyncLoadingCache<K, Object> cache() {
    return cache;
  }

  /**
   * Runs {@code work} (bulk reads or writes of this store from the calling thread) with the
   * maintenance it schedules deferred until it is done, and with this thread's clock readings
   * stopped at the instant it began; returns its answer.
   *
   * <p>Deferred: Caffeine drains its buffers, expires and evicts on its executor after a write;
   * with an executor that runs tasks in the caller's thread that is after every single put of a
   * bulk fill, which then costs more than the puts; on a pool, each hand-off wakes a thread that
   * competes with the caller. No write is lost meanwhile (a writer that finds the write buffer full
   * runs the maintenance itself); for reads see {@link #RECORDED_PER_BULK_READ}.
   *
   * <p>One instant: Caffeine reads its clock on every lookup and every write of an entry that can
   * expire, and a clock reading cost about 45 ns on this project's 2-core machine, a third of a
   * warm 30,000-key read. Caffeine's own bulk reads read it once too. An entry written late in a
   * long batch thus expires as if written when the batch began, and Caffeine's load timing, read
   * from the same clock, would be wrong for a load made inside a batch (none is). Another thread's
   * batch at the same time reads the clock as usual.
   */
  <T> T batch(Supplier<T> work) {
    // Stopped inside the deferral: maintenance handed over when the batch ends, which a
    // same-thread executor runs in this thread, reads the clock as it is by then.
    return executor.deferring(() -> atOneInstant(work));
  }

  private <T> T atOneInstant(Supplier<T> work) {
    if (clockFrozenBy != null || !CLOCK_FROZEN_BY.compareAndSet(this, null, Thread.currentThread())) {
      return work.get(); // another thread's batch has the clock, or an enclosing one of this thread
    }
    try {
      frozenNanos = ticker.read();
      return work.get();
    } finally {
      clockFrozenBy = null;
    }
  }

  void batch(Runnable work) {
    batch(() -> {
      work.run();
      return null;
    });
  }

  /** Caffeine's clock: {@link #ticker}, or the instant this thread's {@link #batch} began. */
  private long now() {
    return clockFrozenBy == Thread.currentThread() ? frozenNanos : ticker.read();
  }

  private static final VarHandle CLOCK_FROZEN_BY;

  static {
    try {
      CLOCK_FROZEN_BY = MethodHandles.lookup().findVarHandle(MemoryTierStore.class, "clockFrozenBy", Thread.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
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
   * The host's executor, which, inside {@link #deferring}, keeps the tasks the batch's thread hands
   * it and passes them on when the batch ends. Caffeine hands it one maintenance task and then
   * marks maintenance as under way, so later writes and recorded reads of the batch only add to the
   * buffers that task drains (a full read buffer drops a read).
   */
  private static final class BatchingExecutor implements Executor {
    private final Executor delegate;
    private final ThreadLocal<List<Runnable>> deferred = new ThreadLocal<>();

    BatchingExecutor(Executor delegate) {
      this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
      List<Runnable> tasks = deferred.get();
      if (tasks != null) {
        tasks.add(task);
      } else {
        delegate.execute(task);
      }
    }

    <T> T deferring(Supplier<T> work) {
      if (deferred.get() != null) {
        return work.get(); // the enclosing batch hands the tasks over
      }
      List<Runnable> tasks = new ArrayList<>(2);
      deferred.set(tasks);
      try {
        return work.get();
      } finally {
        deferred.remove();
        tasks.forEach(this::handOver);
      }
    }

    /**
     * Hands {@code task} over, or runs it here when the executor does not take it, as Caffeine does
     * with maintenance it cannot hand over. A task that fails is logged, as Caffeine logs a failed
     * maintenance: it is not the batch's failure, and the tasks after it still run.
     */
    private void handOver(Runnable task) {
      boolean[] started = new boolean[1];
      try {
        try {
          delegate.execute(() -> {
            started[0] = true;
            task.run();
          });
        } catch (Throwable notTaken) {
          if (started[0]) {
            throw notTaken; // a same-thread executor ran it and it failed: not to be run again
          }
          task.run();
        }
      } catch (Throwable failed) {
        LOG.warn("A cache maintenance task deferred to the end of a bulk read or write failed", failed);
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
