package dev.hotpath.benchmarks;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
 * Caffeine for the same job: the same size bound and a 1-hour TTL.
 *
 * <p>Run at one and two threads: {@code java -jar benchmarks/target/benchmarks.jar
 * MemoryTierReadBenchmark -t 1} and {@code -t 2}. Target: {@code hotpath} ≥ 0.8 × {@code caffeine}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MemoryTierReadBenchmark {
  private static final int KEYS = 1 << 12;
  private static final int MASK = KEYS - 1;

  private final String[] keys = new String[KEYS];
  private TieredCache tiered;
  private Namespace<String, String> namespace;
  private Cache<String, String> caffeine;
  private AsyncLoadingCache<String, String> caffeineAsync;

  @Setup
  public void setUp() {
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("symbols", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofHours(1)).build())
            .maximumSize(KEYS * 2L)
            .build();
    tiered = TieredCache.builder().namespace(spec).build();
    namespace = tiered.namespace(spec);
    caffeine = Caffeine.newBuilder().maximumSize(KEYS * 2L).expireAfterWrite(Duration.ofHours(1)).build();
    caffeineAsync =
        Caffeine.newBuilder()
            .maximumSize(KEYS * 2L)
            .recordStats()
            .expireAfter(Expiry.creating((String k, String v) -> Duration.ofHours(1)))
            .buildAsync(k -> null);
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "SYM" + i + "USDT";
      String config = "{\"tickSize\":\"0.01\",\"id\":" + i + "}";
      namespace.put(keys[i], config);
      caffeine.put(keys[i], config);
      caffeineAsync.synchronous().put(keys[i], config);
    }
  }

  @TearDown
  public void tearDown() {
    tiered.close();
  }

  /** Each thread walks the keys from its own offset, so threads do not read in lockstep. */
  @State(Scope.Thread)
  public static class Cursor {
    private int index = (int) (Thread.currentThread().getId() * 0x9E3779B9L);

    int next() {
      return index++ & MASK;
    }
  }

  @Benchmark
  public String hotpath(Cursor cursor) {
    return namespace.get(keys[cursor.next()]);
  }

  @Benchmark
  public String caffeine(Cursor cursor) {
    return caffeine.getIfPresent(keys[cursor.next()]);
  }

  /**
   * Raw Caffeine configured with the features a namespace has (async loading cache for single
   * flight, per-entry expiry, stats): separates the cost of those features from Hotpath's own.
   */
  @Benchmark
  public String caffeineAsyncLoading(Cursor cursor) {
    return caffeineAsync.get(keys[cursor.next()]).getNow(null);
  }
}
