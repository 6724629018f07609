package dev.hotpath.benchmarks;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.redis.RedisTier;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Invalidation propagation between two nodes (two caches, each with its own Redis tier,
 * connections and bus): the time from the start of {@code put} on node A until node B's L1 no
 * longer holds the key. It includes A's write script (SET + XADD + PUBLISH in one round trip), the
 * channel, and B's bus thread dropping the entry. Sample mode reports p50/p99.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar InvalidationLatencyBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class InvalidationLatencyBenchmark {
  private BenchRedis redis;
  private TieredCache nodeA;
  private TieredCache nodeB;
  private Namespace<String, String> onA;
  private Namespace<String, String> onB;
  private long version;

  @Setup
  public void setUp() {
    redis = BenchRedis.open();
    String prefix = "hp-bench:inv:" + ProcessHandle.current().pid() + ":";
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("prices", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofHours(1)).l2(Duration.ofHours(1)).build())
            .build();
    nodeA = node(prefix, spec);
    nodeB = node(prefix, spec);
    onA = nodeA.namespace(spec);
    onB = nodeB.namespace(spec);
    onA.put("BTCUSDT", "0");
  }

  private TieredCache node(String prefix, NamespaceSpec<String, String> spec) {
    RedisTier tier = RedisTier.builder().uri(redis.uri()).keyPrefix(prefix).build();
    return TieredCache.builder().tier(tier).namespace(spec).build();
  }

  /** B holds the current value in L1 before each measured write. */
  @Setup(Level.Invocation)
  public void fillB() {
    while (onB.get("BTCUSDT") == null || onB.getIfPresent("BTCUSDT") == null) {
      Thread.onSpinWait();
    }
  }

  @Benchmark
  public void writeOnAUntilEvictedOnB() {
    onA.put("BTCUSDT", Long.toString(++version));
    while (onB.getIfPresent("BTCUSDT") != null) {
      Thread.onSpinWait();
    }
  }

  @TearDown
  public void tearDown() {
    onA.invalidate("BTCUSDT");
    nodeA.close();
    nodeB.close();
    redis.close();
  }
}
