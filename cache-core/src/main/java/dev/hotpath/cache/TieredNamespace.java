package dev.hotpath.cache;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.hotpath.cache.spi.Tier;
import dev.hotpath.cache.spi.TierValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The namespace: the in-process store in front, the shared tiers behind it, the loader last.
 *
 * <p>The in-process hit is one lookup in Caffeine's map view plus a completed-future read, counted
 * by a striped counter of this class (the view records no stats), and it is not timed (the latency
 * stats are of the reads that went past the in-process tier, which are the ones that can be slow).
 */
final class TieredNamespace<K, V> implements Namespace<K, V>, InvalidationListener {
  private final NamespaceSpec<K, V> spec;
  private final String name;
  private final MemoryTierStore<K, V> l1;
  /** {@link #l1}'s map view, read by the in-process hit paths: no stats, no loading, no allocation. */
  private final Map<K, CompletableFuture<Object>> inProcess;
  /** The shared tiers, top (read first: Redis) to bottom (PostgreSQL). */
  private final List<TierGuard<K, V>> shared;
  /**
   * {@link #shared} from the bottom up, the order an invalidation empties them in. The top tier's
   * change is what other nodes hear of (Redis records it as it deletes); a node that heard of it
   * and missed there must find nothing below either, or it would serve the old value and copy it
   * back up, where no later event removes it.
   */
  private final List<TierGuard<K, V>> sharedBottomUp;
  /** Keys whose change failed in a shared tier, to be invalidated again everywhere. */
  private final RetriedInvalidations<K> retried;
  private final CacheLoader<K, V> loader;
  private final InvalidationStamps stamps = new InvalidationStamps();
  private final WriteLocks writeLocks = new WriteLocks();
  private final WriteBehindQueue<K, V> writeBehind;
  private final InvalidationBus bus;
  private final String origin;
  private final Ticker ticker;
  private final CacheRuntime runtime;
  private final LatencyRecorder latency = new LatencyRecorder();
  private final LongAdder loads = new LongAdder();
  private final LongAdder loadFailures = new LongAdder();
  private final LongAdder puts = new LongAdder();
  private final AsyncNamespace<K, V> async = new AsyncNamespaceView<>(this);
  private final Pipeline pipeline = new Pipeline();
  private final LoadRunner loadRunner;
  private final LongAdder sharedHits = new LongAdder();
  /**
   * In-process hits read through {@link #inProcess} ({@link #get}, {@link #getIfPresent} and bulk
   * reads answered whole in process), which Caffeine does not count; its own hit count covers the
   * reads that went through its loading API.
   */
  private final LongAdder inProcessHits = new LongAdder();
  /**
   * In-process misses Caffeine does not count: of {@link #getIfPresent}, which reads the map view,
   * and of the keys {@link #getAll} reads from the shared tiers itself (those it hands to
   * Caffeine's loading read are counted by Caffeine).
   */
  private final LongAdder inProcessMisses = new LongAdder();
  /**
   * Keys no tier held (in-process misses of getIfPresent included). Counted on its own, not as
   * requests minus hits: a key is an in-process miss at once but a shared hit only when the tier
   * answers, and a counter that could go down in between would read as a reset to Prometheus.
   */
  private final LongAdder misses = new LongAdder();
  private final LongAdder writeBacksSkipped = new LongAdder();
  /** Whole-namespace invalidations in progress on this node; write-backs skip while any runs. */
  private final AtomicInteger clearing = new AtomicInteger();
  /** Whether another node can hold this namespace's keys, so its changes are published to them. */
  private final boolean crossNode;
  /** Checked before a key leaves the process: by every change, and by reads that miss in process. */
  private final KeySizeLimit<K> keySizeLimit;

  /**
   * How long a write-back waits for a key's write lock before giving up on writing back (costing a
   * later miss). Bounded because a write-back may run inside Caffeine's compute of the key when the
   * executor runs tasks in the caller's thread, while a put of that key holds the lock and waits
   * for the same compute.
   */
  private static final long WRITE_BACK_LOCK_WAIT_NANOS = 20_000_000L;

