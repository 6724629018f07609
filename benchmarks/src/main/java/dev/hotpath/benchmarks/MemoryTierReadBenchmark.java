package dev.hotpath.benchmarks;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.jcache.configuration.CaffeineConfiguration;
import com.github.benmanes.caffeine.jcache.spi.CaffeineCachingProvider;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.jcache.CacheOptions;
import dev.hotpath.cache.jcache.HotpathCachingProvider;
import dev.hotpath.cache.jcache.JCacheSettings;
import dev.hotpath.cache.redis.RedisTier;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * An in-process hit (L1 hit) through Hotpath beside Caffeine and the JSR-107 providers, in one run.
 *
 * <ul>
 *   <li>{@code hotpath}: {@code Namespace.get} on a namespace kept in process only.
 *   <li>{@code hotpathShared}: the same {@code get} on a namespace that also has a Redis tier
 *       ({@link BenchRedis}) and so publishes its changes to other nodes; its L1 is filled before
 *       measuring, so every read is an L1 hit (Redis is never read while measuring).
 *   <li>{@code caffeine}: a raw Caffeine {@code getIfPresent}, configured as a user would configure
 *       Caffeine for the same job.
 *   <li>{@code caffeineStats}: the same Caffeine with {@code recordStats()}: what any cache whose hit
 *       rate is watched runs (a namespace always counts its hits).
 *   <li>{@code caffeineAsyncLoading}: Caffeine configured with the features a namespace has (async
 *       loading cache for single flight, per-entry expiry, stats).
 *   <li>{@code jcache}, {@code caffeineJCache}: a JSR-107 {@code get} hit on Hotpath's provider and on
 *       Caffeine's own ({@code com.github.ben-manes.caffeine:jcache}), each configured its own way
 *       (Hotpath through {@link CacheOptions}, Caffeine through {@link CaffeineConfiguration}), both
 *       with JSR-107's defaults otherwise (store-by-value, which neither copies for strings; no
 *       statistics). Both providers are on the class path: each is asked for by class name.
 * </ul>
 *
 * <p><b>Same settings for every implementation:</b> the same keys and values, a size bound of twice
 * the key count (nothing is evicted) and a 1-hour TTL (nothing expires during a run), the TTL set
 * after write (Hotpath's L1 TTL and Caffeine's {@code expireAfterWrite}, or a per-entry expiry of
 * the same length where the contender is built with one).
 *
 * <p><b>A cache that has not evicted.</b> Hotpath records one in-process hit in 32 in Caffeine's
 * eviction policy until the size bound first evicts, one in 8 from then on (more recorded hits
 * keep the hit rate of a cache that evicts, and cost time per hit). Nothing is evicted here, so
 * {@code hotpath}, {@code hotpathShared} and {@code jcache} measure the first rate. At one in 8,
 * {@code jcache / caffeineJCache} at 2 threads was 0.95× (1,024 keys) and 0.63× (65,536 keys), in
 * 8 forks each.
 *
 * <p><b>Working set.</b> {@code keys} is 1,024 (a working set that fits the CPU caches, where the
 * per-hit cost of a wrapper shows) or 65,536 (reads wait on memory, which hides it). Each method's
 * state builds only the cache it measures, so a fork holds one cache and nothing else competes for
 * the CPU caches. Each thread walks the keys from its own offset.
 *
 * <p>Run at one and two threads: {@code java -jar benchmarks/target/benchmarks.jar
 * MemoryTierReadBenchmark -f 2 -t 1} and {@code -t 2}. Goals (issue 15), at both sizes and both
 * thread counts: {@code hotpath} and {@code hotpathShared} ≥ 0.95 × {@code caffeineStats} and ≥
 * 0.8 × {@code caffeine}; {@code jcache} ≥ 1.0 × {@code caffeineJCache}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MemoryTierReadBenchmark {
  private static final Duration TTL = Duration.ofHours(1);

  /** The keys and values every contender holds, and the size bound they all get. */
  @State(Scope.Benchmark)
  public static class KeySet {
    @Param({"1024", "65536"})
    int keys;

    String[] names;
    String[] values;

    @Setup
    public void setUp() {
      if (Integer.bitCount(keys) != 1) {
        throw new IllegalArgumentException("keys must be a power of two but was " + keys);
      }
      names = new String[keys];
      values = new String[keys];
      for (int i = 0; i < keys; i++) {
        names[i] = "SYM" + i + "USDT";
        values[i] = "{\"tickSize\":\"0.01\",\"id\":" + i + "}";
      }
    }

    long maximumSize() {
      return keys * 2L;
    }

    /** Puts every key's value with {@code put}. */
    void fill(BiConsumer<String, String> put) {
      for (int i = 0; i < keys; i++) {
        put.accept(names[i], values[i]);
      }
    }

    /** Throws unless {@code read} answers the value written for a key at each end of the set. */
    void check(String contender, Function<String, String> read) {
      for (int i : new int[] {0, keys - 1}) {
        SetupChecks.expect(contender, names[i], values[i], read.apply(names[i]));
      }
    }
  }

  @State(Scope.Benchmark)
  public static class HotpathState {
    TieredCache tiered;
    Namespace<String, String> namespace;

    @Setup
    public void setUp(KeySet keys) {
      NamespaceSpec<String, String> spec =
          NamespaceSpec.builder("symbols", String.class, String.class)
              .ttl(TtlProfile.builder().l1(TTL).build())
              .maximumSize(keys.maximumSize())
              .build();
      tiered = TieredCache.builder().namespace(spec).build();
      namespace = tiered.namespace(spec);
      keys.fill(namespace::put);
      keys.check("hotpath", namespace::getIfPresent);
    }

    @TearDown
    public void tearDown() {
      tiered.close();
    }
  }

  /**
   * A namespace stored in Redis as well, with the same L1 settings; Redis's TTL is the same hour.
   * Filled with {@code putAll}, which keeps every entry in L1 too.
   */
  @State(Scope.Benchmark)
  public static class HotpathSharedState {
    BenchRedis redis;
    TieredCache tiered;
    Namespace<String, String> namespace;

    @Setup
    public void setUp(KeySet keys) {
      redis = BenchRedis.open();
      NamespaceSpec<String, String> spec =
          NamespaceSpec.builder("symbols", String.class, String.class)
              .ttl(TtlProfile.builder().l1(TTL).l2(TTL).build())
              .maximumSize(keys.maximumSize())
              .build();
      RedisTier tier = RedisTier.builder().uri(redis.uri())
          .keyPrefix("hp-bench:memory:" + ProcessHandle.current().pid()).build();
      tiered = TieredCache.builder().tier(tier).namespace(spec).build();
      namespace = tiered.namespace(spec);
      // In bulks of 512: one bulk write of 65,536 entries can outlast the Redis command timeout on a
      // loaded machine, and a timed-out write is not kept. In key order, as every other contender
      // is filled: the entries' objects then lie in memory in the order the readers walk the keys,
      // as theirs do (filled in a HashMap's order, this namespace read 1.45 times slower per hit
      // at 65,536 keys than the same namespace filled in key order, in one JVM).
      Map<String, String> bulk = new LinkedHashMap<>();
      keys.fill((key, value) -> {
        bulk.put(key, value);
        if (bulk.size() == 512) {
          namespace.putAll(bulk);
          bulk.clear();
        }
      });
      namespace.putAll(bulk);
      // Every key, not a sample: a read that misses L1 would measure Redis instead.
      for (String name : keys.names) {
        if (namespace.getIfPresent(name) == null) {
          throw new IllegalStateException("hotpathShared: " + name + " is not in L1 after putAll");
        }
      }
      keys.check("hotpathShared", namespace::getIfPresent);
    }

    @TearDown
    public void tearDown() {
      namespace.invalidateAll();
      tiered.close();
      redis.close();
    }
  }

  @State(Scope.Benchmark)
  public static class CaffeineState {
    Cache<String, String> caffeine;

    @Setup
    public void setUp(KeySet keys) {
      caffeine = Caffeine.newBuilder().maximumSize(keys.maximumSize()).expireAfterWrite(TTL).build();
      keys.fill(caffeine::put);
      keys.check("caffeine", caffeine::getIfPresent);
    }
  }

  @State(Scope.Benchmark)
  public static class CaffeineStatsState {
    Cache<String, String> caffeine;

    @Setup
    public void setUp(KeySet keys) {
      caffeine = Caffeine.newBuilder().maximumSize(keys.maximumSize()).expireAfterWrite(TTL)
          .recordStats().build();
      keys.fill(caffeine::put);
      keys.check("caffeineStats", caffeine::getIfPresent);
    }
  }

  @State(Scope.Benchmark)
  public static class CaffeineAsyncState {
    AsyncLoadingCache<String, String> caffeineAsync;

    @Setup
    public void setUp(KeySet keys) {
      caffeineAsync =
          Caffeine.newBuilder()
              .maximumSize(keys.maximumSize())
              .recordStats()
              .expireAfter(Expiry.creating((String k, String v) -> TTL))
              .buildAsync(k -> null);
      keys.fill(caffeineAsync.synchronous()::put);
      keys.check("caffeineAsyncLoading", k -> caffeineAsync.get(k).getNow(null));
    }
  }

  @State(Scope.Benchmark)
  public static class HotpathJCacheState {
    CachingProvider provider;
    javax.cache.Cache<String, String> cache;

    @Setup
    public void setUp(KeySet keys) {
      provider = Caching.getCachingProvider(HotpathCachingProvider.class.getName());
      Properties properties = new Properties();
      properties.put(JCacheSettings.PROPERTY, JCacheSettings.builder()
          .cache("symbols", CacheOptions.builder().ttl(TtlProfile.builder().l1(TTL).build()).maximumSize(keys.maximumSize()).build())
          .build());
      CacheManager manager = provider.getCacheManager(URI.create("benchmark:hotpath"), getClass().getClassLoader(), properties);
      cache = manager.createCache("symbols", new MutableConfiguration<String, String>().setTypes(String.class, String.class));
      keys.fill(cache::put);
      keys.check("jcache", cache::get);
    }

    @TearDown
    public void tearDown() {
      provider.close();
    }
  }

  @State(Scope.Benchmark)
  public static class CaffeineJCacheState {
    CachingProvider provider;
    javax.cache.Cache<String, String> cache;

    @Setup
    public void setUp(KeySet keys) {
      provider = Caching.getCachingProvider(CaffeineCachingProvider.class.getName());
      CacheManager manager = provider.getCacheManager(URI.create("benchmark:caffeine"), getClass().getClassLoader());
      CaffeineConfiguration<String, String> config = new CaffeineConfiguration<>();
      config.setTypes(String.class, String.class);
      config.setMaximumSize(OptionalLong.of(keys.maximumSize()));
      config.setExpireAfterWrite(OptionalLong.of(TTL.toNanos()));
      cache = manager.createCache("symbols", config);
      keys.fill(cache::put);
      keys.check("caffeineJCache", cache::get);
    }

    @TearDown
    public void tearDown() {
      provider.close();
    }
  }

  /** Each thread walks the keys from its own offset, so threads do not read in lockstep. */
  @State(Scope.Thread)
  public static class Cursor {
    private String[] names;
    private int mask;
    private int index = (int) (Thread.currentThread().getId() * 0x9E3779B9L);

    @Setup
    public void setUp(KeySet keys) {
      names = keys.names;
      mask = keys.keys - 1;
    }

    String next() {
      return names[index++ & mask];
    }
  }

  @Benchmark
  public String hotpath(HotpathState state, Cursor cursor) {
    return state.namespace.get(cursor.next());
  }

  /** An L1 hit on a namespace that also has a Redis tier. */
  @Benchmark
  public String hotpathShared(HotpathSharedState state, Cursor cursor) {
    return state.namespace.get(cursor.next());
  }

  @Benchmark
  public String caffeine(CaffeineState state, Cursor cursor) {
    return state.caffeine.getIfPresent(cursor.next());
  }

  /** Caffeine with hit and miss counting, as a namespace always has. */
  @Benchmark
  public String caffeineStats(CaffeineStatsState state, Cursor cursor) {
    return state.caffeine.getIfPresent(cursor.next());
  }

  /**
   * Raw Caffeine configured with the features a namespace has (async loading cache for single
   * flight, per-entry expiry, stats): separates the cost of those features from Hotpath's own.
   */
  @Benchmark
  public String caffeineAsyncLoading(CaffeineAsyncState state, Cursor cursor) {
    return state.caffeineAsync.get(cursor.next()).getNow(null);
  }

  /** A JSR-107 {@code get} hit on Hotpath's provider: the namespace hit plus the JCache layer. */
  @Benchmark
  public String jcache(HotpathJCacheState state, Cursor cursor) {
    return state.cache.get(cursor.next());
  }

  /** The same {@code get} hit on Caffeine's JCache provider. */
  @Benchmark
  public String caffeineJCache(CaffeineJCacheState state, Cursor cursor) {
    return state.cache.get(cursor.next());
  }
}
