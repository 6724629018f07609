package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NamespaceReadThroughTest {
  private final FakeTicker ticker = new FakeTicker();
  private final ByteMapTier shared = new ByteMapTier("shared", ticker);
  private final Map<String, String> source = new ConcurrentHashMap<>();
  private final AtomicInteger loads = new AtomicInteger();
  private final List<Set<? extends String>> bulkLoads = new CopyOnWriteArrayList<>();
  private TieredCache cache;
  /**
   * One loading thread, so that {@link #settleLoads} can wait for Caffeine's completion callback:
   * it stamps a loaded entry's expiry on the loading thread, possibly after {@code get} returned,
   * and an entry stamped after the ticker moved would live longer than the test expects.
   */
  private final ExecutorService loadThread = Executors.newSingleThreadExecutor();

  private final CacheLoader<String, String> loader =
      new CacheLoader<>() {
        @Override
        public String load(String key) {
          loads.incrementAndGet();
          return source.get(key);
        }

        @Override
        public Map<String, String> loadAll(Set<? extends String> keys) {
          bulkLoads.add(Set.copyOf(keys));
          Map<String, String> found = new HashMap<>();
          keys.forEach(k -> { if (source.containsKey(k)) found.put(k, source.get(k)); });
          return found;
        }
      };

  @AfterEach
  void close() {
    if (cache != null) {
      cache.close();
    }
    loadThread.shutdownNow();
  }

  private Namespace<String, String> namespace(TtlProfile ttl) {
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("symbols", String.class, String.class).ttl(ttl).loader(loader).build();
    cache = TieredCache.builder().ticker(ticker).executor(loadThread).tier(shared).namespace(spec).build();
    return cache.namespace(spec);
  }

  /** Returns once the callbacks of every load started so far have run (see {@link #loadThread}). */
  private void settleLoads() throws Exception {
    loadThread.submit(() -> {}).get();
  }

  @Test
  void missLoadsOnceThenHitsInProcess() {
    source.put("BTCUSDT", "tick=0.01");
    Namespace<String, String> ns = namespace(TtlProfile.SYMBOL_CONFIG);
    assertThat(ns.get("BTCUSDT")).isEqualTo("tick=0.01");
    assertThat(ns.get("BTCUSDT")).isEqualTo("tick=0.01");
    assertThat(ns.getIfPresent("BTCUSDT")).isEqualTo("tick=0.01");
    assertThat(loads).hasValue(1);
    NamespaceStats stats = ns.stats();
    assertThat(stats.requests()).isEqualTo(3);
    assertThat(stats.hits()).isEqualTo(2);
    assertThat(stats.loads()).isEqualTo(1);
    assertThat(stats.tier("memory").hits()).isEqualTo(2);
    assertThat(stats.tier("shared").misses()).isEqualTo(1);
  }

  @Test
  void loadedValueIsWrittenToTheSharedTierAndPromotedFromIt() {
    source.put("ETHUSDT", "tick=0.1");
    Namespace<String, String> ns = namespace(TtlProfile.SYMBOL_CONFIG);
    ns.get("ETHUSDT");
    Loads.awaitSettled(cache);
    assertThat(shared.raw("symbols", "ETHUSDT")).isNotNull();

    // Another node (a second cache on the same shared tier) finds it there without loading.
    NamespaceSpec<String, String> spec = ns.spec();
    try (TieredCache other = TieredCache.builder().ticker(ticker).tier(shared).namespace(spec).build()) {
      assertThat(other.namespace(spec).get("ETHUSDT")).isEqualTo("tick=0.1");
      assertThat(other.namespace(spec).stats().tier("shared").hits()).isEqualTo(1);
      assertThat(other.namespace(spec).getIfPresent("ETHUSDT")).isEqualTo("tick=0.1");
    }
    assertThat(loads).hasValue(1);
  }

  @Test
  void getAllLoadsOnlyTheMissingKeysInOneBulkCall() {
    for (int i = 0; i < 10; i++) {
      source.put("s" + i, "v" + i);
    }
    Namespace<String, String> ns = namespace(TtlProfile.SYMBOL_CONFIG);
    ns.get("s0");
    ns.get("s1");
    Map<String, String> all = ns.getAll(List.of("s0", "s1", "s2", "s3", "missing"));
    assertThat(all).containsOnly(
        Map.entry("s0", "v0"), Map.entry("s1", "v1"), Map.entry("s2", "v2"), Map.entry("s3", "v3"));
    assertThat(bulkLoads).containsExactly(Set.of("s2", "s3", "missing"));
    assertThat(shared.bulkReads).hasValue(1);
  }

  @Test
  void absenceIsCachedForTheNegativeTtlOnly() throws Exception {
    Namespace<String, String> ns =
        namespace(TtlProfile.builder().l1(Duration.ofMinutes(1)).negative(Duration.ofSeconds(5)).build());
    assertThat(ns.get("nope")).isNull();
    assertThat(ns.get("nope")).isNull();
    assertThat(loads).hasValue(1);
    source.put("nope", "now");
    settleLoads();
    ticker.advance(Duration.ofSeconds(6));
    assertThat(ns.get("nope")).isEqualTo("now");
    assertThat(loads).hasValue(2);
  }

  @Test
  void withoutNegativeTtlAnAbsenceIsNotCached() {
    Namespace<String, String> ns = namespace(TtlProfile.MARKET_PRICE);
    assertThat(ns.get("nope")).isNull();
    assertThat(ns.get("nope")).isNull();
    assertThat(loads).hasValue(2);
  }

  @Test
  void loaderFailureIsThrownWrappedOnceCountedAndNotCached() {
    IOException boom = new IOException("exchange unreachable");
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("prices", String.class, String.class)
            .ttl(TtlProfile.MARKET_PRICE)
            .loader(k -> { loads.incrementAndGet(); throw boom; })
            .build();
    cache = TieredCache.builder().ticker(ticker).namespace(spec).build();
    Namespace<String, String> ns = cache.namespace(spec);
    assertThatThrownBy(() -> ns.get("BTC"))
        .isInstanceOf(CacheLoadException.class)
        .hasMessageContaining("prices")
        .hasCause(boom);
    assertThatThrownBy(() -> ns.get("BTC")).isInstanceOf(CacheLoadException.class);
    assertThat(loads).hasValue(2);
    assertThat(ns.getIfPresent("BTC")).isNull();
    assertThat(ns.stats().loadFailures()).isEqualTo(2);
    assertThatThrownBy(() -> ns.async().get("BTC").join()).hasCauseInstanceOf(CacheLoadException.class);
  }

  @Test
  void entriesExpirePerTierTtlAndPerEntryTtl() throws Exception {
    source.put("a", "1");
    Namespace<String, String> ns =
        namespace(TtlProfile.builder().l1(Duration.ofSeconds(10)).l2(Duration.ofMinutes(1)).build());
    ns.get("a");
    ns.put("b", "2", Duration.ofSeconds(2));
    settleLoads();
    ticker.advance(Duration.ofSeconds(3));
    assertThat(ns.getIfPresent("a")).isEqualTo("1");
    assertThat(ns.getIfPresent("b")).isNull();
    ticker.advance(Duration.ofSeconds(10));
    assertThat(ns.getIfPresent("a")).isNull();
    // Still in the shared tier: read back without a second load.
    assertThat(ns.get("a")).isEqualTo("1");
    assertThat(loads).hasValue(1);
  }

  @Test
  void jitterShortensTtlsWithinTheFraction() {
    TtlProfile profile = TtlProfile.builder().l1(Duration.ofSeconds(100)).jitter(0.2).build();
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int i = 0; i < 10_000; i++) {
      long nanos = profile.jitteredL1Nanos();
      min = Math.min(min, nanos);
      max = Math.max(max, nanos);
    }
    assertThat(min).isGreaterThanOrEqualTo(Duration.ofSeconds(80).toNanos());
    assertThat(max).isLessThanOrEqualTo(Duration.ofSeconds(100).toNanos());
    assertThat(max - min).isGreaterThan(Duration.ofSeconds(15).toNanos());
  }

  @Test
  void refreshAheadReloadsInTheBackgroundAndServesTheOldValueMeanwhile() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("refreshing", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofMinutes(1)).refreshAfter(Duration.ofSeconds(10)).build())
            .loader(
                k -> {
                  if (calls.incrementAndGet() == 1) {
                    return "old";
                  }
                  release.await();
                  return "new";
                })
            .build();
    cache = TieredCache.builder().ticker(ticker).executor(loadThread).namespace(spec).build();
    Namespace<String, String> ns = cache.namespace(spec);
    assertThat(ns.get("k")).isEqualTo("old");
    settleLoads();
    ticker.advance(Duration.ofSeconds(11));
    assertThat(ns.get("k")).isEqualTo("old");
    assertThat(ns.get("k")).isEqualTo("old");
    release.countDown();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!"new".equals(ns.getIfPresent("k")) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(ns.getIfPresent("k")).isEqualTo("new");
    assertThat(calls).hasValue(2);
  }

  @Test
  void sizeBoundEvictsAndCountsEvictions() {
    NamespaceSpec<Long, String> spec =
        NamespaceSpec.builder("small", Long.class, String.class)
            .ttl(TtlProfile.API_RESPONSE)
            .maximumSize(100)
            .build();
    cache = TieredCache.builder().executor(Runnable::run).namespace(spec).build();
    Namespace<Long, String> ns = cache.namespace(spec);
    for (long i = 0; i < 1_000; i++) {
      ns.put(i, "v" + i);
    }
    cache.namespace(spec).estimatedSize();
    assertThat(ns.estimatedSize()).isLessThanOrEqualTo(100);
    assertThat(ns.stats().evictions()).isGreaterThanOrEqualTo(900);
  }

  @Test
  void weightBoundUsesTheWeigher() {
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("weighed", String.class, String.class)
            .ttl(TtlProfile.API_RESPONSE)
            .maximumWeight(1_000, (k, v) -> v.length())
            .build();
    cache = TieredCache.builder().executor(Runnable::run).namespace(spec).build();
    Namespace<String, String> ns = cache.namespace(spec);
    for (int i = 0; i < 100; i++) {
      ns.put("k" + i, "x".repeat(100));
    }
    assertThat(ns.estimatedSize()).isLessThanOrEqualTo(10);
  }

  @Test
  void undecodableBytesInASharedTierAreAMissAndCounted() {
    source.put("k", "fresh");
    Namespace<String, String> ns = namespace(TtlProfile.SYMBOL_CONFIG);
    shared.putRaw("symbols", "k", new byte[] {1, 2, 3});
    assertThat(ns.get("k")).isEqualTo("fresh");
    assertThat(ns.stats().tier("shared").decodeFailures()).isEqualTo(1);
    Loads.awaitSettled(cache);
    // The loaded value replaced the corrupt bytes.
    assertThat(shared.raw("symbols", "k")).isNotEqualTo(new byte[] {1, 2, 3});
  }

  @Test
  void aFailingSharedTierIsAMissNotAnException() {
    source.put("k", "v");
    Namespace<String, String> ns = namespace(TtlProfile.SYMBOL_CONFIG);
    shared.down.set(true);
    assertThat(ns.get("k")).isEqualTo("v");
    ns.put("k2", "v2");
    ns.invalidate("k");
    assertThat(ns.getAll(List.of("k", "k2"))).containsOnlyKeys("k", "k2");
    assertThat(ns.stats().tier("shared").errors()).isGreaterThanOrEqualTo(4);
  }

  @Test
  void nullArgumentsAreRejectedByName() {
    Namespace<String, String> ns = namespace(TtlProfile.SYMBOL_CONFIG);
    assertThatThrownBy(() -> ns.get(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> ns.put("k", null)).isInstanceOf(NullPointerException.class).hasMessage("value");
    assertThatThrownBy(() -> ns.put(null, "v")).isInstanceOf(NullPointerException.class).hasMessage("key");
    List<String> withNull = new ArrayList<>();
    withNull.add(null);
    assertThatThrownBy(() -> ns.getAll(withNull)).isInstanceOf(NullPointerException.class).hasMessage("key in keys");
    assertThatThrownBy(() -> ns.invalidate(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
  }

  @Test
  void closedCacheRefusesCalls() {
    Namespace<String, String> ns = namespace(TtlProfile.SYMBOL_CONFIG);
    cache.close();
    assertThatThrownBy(() -> ns.get("k")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void asyncGetCompletesWithTheLoadedValue() throws Exception {
    source.put("k", "v");
    Namespace<String, String> ns = namespace(TtlProfile.SYMBOL_CONFIG);
    assertThat(ns.async().get("k").get()).isEqualTo("v");
    assertThat(ns.async().getAll(List.of("k", "z")).get()).containsOnly(Map.entry("k", "v"));
  }
}