  TieredNamespace(
      NamespaceSpec<K, V> spec,
      MemoryTier memory,
      List<Tier> sharedTiers,
      CacheRuntime runtime) {
    this.spec = spec;
    this.name = spec.name();
    this.loader = spec.loader();
    this.bus = runtime.bus();
    this.origin = runtime.nodeId();
    this.ticker = runtime.ticker();
    this.runtime = runtime;
    this.loadRunner = new LoadRunner(name, runtime.executor(), runtime::isClosed, writeBacksSkipped);
    this.l1 = memory.open(new DefaultNamespaceContext<>(spec, spec.ttl().l1(), origin), new KeySizeChecking());
    this.inProcess = l1.cache().asMap();
    List<TierGuard<K, V>> slots = new ArrayList<>();
    for (Tier tier : sharedTiers) {
      Duration ttl = spec.ttl().ttlFor(tier.name());
      if (ttl != null) {
        DefaultNamespaceContext<K, V> binding = new DefaultNamespaceContext<>(spec, ttl, origin);
        slots.add(new TierGuard<>(tier.name(), tier.open(binding), binding));
      }
    }
    this.shared = List.copyOf(slots);
    Collections.reverse(slots);
    this.sharedBottomUp = List.copyOf(slots);
    this.retried = new RetriedInvalidations<>(name, runtime.scheduler(), runtime.executor(),
        this::invalidateInTiersThatDoNotRetry, this::invalidateAgainEverywhere,
        this::clearTiersThatDoNotRetry, this::invalidateAll);
    this.crossNode = !shared.isEmpty() || spec.crossNodeInvalidation();
    this.keySizeLimit = new KeySizeLimit<>(spec, crossNode);
    this.writeBehind =
        spec.writeMode() == WriteMode.WRITE_BEHIND
            ? new WriteBehindQueue<>(name, spec.writer(), spec.deadLetters(), spec.writeBehind(), runtime.scheduler())
            : null;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public NamespaceSpec<K, V> spec() {
    return spec;
  }

  // ---- reads

  @Override
  public V get(K key) {
    Objects.requireNonNull(key, "key");
    checkOpen();
    // The in-process hit goes through the map view, not the loading get: that one costs a call
    // chain through Caffeine's async layers and its stats counter per hit, about a quarter of a
    // hit's time. The view still checks expiry and triggers refresh-ahead. Most hits are read
    // without recording them in Caffeine's policy (MemoryTierStore.recordOneIn()).
    Object raw = l1.peek(key);
    if (raw == null) {
      raw = completedValue(inProcess.get(key));
    }
    if (raw != null) {
      inProcessHits.increment();
      return value(raw);
    }
    long start = ticker.read();
    return awaitTimed(key, shared.isEmpty() ? l1.cache().get(key) : readThroughInCaller(key), start);
  }

  /**
   * The future of {@code key}'s value when the in-process tier missed: the shared tiers are read in
   * the calling thread, as {@link #readAllInCaller} reads them, and only a key no shared tier holds
   * goes to a load thread for the source. Handing the tier read to a load thread cost a wake-up and
   * a hop back per read: with the default executors, {@code RedisTierReadBenchmark.hotpath} ran at
   * 0.39–0.46 times raw Lettuce's rate that way and 0.64–0.79 times with the read in the caller
   * (two runs each, same machine). The future is registered in the in-process tier before the
   * read, so concurrent readers of the key join it (one read of the shared tiers, not one per
   * reader).
   */
  private CompletableFuture<Object> readThroughInCaller(K key) {
    CompletableFuture<Object> mine = new CompletableFuture<>();
    CompletableFuture<Object> future = l1.cache().get(key, (k, ignored) -> {
      keySizeLimit.check(k); // as the loader does, before the key is registered
      return mine;
    });
    if (future == mine) {
      try {
        long stamp = stamps.read(key);
        // An interrupted caller's tier read fails and reads as a miss (the tier guard serves
        // without the tier): a load thread then reads the tiers again before asking the source.
        boolean[] interrupted = new boolean[1];
        loadRunner.load(mine, key,
            later -> {
              Object raw = fromSharedTiers(key, stamp, later);
              interrupted[0] = raw == null && Thread.currentThread().isInterrupted();
              return raw;
            },
            later -> interrupted[0] ? loadThroughTiers(key, stamp, later) : fromSource(key, stamp, later));
      } catch (Throwable t) {
        mine.completeExceptionally(new LoadRunner.QuietFailure(t)); // no-op when already complete
        throw t;
      }
    }
    return future;
  }

  /** The outcome of a held future when it has completed normally, else null (absent, loading or failed). */
  private static Object completedValue(CompletableFuture<Object> future) {
    if (future == null) {
      return null;
    }
    try {
      return future.getNow(null);
    } catch (CompletionException | java.util.concurrent.CancellationException e) {
      return null;
    }
  }

  /**
   * Caffeine removes a load that failed or found nothing when it completes, but a waiter can wake
   * before that removal; removing it here, before the outcome reaches the caller, makes the
   * caller's next read load again instead of seeing the old outcome.
   */
  private void forgetUncached(K key, CompletableFuture<Object> future) {
    inProcess.remove(key, future);
  }

  private V awaitTimed(K key, CompletableFuture<Object> future, long start) {
    try {
      Object raw = await(future);
      if (raw == null) {
        forgetUncached(key, future);
      }
      return value(raw);
    } catch (RuntimeException e) {
      // An interrupted waiter leaves a load that is still running to the other readers.
      if (future.isDone()) {
        forgetUncached(key, future);
      }
      throw e;
    } finally {
      latency.record(ticker.read() - start);
    }
  }

  @Override
  public AsyncNamespace<K, V> async() {
    return async;
  }

  CompletableFuture<V> getAsync(K key) {
    Objects.requireNonNull(key, "key");
    checkOpen();
    long start = ticker.read();
    CompletableFuture<Object> future = l1.cache().get(key);
    boolean inProcessHit = future.isDone();
    return future
        .handle(
            (raw, failure) -> {
              if (!inProcessHit) {
                latency.record(ticker.read() - start);
              }
              if (failure != null) {
                forgetUncached(key, future);
                throw new CompletionException(unwrap(failure));
              }
              if (raw == null) {
                forgetUncached(key, future);
              }
              return value(raw);
            });
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    if (spec.ttl().refreshAfter() != null) {
      return await(getAllAsync(keys)); // refresh-ahead is Caffeine's to trigger on its own reads
    }
    requireKeys(keys);
    checkOpen();
    return readAllInCaller(keys);
  }

  /**
   * The blocking bulk read. What the in-process tier holds answers at once; the keys it holds
   * nothing for are read from the shared tiers in the caller's thread, one bulk read per tier (a
   * hop to a load thread and back would cost more than the read of a hundred keys), and copied
   * into the in-process tier as {@link #fill} does, under the same stamps. No future is registered
   * for those keys meanwhile: a reader of one of them in between reads the shared tiers too, which
   * changes nothing. The source is what must be asked once per missing key, so the keys no shared
   * tier holds, when there is a loader, and the keys another read is loading go through Caffeine's
   * loading read as before, which joins or registers their loads ({@link #loadAfterTierMiss}).
   */
  private Map<K, V> readAllInCaller(Collection<? extends K> keys) {
    BulkRead read = new BulkRead(keys);
    // The maintenance its recorded reads and any expired entry ask for is handed over once.
    l1.batch(read::scanInProcess);
    if (read.unheldCount == 0 && read.loadingCount == 0) {
      inProcessHits.add(read.heldCount);
      return read.values();
    }
    if (read.unheldCount > 0) {
      // Not before: the in-process tier never holds a key over the limit.
      keySizeLimit.checkAll(read.keysAt(read.unheld, read.unheldCount));
    }
    inProcessHits.add(read.heldCount);
    long start = ticker.read();
    try {
      Map<K, Long> tierMissed = Map.of();
      if (read.unheldCount > 0) {
        LoadRunner.WriteBacks later = new LoadRunner.WriteBacks();
        read.readSharedTiers(later);
        l1.batch(read::fillInProcess);
        loadRunner.writeBackLater(later);
        if (loader != null && read.missingCount > 0) {
          tierMissed = read.stampsOf(read.missing, read.missingCount);
          inProcessMisses.add(read.unheldCount - read.missingCount);
          for (int j = 0; j < read.missingCount; j++) {
            read.addLoading(read.missing[j]);
          }
        } else {
          inProcessMisses.add(read.unheldCount);
        }
      }
      if (read.loadingCount > 0) {
        Map<K, Long> missedBefore = tierMissed;
        read.takeLoaded(await(l1.cache().getAll(
            read.keysAt(read.loading, read.loadingCount), (missing, ignored) -> loadAfterTierMiss(missing, missedBefore))));
      }
    } finally {
      latency.record(ticker.read() - start);
    }
    return read.values();
  }

  /**
   * The state of one {@link #readAllInCaller}, kept in arrays indexed like its keys: a bulk read of
   * a hundred keys that miss in process spent about a third of its own time in the hash maps
   * (boxed stamps, raws by key, the keys left to read) this replaces. Used by one thread.
   */
  private final class BulkRead {
    /** The keys, each once, in the caller's order: the first {@link #keyCount} of the array. */
    final Object[] keys;
    final int keyCount;
    /** The keys by index when the caller's collection may repeat keys (not a set); else null. */
    private final InOrderMap<K, K> index;
    /** What each key reads as so far (a value or {@link MemoryTierStore#ABSENT}); null while unknown. */
    final Object[] raws;
    /** Each unheld key's stamp, read before any tier is (by index; 0 for other keys). */
    long[] stamps;
    /** Indexes of the keys the in-process tier holds nothing for; null if none. */
    int[] unheld;
    int unheldCount;
    /** Indexes of the keys held as loading (or as a load that failed or found nothing), then of those to load. */
    int[] loading;
    int loadingCount;
    /** Indexes of the unheld keys no shared tier (nor the write-behind buffer) holds. */
    int[] missing;
    int missingCount;
    int heldCount;
    /** The stamps of the unheld keys by key, built when a write-back or a load needs them. */
    private Map<K, Long> stampsByKey;

    /**
     * @param keys the caller's keys: a set is read as it is; another collection is made distinct
     *     first (a repeated key is read once, and answered at its first place)
     */
    BulkRead(Collection<? extends K> keys) {
      if (keys instanceof Set<?>) {
        this.index = null;
        this.keys = keys.toArray();
        this.keyCount = this.keys.length;
      } else {
        this.index = InOrderMap.distinctKeys(keys);
        this.keys = index.keyArray();
        this.keyCount = index.size();
      }
      this.raws = new Object[keyCount];
    }

    void scanInProcess() {
      MemoryTierStore.BulkReadSample<K> sample = l1.bulkReadSample(keyCount);
      for (int i = 0; i < keyCount; i++) {
        @SuppressWarnings("unchecked")
        K key = (K) keys[i];
        Object raw = l1.peekQuietly(key);
        CompletableFuture<Object> future = null;
        if (raw != null) {
          sample.offer(key);
        } else {
          future = inProcess.get(key);
          raw = completedValue(future);
        }
        if (raw != null) {
          raws[i] = raw;
          heldCount++;
        } else if (future == null) {
          if (unheld == null) {
            unheld = new int[keyCount];
            stamps = new long[keyCount];
          }
          unheld[unheldCount++] = i;
          stamps[i] = TieredNamespace.this.stamps.read(key);
        } else {
          addLoading(i);
        }
      }
      sample.record();
    }

    void addLoading(int i) {
      if (loading == null) {
        loading = new int[keyCount];
      }
      loading[loadingCount++] = i;
    }

    /**
     * Looks the unheld keys up in the shared tiers, in order, copying what a tier holds to the
     * tiers above it (later) and into {@link #raws}; the keys none holds end in {@link #missing}.
     */
    void readSharedTiers(LoadRunner.WriteBacks later) {
      missing = Arrays.copyOf(unheld, unheldCount);
      missingCount = unheldCount;
      for (int t = 0; t < shared.size() && missingCount > 0; t++) {
        // Not copied: the tier is done with the keys when it returns, before missing is compacted.
        Map<K, TierValue<V>> found = shared.get(t).getAll(keysAt(missing, missingCount));
        sharedHits.add(found.size());
        if (found.isEmpty()) {
          continue;
        }
        if (t > 0) {
          deferWriteBackAll(later, t, found, stampsByKey());
        }
        int kept = 0;
        for (int j = 0; j < missingCount; j++) {
          int i = missing[j];
          TierValue<V> value = found.get(keys[i]);
          if (value != null) {
            raws[i] = MemoryTierStore.raw(value);
          } else {
            missing[kept++] = i;
          }
        }
        missingCount = kept;
      }
      if (writeBehind != null && missingCount > 0) {
        Set<K> remaining = new LinkedHashSet<>(keysAt(missing, missingCount));
        Map<K, Object> pending = new HashMap<>();
        takePendingWrites(remaining, stampsByKey(), pending, later);
        takeFound(pending);
      }
      misses.add(missingCount);
    }

    /** Takes the keys of {@link #missing} that {@code found} holds out of it, into {@link #raws}. */
    private void takeFound(Map<K, Object> found) {
      int kept = 0;
      for (int j = 0; j < missingCount; j++) {
        int i = missing[j];
        Object raw = found.get(keys[i]);
        if (raw != null) {
          raws[i] = raw;
        } else {
          missing[kept++] = i;
        }
      }
      missingCount = kept;
    }

    /** Copies what the shared tiers held into the in-process tier, under each key's stamp. */
    @SuppressWarnings("unchecked")
    void fillInProcess() {
      for (int j = 0; j < unheldCount; j++) {
        int i = unheld[j];
        if (raws[i] != null) {
          TieredNamespace.this.fillInProcess((K) keys[i], raws[i], stamps[i]);
        }
      }
    }

    void takeLoaded(Map<K, Object> loaded) {
      for (int j = 0; j < loadingCount; j++) {
        int i = loading[j];
        Object raw = loaded.get(keys[i]);
        if (raw != null) {
          raws[i] = raw;
        }
      }
    }

    /** The keys at {@code indexes[0, count)}, as a set view (they are distinct). */
    Set<K> keysAt(int[] indexes, int count) {
      return new IndexedKeys<>(keys, indexes, count);
    }

    @SuppressWarnings("unchecked")
    Map<K, Long> stampsOf(int[] indexes, int count) {
      Map<K, Long> result = new HashMap<>(count * 2);
      for (int j = 0; j < count; j++) {
        result.put((K) keys[indexes[j]], stamps[indexes[j]]);
      }
      return result;
    }

    private Map<K, Long> stampsByKey() {
      if (stampsByKey == null) {
        stampsByKey = stampsOf(unheld, unheldCount);
      }
      return stampsByKey;
    }

    /** The values found, in the order of the keys; absences left out. An unmodifiable {@link InOrderMap}. */
    @SuppressWarnings("unchecked")
    Map<K, V> values() {
      if (index != null && allValues()) {
        return index.withValues(raws); // every key answered: the index is the answer's
      }
      InOrderMap<K, V> result = new InOrderMap<>(keyCount);
      for (int i = 0; i < keyCount; i++) {
        V value = value(raws[i]);
        if (value != null) {
          result.add((K) keys[i], value);
        }
      }
      return result;
    }

    /** Whether every key reads as a value (none is missing or held as absent). */
    private boolean allValues() {
      for (int i = 0; i < keyCount; i++) {
        if (raws[i] == null || raws[i] == MemoryTierStore.ABSENT) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * Loads the keys Caffeine registered for {@link #readAllInCaller}: those it read from every
   * shared tier without finding them ({@code tierMissed}, with the stamps read before) go to the
   * source unless they changed since; the others (a load another read had that finished in
   * between, a key changed meanwhile) are read through the tiers first.
   */
  private CompletableFuture<Map<K, Object>> loadAfterTierMiss(Set<? extends K> missing, Map<K, Long> tierMissed) {
    Map<K, Long> stampsByKey = new HashMap<>(missing.size() * 2);
    Set<K> tiersRead = new HashSet<>();
    for (K key : missing) {
      Long stamp = tierMissed.get(key);
      // Checked after Caffeine registered the key: a change from here on drops the registered load.
      if (stamp != null && !stamps.changed(key, stamp)) {
        tiersRead.add(key);
        stampsByKey.put(key, stamp);
      } else {
        stampsByKey.put(key, stamps.read(key));
      }
    }
    return loadRunner.load(missing, later -> loadAllThroughTiers(stampsByKey, tiersRead, later));
  }

  CompletableFuture<Map<K, V>> getAllAsync(Collection<? extends K> keys) {
    return readAll(keys, l1.cache()::getAll);
  }

  /**
   * The values of {@code keys} when the in-process tier holds every one of them, else null. Bulk
   * reads of hot keys (the batch engine's warm path) skip Caffeine's bulk machinery, which builds
   * a future per key. Counted here as in-process hits, since the map view records no stats; nothing
   * is counted when it returns null (the read that follows counts the keys). Like Caffeine's bulk
   * reads, a key given twice counts once. A key held as absent is left out of the map, or makes it
   * return null when {@code valuesOnly}. The map is an unmodifiable {@link InOrderMap}.
   */
  private Map<K, V> allInProcess(Collection<? extends K> keys, boolean valuesOnly) {
    // The maintenance its recorded reads ask for is handed over once, after it.
    return l1.batch(() -> scanAllInProcess(keys, valuesOnly));
  }

  private Map<K, V> scanAllInProcess(Collection<? extends K> keys, boolean valuesOnly) {
    Map<K, CompletableFuture<Object>> held = inProcess;
    InOrderMap<K, V> result = new InOrderMap<>(keys.size());
    Set<K> absent = null; // the keys held as absent, to count each once
    MemoryTierStore.BulkReadSample<K> sample = l1.bulkReadSample(keys.size());
    for (K key : keys) {
      Object raw = l1.peekQuietly(key);
      if (raw != null) {
        sample.offer(key);
      } else {
        CompletableFuture<Object> future = held.get(key);
        if (future == null || !future.isDone() || future.isCompletedExceptionally()) {
          return null; // missing, loading or failed: the whole read goes the usual way
        }
        raw = future.getNow(null);
        if (raw == null) {
          return null;
        }
      }
      V value = value(raw);
      if (value != null) {
        result.add(key, value);
      } else if (valuesOnly) {
        return null;
      } else {
        if (absent == null) {
          absent = new HashSet<>();
        }
        absent.add(key);
      }
    }
    sample.record();
    inProcessHits.add(result.size() + (absent == null ? 0 : absent.size()));
    return result;
  }

  /** {@link AsyncNamespace#getAllIfInProcess}. */
  Map<K, V> getAllIfInProcess(Collection<? extends K> keys) {
    requireKeys(keys);
    checkOpen();
    return spec.ttl().refreshAfter() == null ? allInProcess(keys, true) : null;
  }

  private static void requireKeys(Collection<?> keys) {
    Objects.requireNonNull(keys, "keys");
    for (Object key : keys) {
      Objects.requireNonNull(key, "key in keys");
    }
  }

  private CompletableFuture<Map<K, V>> readAll(
      Collection<? extends K> keys, Function<Collection<? extends K>, CompletableFuture<Map<K, Object>>> lookup) {
    requireKeys(keys);
    checkOpen();
    // Refresh-ahead is Caffeine's to trigger on its own reads.
    Map<K, V> whole = spec.ttl().refreshAfter() == null ? allInProcess(keys, false) : null;
    if (whole != null) {
      return CompletableFuture.completedFuture(whole);
    }
    // Not before: the in-process tier never holds a key over the limit, so a bulk read it answers
    // whole needs no check, and the warm path stays free of encoding.
    keySizeLimit.checkAll(keys);
    long start = ticker.read();
    CompletableFuture<Map<K, Object>> future = lookup.apply(keys);
    // Only reads that went past the in-process tier are timed (see NamespaceStats.meanLatency).
    boolean inProcessHit = future.isDone();
    return future
        .handle(
            (raws, failure) -> {
              if (!inProcessHit) {
                latency.record(ticker.read() - start);
              }
              if (failure != null) {
                throw new CompletionException(unwrap(failure));
              }
              Map<K, V> result = new LinkedHashMap<>(raws.size() * 2);
              raws.forEach(
                  (k, raw) -> {
                    V v = value(raw);
                    if (v != null) {
                      result.put(k, v);
                    }
                  });
              return result;
            });
  }

  @Override
  public V getIfPresent(K key) {
    Objects.requireNonNull(key, "key");
    checkOpen();
    // Through the map view, as get's hit is, and counted here: Caffeine's own getIfPresent records
    // its stats and walks the async layers on every call, which JCache's get (built on this) pays
    // per hit. A key held at all (loading, failed or absent included) counts as a hit, as
    // Caffeine counted it.
    Object raw = l1.peek(key);
    if (raw != null) {
      inProcessHits.increment();
      return value(raw);
    }
    CompletableFuture<Object> future = inProcess.get(key);
    if (future == null) {
      inProcessMisses.increment();
      misses.increment();
      return null;
    }
    inProcessHits.increment();
    return value(completedValue(future));
  }

  @SuppressWarnings("unchecked")
  private V value(Object raw) {
    return raw == null || raw == MemoryTierStore.ABSENT ? null : (V) raw;
  }

  private <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    } catch (CompletionException e) {
      throw rethrow(e.getCause());
    } catch (LoadRunner.QuietFailure e) {
      throw rethrow(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CacheLoadException(name, "(interrupted)", e);
    }
  }

  private static Throwable unwrap(Throwable t) {
    return LoadRunner.unwrap(t);
  }

  private RuntimeException rethrow(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof RuntimeException re) {
      return re;
    }
    if (cause instanceof Error error) {
      throw error;
    }
    return new CacheLoadException(name, "(unknown key)", cause);
  }

  // ---- writes

  @Override
  public void put(K key, V value) {
    putEntry(key, value, null);
  }

  @Override
  public void put(K key, V value, Duration ttl) {
    putEntry(key, value, Arguments.positive(ttl, "ttl"));
  }

  private void putEntry(K key, V value, Duration ttl) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    checkOpen();
    keySizeLimit.check(key);
    List<K> keys = List.of(key);
    try (WriteLocks.Held held = writeLocks.lock(key)) {
      writeToRecord(key, value);
      change(keys, () -> {
        if (ttl == null) {
          l1.putRaw(key, value);
        } else {
          l1.putRaw(key, value, ttl);
        }
        TierValue<V> stored = TierValue.of(value);
        boolean everywhere = true;
        for (TierGuard<K, V> slot : shared) {
          everywhere &= slot.put(key, stored, ttl);
        }
        if (!everywhere) {
          retried.add(keys); // a tier that failed may keep the value this put replaced
        }
      });
    }
    puts.increment();
    publishKeys(keys);
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> entries) {
    Objects.requireNonNull(entries, "entries");
    Map<K, TierValue<V>> stored = new LinkedHashMap<>(entries.size() * 2);
    entries.forEach(
        (k, v) -> stored.put(Objects.requireNonNull(k, "key"), TierValue.of(Objects.requireNonNull(v, "value"))));
    checkOpen();
    keySizeLimit.checkAll(stored.keySet());
    Map<K, TierValue<V>> accepted = new LinkedHashMap<>(stored.size() * 2);
    CacheWriteException refused = null;
    try (WriteLocks.Held held = writeLocks.lock(stored.keySet())) {
      for (Map.Entry<K, TierValue<V>> e : stored.entrySet()) {
        try {
          writeToRecord(e.getKey(), e.getValue().value());
        } catch (CacheWriteException failure) {
          // The entries before this one reached the record (or its buffer): cache them too, so
          // the cache never holds older values than the record.
          refused = failure;
          break;
        }
        accepted.put(e.getKey(), e.getValue());
      }
      storeAll(accepted);
    }
    if (!accepted.isEmpty()) {
      puts.add(accepted.size());
      publishKeys(accepted.keySet());
    }
    if (refused != null) {
      throw refused;
    }
  }

  /** Caches entries in every tier; the caller holds their write locks. */
  private void storeAll(Map<K, TierValue<V>> entries) {
    if (entries.isEmpty()) {
      return;
    }
    change(entries.keySet(), () -> {
      entries.forEach((k, v) -> l1.putRaw(k, v.value()));
      boolean everywhere = true;
      for (TierGuard<K, V> slot : shared) {
        everywhere &= slot.putAll(entries);
      }
      if (!everywhere) {
        retried.add(entries.keySet());
      }
    });
  }

  /**
   * Warmup's way in: caches entries read from the source in every tier like a load would (as
   * fills), without calling the writer or telling other nodes, since nothing changed.
   */
  void warm(Map<? extends K, ? extends V> entries) {
    checkOpen();
    Map<K, TierValue<V>> values = new LinkedHashMap<>(entries.size() * 2);
    entries.forEach(
        (k, v) -> values.put(Objects.requireNonNull(k, "key"), TierValue.of(Objects.requireNonNull(v, "value"))));
    keySizeLimit.checkAll(values.keySet());
    try (WriteLocks.Held held = writeLocks.lock(values.keySet())) {
      change(values.keySet(), () -> {
        values.forEach((k, v) -> l1.putRaw(k, v.value()));
        for (TierGuard<K, V> slot : shared) {
          slot.fillAll(values);
        }
      });
    }
  }

  /**
   * Applies a change of {@code keys} to the tiers, holding their write locks. The stamps are
   * bumped before and after: a load that read a key's stamp before the change ended sees it moved
   * when it comes to write back (under the same lock), so it never writes back what it read from
   * a tier the change had not reached yet.
   */
  private void change(Collection<K> keys, Runnable apply) {
    keys.forEach(stamps::bump);
    apply.run();
    keys.forEach(stamps::bump);
  }

  private void writeToRecord(K key, V value) {
    switch (spec.writeMode()) {
      case WRITE_THROUGH -> {
        try {
          spec.writer().write(key, value);
        } catch (Exception e) {
          throw new CacheWriteException(name, "writer failed for " + key + ": " + e, e);
        }
      }
      case WRITE_BEHIND -> writeBehind.enqueue(key, value);
      case CACHE_ASIDE -> {}
    }
  }

  @Override
  public boolean flush(Duration timeout) {
    Arguments.notNegative(timeout, "timeout");
    return writeBehind == null || writeBehind.flush(System.nanoTime() + Arguments.saturatedNanos(timeout));
  }

  // ---- invalidation

  @Override
  public void invalidate(K key) {
    Objects.requireNonNull(key, "key");
    invalidateKeys(List.of(key));
  }

  @Override
  public void invalidateAll(Collection<? extends K> keys) {
    Objects.requireNonNull(keys, "keys");
    List<K> list = new ArrayList<>(keys.size());
    for (K key : keys) {
      list.add(Objects.requireNonNull(key, "key in keys"));
    }
    invalidateKeys(list);
  }

  /**
   * Shared tiers first, in process last: a read that misses in process after the removal then
   * finds nothing stale below, and one whose load was in flight before it has its future dropped
   * by the removal. The shared tiers from the bottom up ({@link #sharedBottomUp}).
   */
  private void invalidateKeys(List<K> keys) {
    checkOpen();
    keySizeLimit.checkAll(keys);
    try (WriteLocks.Held held = writeLocks.lock(keys)) {
      change(keys, () -> {
        boolean everywhere = true;
        for (TierGuard<K, V> slot : sharedBottomUp) {
          everywhere &= keys.size() == 1 ? slot.invalidate(keys.get(0)) : slot.invalidateAll(keys);
        }
        if (!everywhere) {
          retried.add(keys); // a tier that failed may still hold them
        }
        l1.invalidateAll(keys);
      });
    }
    publishKeys(keys);
  }

  /** {@link RetriedInvalidations}' probe: true when every tier that does not retry itself took it. */
  private boolean invalidateInTiersThatDoNotRetry(Collection<K> keys) {
    checkOpen(); // closed: nothing to retry (the retries stop on the exception)
    boolean everywhere = true;
    List<K> list = new ArrayList<>(keys);
    for (TierGuard<K, V> slot : sharedBottomUp) {
      if (!slot.retriesItself()) {
        everywhere &= slot.invalidateAll(list);
      }
    }
    return everywhere;
  }

  /**
   * {@link RetriedInvalidations}' second step, once the failing tiers took the invalidation: the
   * keys everywhere, which removes the copies other nodes made of the old value meanwhile. Not a
   * key with a write-behind value still waiting for the record: its put reached the tiers that
   * work (a fill cannot replace it there), and invalidating it would let a load read the record's
   * older value before the write lands.
   */
  private void invalidateAgainEverywhere(Collection<K> keys) {
    List<K> list = new ArrayList<>(keys.size());
    for (K key : keys) {
      if (pendingWrite(key) == null) {
        list.add(key);
      }
    }
    if (!list.isEmpty()) {
      invalidateKeys(list);
    }
  }

  private boolean clearTiersThatDoNotRetry() {
    checkOpen();
    boolean everywhere = true;
    for (TierGuard<K, V> slot : sharedBottomUp) {
      if (!slot.retriesItself()) {
        everywhere &= slot.clear();
      }
    }
    return everywhere;
  }

  /**
   * Clearing a shared tier scans its whole keyspace over the network, so no write lock is held
   * meanwhile: puts and invalidations of single keys go on. What the locks did before, keeping
   * loads from writing back values read before the clear, {@link #clearing} does: every stripe is
   * taken only briefly, to raise it (write-backs in progress finish first, later ones see it and
   * skip) and, after the scan, to bump every stamp, empty the in-process tier and lower it. A put
   * that lands during the scan counts as made before the invalidation: the scan or the final
   * in-process clear may remove it.
   */
  @Override
  public void invalidateAll() {
    checkOpen();
    try (WriteLocks.Held held = writeLocks.lockAll()) {
      stamps.bumpAll();
      clearing.incrementAndGet();
    }
    try {
      boolean everywhere = true;
      for (TierGuard<K, V> slot : sharedBottomUp) {
        everywhere &= slot.clear();
      }
      if (!everywhere) {
        retried.addWhole();
      }
    } finally {
      try (WriteLocks.Held held = writeLocks.lockAll()) {
        stamps.bumpAll();
        l1.clear();
        clearing.decrementAndGet();
      }
    }
    publish(InvalidationEvent.ofNamespace(name, origin));
  }

  /**
   * Another node changed the key, and its shared tiers already hold the change: only the
   * in-process copy goes. The bump stops this node's loads that read before the change from
   * writing it back.
   */
  private void dropLocal(K key) {
    stamps.bump(key);
    l1.invalidate(key);
  }

  private void dropAllLocal() {
    stamps.bumpAll();
    l1.clear();
  }

  private void publishKeys(Collection<K> keys) {
    KeyCodec<K> codec = spec.keyCodec();
    if (codec == null) {
      // Other nodes cannot name these keys; they drop the whole namespace instead.
      publish(InvalidationEvent.ofNamespace(name, origin));
      return;
    }
    List<String> encoded = new ArrayList<>(keys.size());
    for (K key : keys) {
      encoded.add(codec.encode(key));
    }
    publish(InvalidationEvent.ofKeys(name, encoded, origin));
  }

  /** To every node when another node can hold the keys; else to this process's listeners only. */
  private void publish(InvalidationEvent event) {
    if (crossNode) {
      bus.publish(event);
    } else {
      bus.publishLocally(event);
    }
  }

  /** Whether this namespace's changes are published to other nodes (see {@link NamespaceSpec#crossNodeInvalidation()}). */
  boolean crossesNodes() {
    return crossNode;
  }

  @Override
  public void onInvalidation(InvalidationEvent event) {
    if (!event.namespace().equals(name) || event.origin().equals(origin)) {
      return;
    }
    if (event.isWholeNamespace() || spec.keyCodec() == null) {
      dropAllLocal();
      return;
    }
    for (String encoded : event.keys()) {
      K key;
      try {
        key = spec.keyCodec().decode(encoded);
      } catch (RuntimeException e) {
        dropAllLocal();
        return;
      }
      dropLocal(key);
    }
  }

  @Override
  public void onEventsPossiblyLost() {
    dropAllLocal();
  }

  // ---- loading

  /**
   * The read-through behind the in-process store: shared tiers in order, then the loader. Loads
   * run through {@link LoadRunner}: what they write back to the shared tiers is written after
   * their readers have the value, and a failure is logged once.
   */
  private final class Pipeline implements AsyncCacheLoader<K, Object> {
    @Override
    public CompletableFuture<Object> asyncLoad(K key, Executor ignored) {
      long stamp = stamps.read(key);
      return loadRunner.load(key, later -> loadThroughTiers(key, stamp, later));
    }

    @Override
    public CompletableFuture<Map<K, Object>> asyncLoadAll(Set<? extends K> keys, Executor ignored) {
      Map<K, Long> stampsByKey = new HashMap<>(keys.size() * 2);
      for (K key : keys) {
        stampsByKey.put(key, stamps.read(key));
      }
      return loadRunner.load(keys, later -> loadAllThroughTiers(stampsByKey, Set.of(), later));
    }

    /** Refresh-ahead goes to the source: the shared tiers hold the same aging value. */
    @Override
    public CompletableFuture<Object> asyncReload(K key, Object oldValue, Executor ignored) {
      long stamp = stamps.read(key);
      return loadRunner.load(key, later -> {
        // System.nanoTime, not the namespace's ticker (a test may stop that one): a tier turns it
        // into the read's age and compares the read's start with the write times it keeps.
        long readStart = System.nanoTime();
        TierValue<V> loaded = loadFromSource(key);
        if (loaded == null) {
          return null;
        }
        // A refreshed value replaces the older one the shared tiers hold, which a fill would leave.
        if (!shared.isEmpty()) {
          later.add(() -> writeBack(shared.size(), key, loaded, stamp, true, readStart));
        }
        return MemoryTierStore.raw(loaded);
      });
    }
  }

  /**
   * The in-process tier's loader: {@link #pipeline} behind the key size check, which runs in the
   * caller's thread when the key misses in process, before any tier is asked. A key over the limit
   * is never cached in process (no change or load of it gets that far), so the in-process hit path
   * needs no check.
   */
  private final class KeySizeChecking implements AsyncCacheLoader<K, Object> {
    @Override
    public CompletableFuture<Object> asyncLoad(K key, Executor executor) throws Exception {
      keySizeLimit.check(key);
      return pipeline.asyncLoad(key, executor);
    }

    @Override
    public CompletableFuture<Map<K, Object>> asyncLoadAll(Set<? extends K> keys, Executor executor) throws Exception {
      keySizeLimit.checkAll(keys);
      return pipeline.asyncLoadAll(keys, executor);
    }

    @Override
    public CompletableFuture<Object> asyncReload(K key, Object oldValue, Executor executor) throws Exception {
      return pipeline.asyncReload(key, oldValue, executor);
    }
  }

  private Object loadThroughTiers(K key, long stamp, LoadRunner.WriteBacks later) {
    Object raw = fromSharedTiers(key, stamp, later);
    return raw != null ? raw : fromSource(key, stamp, later);
  }

  /** What the first shared tier that holds {@code key} holds (a value or absent), or null. */
  private Object fromSharedTiers(K key, long stamp, LoadRunner.WriteBacks later) {
    for (int i = 0; i < shared.size(); i++) {
      TierValue<V> found = shared.get(i).get(key);
      if (found != null) {
        sharedHits.increment();
        deferWriteBack(later, i, key, found, stamp);
        return MemoryTierStore.raw(found);
      }
    }
    return null;
  }

  /** The source's answer for a key no shared tier holds, or null; counted as a miss. */
  private Object fromSource(K key, long stamp, LoadRunner.WriteBacks later) {
    if (pendingWrite(key) == null) {
      misses.increment(); // a write still in this node's buffer answers it: not a miss
    }
    TierValue<V> loaded = loadFromSource(key);
    if (loaded == null) {
      return null;
    }
    deferWriteBack(later, shared.size(), key, loaded, stamp);
    return MemoryTierStore.raw(loaded);
  }

  /**
   * The source's answer as a tier value; null when there is nothing to cache. A write of the key
   * still in this node's write-behind buffer is newer than what the loader would return.
   */
  private TierValue<V> loadFromSource(K key) {
    V pending = pendingWrite(key);
    if (pending != null) {
      return TierValue.of(pending);
    }
    if (loader == null) {
      return null;
    }
    loads.increment();
    V value;
    try {
      value = loader.load(key);
    } catch (Exception e) {
      loadFailures.increment();
      throw new CacheLoadException(name, key, e);
    }
    if (value != null) {
      return TierValue.of(value);
    }
    return spec.ttl().negative() != null ? TierValue.absent() : null;
  }

  /** {@link #writeBack} once the load's readers have the value. */
  private void deferWriteBack(LoadRunner.WriteBacks later, int tierCount, K key, TierValue<V> value, long stamp) {
    if (tierCount > 0) {
      later.add(() -> writeBack(tierCount, key, value, stamp, false, 0));
    }
  }

  /**
   * Writes a found or loaded entry to the first {@code tierCount} shared tiers, unless it changed:
   * as a fill, or, for a refresh ({@code replace}), as a refresh, which replaces the older value
   * the tiers hold; the refresh's read of the source began at {@code readStart} ({@link
   * System#nanoTime()}; unused for a fill).
   */
  private void writeBack(int tierCount, K key, TierValue<V> value, long stamp, boolean replace, long readStart) {
    WriteLocks.Held held = writeLocks.tryLock(List.of(key), WRITE_BACK_LOCK_WAIT_NANOS);
    if (held == null) {
      writeBacksSkipped.increment();
      return;
    }
    try (held) {
      if (clearing.get() > 0 || stamps.changed(key, stamp)) {
        writeBacksSkipped.increment();
        return;
      }
      for (int i = 0; i < tierCount; i++) {
        if (replace) {
          shared.get(i).refresh(key, value, readStart);
        } else {
          shared.get(i).fill(key, value);
        }
      }
      // Another node's change is delivered without this lock; if it arrived while filling, the
      // fill may have stored what that change replaced.
      if (stamps.changed(key, stamp)) {
        for (int i = 0; i < tierCount; i++) {
          if (!shared.get(i).invalidate(key)) {
            retried.add(List.of(key));
          }
        }
      }
    }
  }

  /**
   * Reads {@code stampsByKey}'s keys through the shared tiers, then the loader; the keys of {@code
   * tiersRead} were read from every shared tier already and found in none, so they go straight to
   * the loader.
   */
  private Map<K, Object> loadAllThroughTiers(
      Map<K, Long> stampsByKey, Set<K> tiersRead, LoadRunner.WriteBacks later) {
    Map<K, Object> result = new HashMap<>(stampsByKey.size() * 2);
    Set<K> remaining;
    if (tiersRead.isEmpty()) {
      remaining = readSharedTiers(stampsByKey, result, later);
    } else {
      Map<K, Long> unread = new HashMap<>(stampsByKey);
      unread.keySet().removeAll(tiersRead);
      remaining = new LinkedHashSet<>(tiersRead);
      if (!unread.isEmpty()) {
        remaining.addAll(readSharedTiers(unread, result, later));
      }
    }
    if (remaining.isEmpty() || loader == null) {
      return result;
    }
    loads.add(remaining.size());
    Map<K, V> loaded;
    try {
      loaded = loader.loadAll(remaining);
    } catch (Exception e) {
      loadFailures.add(remaining.size());
      throw new CacheLoadException(name, remaining, e);
    }
    storeLoaded(remaining, loaded, stampsByKey, result, spec.ttl().negative() != null, later);
    return result;
  }

  /**
   * {@link AsyncNamespace#getAll(Collection, Function)}: the keys no tier holds go to {@code
   * bulkLoader}; the shared tiers are read on the executor, the loader's future is not waited on.
   */
  CompletableFuture<Map<K, V>> getAllAsync(
      Collection<? extends K> keys, Function<? super Set<K>, ? extends CompletableFuture<? extends Map<K, V>>> bulkLoader) {
    Objects.requireNonNull(bulkLoader, "bulkLoader");
    return readAll(keys, ks -> l1.cache().getAll(
        ks, (missing, ignored) -> loadRunner.loadInStages(later -> loadMissing(missing, bulkLoader, later))));
  }

  private CompletableFuture<Map<K, Object>> loadMissing(
      Set<? extends K> missing, Function<? super Set<K>, ? extends CompletableFuture<? extends Map<K, V>>> bulkLoader,
      LoadRunner.WriteBacks later) {
    Map<K, Long> stampsByKey = new HashMap<>(missing.size() * 2);
    for (K key : missing) {
      stampsByKey.put(key, stamps.read(key));
    }
    Map<K, Object> result = new HashMap<>(stampsByKey.size() * 2);
    // Without shared tiers the read before the loader looks only at this node's write-behind
    // buffer, no I/O: done here, it spares the caller a hop to a load thread before the loader
    // runs (the engine's source calls go out one thread wake-up sooner).
    CompletableFuture<Set<K>> read;
    if (shared.isEmpty()) {
      try {
        read = CompletableFuture.completedFuture(readSharedTiers(stampsByKey, result, later));
      } catch (RuntimeException e) {
        read = CompletableFuture.failedFuture(e);
      }
    } else {
      read = loadRunner.submit(missing, () -> readSharedTiers(stampsByKey, result, later));
    }
    return read
        .thenCompose(remaining -> {
          if (remaining.isEmpty()) {
            return CompletableFuture.completedFuture(result);
          }
          loads.add(remaining.size());
          CompletableFuture<? extends Map<K, V>> loading;
          try {
            loading = Objects.requireNonNull(bulkLoader.apply(Set.copyOf(remaining)), "bulkLoader's future");
          } catch (RuntimeException e) {
            loading = CompletableFuture.failedFuture(e);
          }
          return loading.handle((loaded, failure) -> {
            if (failure != null) {
              loadFailures.add(remaining.size());
              throw new CompletionException(new CacheLoadException(name, remaining, unwrap(failure)));
            }
            storeLoaded(remaining, loaded, stampsByKey, result, false, later);
            return result;
          });
        });
  }

  ChangeMark mark(Collection<? extends K> keys) {
    Objects.requireNonNull(keys, "keys");
    Map<Object, Long> marked = new HashMap<>(keys.size() * 2);
    for (K key : keys) {
      marked.put(Objects.requireNonNull(key, "key in keys"), stamps.read(key));
    }
    return new ChangeMark(this, Map.copyOf(marked));
  }

  @SuppressWarnings("unchecked")
  CompletableFuture<Void> fill(Map<K, V> values, ChangeMark mark) {
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(mark, "mark");
    if (mark.namespace != this) {
      throw new IllegalArgumentException("the mark was taken on another namespace, not '" + name + "'");
    }
    checkOpen();
    Map<K, TierValue<V>> entries = new HashMap<>(values.size() * 2);
    Map<K, Long> stampsByKey = new HashMap<>(values.size() * 2);
    values.forEach((k, v) -> {
      Long stamp = mark.stamps.get(Objects.requireNonNull(k, "key"));
      if (stamp != null) {
        entries.put(k, TierValue.of(Objects.requireNonNull(v, "value")));
        stampsByKey.put(k, stamp);
      }
    });
    if (entries.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    keySizeLimit.checkAll(entries.keySet());
    return loadRunner.submit(entries.keySet(), () -> {
      writeBackAll(shared.size(), entries, stampsByKey);
      l1.batch(() -> entries.forEach((k, v) -> fillInProcess(k, MemoryTierStore.raw(v), stampsByKey.get(k))));
      return null;
    });
  }

  /**
   * Puts a fetched value in process unless the key changed since {@code stamp} or is held already.
   * A change that lands after the check bumps the stamp first and then removes the in-process
   * entry, or is seen by the check after the put, which takes the value back out.
   */
  private void fillInProcess(K key, Object raw, long stamp) {
    if (clearing.get() > 0 || stamps.changed(key, stamp)) {
      writeBacksSkipped.increment();
      return;
    }
    CompletableFuture<Object> filled = CompletableFuture.completedFuture(raw);
    if (inProcess.putIfAbsent(key, filled) == null
        && (clearing.get() > 0 || stamps.changed(key, stamp))) {
      inProcess.remove(key, filled);
      writeBacksSkipped.increment();
    }
  }

  /**
   * Looks {@code stampsByKey}'s keys up in the shared tiers, in order, copying what a tier holds to
   * the tiers above it and into {@code result}; returns the keys no tier holds.
   */
  private Set<K> readSharedTiers(Map<K, Long> stampsByKey, Map<K, Object> result, LoadRunner.WriteBacks later) {
    Set<K> remaining = new LinkedHashSet<>(stampsByKey.keySet());
    for (int i = 0; i < shared.size() && !remaining.isEmpty(); i++) {
      // Not copied: the tier is done with the keys when it returns, before they are removed below.
      Map<K, TierValue<V>> found = shared.get(i).getAll(remaining);
      sharedHits.add(found.size());
      deferWriteBackAll(later, i, found, stampsByKey);
      found.forEach(
          (k, v) -> {
            result.put(k, MemoryTierStore.raw(v));
            remaining.remove(k);
          });
    }
    takePendingWrites(remaining, stampsByKey, result, later);
    misses.add(remaining.size());
    return remaining;
  }

  /**
   * Answers, from this node's write-behind buffer, the keys of {@code remaining} that have a write
   * still waiting there (read-your-writes: the source would still give the older value), caching
   * them like loaded values; removes them from {@code remaining}.
   */
  private void takePendingWrites(
      Set<K> remaining, Map<K, Long> stampsByKey, Map<K, Object> result, LoadRunner.WriteBacks later) {
    Map<K, TierValue<V>> pending = new HashMap<>();
    for (Iterator<K> it = remaining.iterator(); it.hasNext(); ) {
      K key = it.next();
      V value = pendingWrite(key);
      if (value != null) {
        pending.put(key, TierValue.of(value));
        it.remove();
      }
    }
    deferWriteBackAll(later, shared.size(), pending, stampsByKey);
    pending.forEach((k, v) -> result.put(k, MemoryTierStore.raw(v)));
  }

  /**
   * Stores what a loader returned for {@code requested} in every shared tier (as fills) and into
   * {@code result}; a requested key it left out is cached as absent only when {@code
   * cacheAbsences}.
   */
  private void storeLoaded(
      Set<K> requested, Map<K, V> loaded, Map<K, Long> stampsByKey, Map<K, Object> result, boolean cacheAbsences,
      LoadRunner.WriteBacks later) {
    Map<K, TierValue<V>> toStore = new HashMap<>(requested.size() * 2);
    for (K key : requested) {
      V value = loaded == null ? null : loaded.get(key);
      if (value != null) {
        toStore.put(key, TierValue.of(value));
      } else if (cacheAbsences) {
        toStore.put(key, TierValue.absent());
      }
    }
    deferWriteBackAll(later, shared.size(), toStore, stampsByKey);
    toStore.forEach((k, v) -> result.put(k, MemoryTierStore.raw(v)));
  }

  /** The latest write of {@code key} waiting in the write-behind buffer, or null. */
  private V pendingWrite(K key) {
    return writeBehind == null ? null : writeBehind.pendingValue(key);
  }

  /** {@link #writeBackAll} once the load's readers have the values. */
  private void deferWriteBackAll(
      LoadRunner.WriteBacks later, int tierCount, Map<K, TierValue<V>> entries, Map<K, Long> stampsByKey) {
    if (tierCount > 0 && !entries.isEmpty()) {
      later.add(() -> writeBackAll(tierCount, entries, stampsByKey));
    }
  }

  private void writeBackAll(int tierCount, Map<K, TierValue<V>> entries, Map<K, Long> stampsByKey) {
    if (tierCount == 0 || entries.isEmpty()) {
      return;
    }
    WriteLocks.Held held = writeLocks.tryLock(entries.keySet(), WRITE_BACK_LOCK_WAIT_NANOS);
    if (held == null) {
      writeBacksSkipped.add(entries.size());
      return;
    }
    try (held) {
      if (clearing.get() > 0) {
        writeBacksSkipped.add(entries.size());
        return;
      }
      Map<K, TierValue<V>> unchanged = new HashMap<>(entries.size() * 2);
      entries.forEach(
          (k, v) -> {
            if (!stamps.changed(k, stampsByKey.get(k))) {
              unchanged.put(k, v);
            } else {
              writeBacksSkipped.increment();
            }
          });
      for (int i = 0; i < tierCount; i++) {
        shared.get(i).fillAll(unchanged);
      }
      List<K> raced = new ArrayList<>();
      for (K key : unchanged.keySet()) {
        if (stamps.changed(key, stampsByKey.get(key))) {
          raced.add(key);
        }
      }
      if (!raced.isEmpty()) {
        for (int i = 0; i < tierCount; i++) {
          if (!shared.get(i).invalidateAll(raced)) {
            retried.add(raced);
          }
        }
      }
    }
  }

  // ---- stats and lifecycle

  @Override
  public long estimatedSize() {
    return l1.estimatedSize();
  }

  @Override
  public void checkKeySize(K key) {
    keySizeLimit.check(Objects.requireNonNull(key, "key"));
  }

  @Override
  public Set<K> inProcessKeys() {
    checkOpen();
    Set<K> keys = new HashSet<>();
    inProcess.forEach((key, future) -> {
      if (future.isDone() && !future.isCompletedExceptionally() && value(future.getNow(null)) != null) {
        keys.add(key);
      }
    });
    return Collections.unmodifiableSet(keys);
  }

  @Override
  public NamespaceStats stats() {
    CacheStats caffeine = l1.caffeineStats();
    List<TierStats> tiers = new ArrayList<>(shared.size() + 1);
    long memoryHits = caffeine.hitCount() + inProcessHits.sum();
    long memoryMisses = caffeine.missCount() + inProcessMisses.sum();
    tiers.add(new TierStats(MemoryTier.NAME, memoryHits, memoryMisses, 0, 0, 0, Duration.ZERO));
    for (TierGuard<K, V> slot : shared) {
      tiers.add(slot.stats());
    }
    long hits = memoryHits + sharedHits.sum();
    long requests = hits + misses.sum();
    return new NamespaceStats(
        name,
        requests,
        hits,
        tiers,
        loads.sum(),
        loadFailures.sum(),
        puts.sum(),
        caffeine.evictionCount(),
        latency.mean(),
        latency.percentile(0.99),
        l1.estimatedSize(),
        writeBacksSkipped.sum(),
        writeBehind == null ? WriteBehindStats.NONE : writeBehind.stats());
  }

  LatencyRecorder latency() {
    return latency;
  }

  /** Loads of this namespace started and not finished, their write-backs included; for tests. */
  int loadsRunning() {
    return loadRunner.running();
  }

  /** Flushes the write-behind buffer within its close timeout. */
  void close() {
    if (writeBehind != null) {
      writeBehind.close();
    }
  }

  private void checkOpen() {
    if (runtime.isClosed()) {
      throw new IllegalStateException("namespace '" + name + "': the cache is closed");
    }
  }

  @Override
  public String toString() {
    return "Namespace[" + name + ", tiers=" + (shared.size() + 1) + "]";
  }
}
