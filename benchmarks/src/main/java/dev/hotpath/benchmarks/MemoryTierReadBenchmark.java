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
import java.net.URI;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * An in-process hit through Hotpath's namespace API ({@code hotpath}) beside a raw Caffeine
 * {@code getIfPresent} on the same data ({@code caffeine}), configured as a user would configure
 * Caffeine for the same job: the same size bound and a 1-hour TTL. The same hit through the
 * JSR-107 API: Hotpath's provider ({@code jcache}) beside Caffeine's own ({@code caffeineJCache},
 * {@code com.github.ben-manes.caffeine:jcache}), each configured its own way for that job (Hotpath
 * through {@link CacheOptions}, Caffeine through {@link CaffeineConfiguration}), both with
 * JSR-107's defaults otherwise (store-by-value, which neither copies for strings; no statistics).
 * Both providers are on the class path: each is asked for by class name.
 *
 * <p>Each contender is a state of its own, so a fork builds only the cache it measures.
 *
 * <p>Run at one and two threads: {@code java -jar benchmarks/target/benchmarks.jar
 * MemoryTierReadBenchmark -t 1} and {@code -t 2}. Targets: {@code hotpath} ≥ 0.8 × {@code
 * caffeine}; {@code jcache} ≥ 1.0 × {@code caffeineJCache}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MemoryTierReadBenchmark {
  private static final int KEYS = 1 << 12;
  private static final int MASK = KEYS - 1;
  private static final long MAXIMUM_SIZE = KEYS * 2L;
  private static final Duration TTL = Duration.ofHours(1);
  private static final String[] NAMES = new String[KEYS];

  static {
    for (int i = 0; i < KEYS; i++) {
      NAMES[i] = "SYM" + i + "USDT";
    }
  }

  /** Puts every key's value with {@code put}. */
  private static void fill(BiConsumer<String, String> put) {
    for (int i = 0; i < KEYS; i++) {
      put.accept(NAMES[i], "{\"tickSize\":\"0.01\",\"id\":" + i + "}");
    }
  }

  @State(Scope.Benchmark)
  public static class HotpathState {
    TieredCache tiered;
    Namespace<String, String> namespace;

    @Setup
    public void setUp() {
      NamespaceSpec<String, String> spec =
          NamespaceSpec.builder("symbols", String.class, String.class)
              .ttl(TtlProfile.builder().l1(TTL).build())
              .maximumSize(MAXIMUM_SIZE)
              .build();
      tiered = TieredCache.builder().namespace(spec).build();
      namespace = tiered.namespace(spec);
      fill(namespace::put);
    }

    @TearDown
    public void tearDown() {
      tiered.close();
    }
  }

  @State(Scope.Benchmark)
  public static class CaffeineState {
    Cache<String, String> caffeine;

    @Setup
    public void setUp() {
      caffeine = Caffeine.newBuilder().maximumSize(MAXIMUM_SIZE).expireAfterWrite(TTL).build();
      fill(caffeine::put);
    }
  }

  @State(Scope.Benchmark)
  public static class CaffeineAsyncState {
    AsyncLoadingCache<String, String> caffeineAsync;

    @Setup
    public void setUp() {
      caffeineAsync =
          Caffeine.newBuilder()
              .maximumSize(MAXIMUM_SIZE)
              .recordStats()
              .expireAfter(Expiry.creating((String k, String v) -> TTL))
              .buildAsync(k -> null);
      fill(caffeineAsync.synchronous()::put);
    }
  }

  @State(Scope.Benchmark)
  public static class HotpathJCacheState {
    CachingProvider provider;
    javax.cache.Cache<String, String> cache;

    @Setup
    public void setUp() {
      provider = Caching.getCachingProvider(HotpathCachingProvider.class.getName());
      Properties properties = new Properties();
      properties.put(JCacheSettings.PROPERTY, JCacheSettings.builder()
          .cache("symbols", CacheOptions.builder().ttl(TtlProfile.builder().l1(TTL).build()).maximumSize(MAXIMUM_SIZE).build())
          .build());
      CacheManager manager = provider.getCacheManager(URI.create("benchmark:hotpath"), getClass().getClassLoader(), properties);
      cache = manager.createCache("symbols", new MutableConfiguration<String, String>().setTypes(String.class, String.class));
      fill(cache::put);
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
    public void setUp() {
      provider = Caching.getCachingProvider(CaffeineCachingProvider.class.getName());
      CacheManager manager = provider.getCacheManager(URI.create("benchmark:caffeine"), getClass().getClassLoader());
      CaffeineConfiguration<String, String> config = new CaffeineConfiguration<>();
      config.setTypes(String.class, String.class);
      config.setMaximumSize(OptionalLong.of(MAXIMUM_SIZE));
      config.setExpireAfterWrite(OptionalLong.of(TTL.toNanos()));
      cache = manager.createCache("symbols", config);
      fill(cache::put);
    }

    @TearDown
    public void tearDown() {
      provider.close();
    }
  }

  /** Each thread walks the keys from its own offset, so threads do not read in lockstep. */
  @State(Scope.Thread)
  public static class Cursor {
    private int index = (int) (Thread.currentThread().getId() * 0x9E3779B9L);

    String next() {
      return NAMES[index++ & MASK];
    }
  }

  @Benchmark
  public String hotpath(HotpathState state, Cursor cursor) {
    return state.namespace.get(cursor.next());
  }

  @Benchmark
  public String caffeine(CaffeineState state, Cursor cursor) {
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
