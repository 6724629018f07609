package dev.hotpath.benchmarks;

import dev.hotpath.benchmarks.TwoLevelPeers.JetCacheNode;
import dev.hotpath.benchmarks.TwoLevelPeers.RedissonNode;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.redis.RedisTier;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Invalidation propagation between two nodes of a two-level cache: the time from the start of a
 * {@code put} on node A until node B's in-process (L1) copy of the key is gone. Before each
 * measured put, B holds the current value in process (a read on B, checked). Sample mode reports
 * p50/p99.
 *
 * <ul>
 *   <li>{@code writeOnAUntilEvictedOnB}: Hotpath. Two caches, each with its own Redis tier,
 *       connections and bus; it includes A's write script (SET + XADD + PUBLISH in one round trip),
 *       the channel, and B's bus thread dropping the entry.
 *   <li>{@code jetcache}: two JetCache 2.7 nodes ({@code CacheType.BOTH}, {@code syncLocal(true)},
 *       Caffeine local): A's put writes Redis and publishes on the broadcast channel; B's subscriber
 *       removes the key from its local cache.
 *   <li>{@code redisson}: two Redisson clients with an {@code RLocalCachedMap} each ({@code
 *       SyncStrategy.INVALIDATE}, Caffeine local); A's {@code fastPut} (the put that, like Hotpath's,
 *       returns nothing) writes the hash and publishes the invalidation; B drops its local copy.
 * </ul>
 *
 * <p>"Node" is a second client instance in the same JVM with its own local cache, Redis
 * connections and subscription. Configured alike (see {@link TwoLevelPeers}): {@code String} keys
 * and values, one key, an in-process TTL and a Redis TTL of one hour (Redisson's hash has no TTL),
 * an in-process bound of 1,024 entries. Each method's state builds only its own two nodes and a
 * Redis server ({@link BenchRedis}). A node B that does not drop its copy within {@value
 * #GIVE_UP_SECONDS} s fails the run.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar InvalidationLatencyBenchmark -f 2}; compare
 * the three methods' p50 and p99 (issue 15).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
// One writer: a second thread's put would race the first's wait for B.
@Threads(1)
public class InvalidationLatencyBenchmark {
  private static final String KEY = "BTCUSDT";
  private static final Duration TTL = Duration.ofHours(1);
  private static final long L1_BOUND = 1024;
  private static final long GIVE_UP_SECONDS = 10;

  private static String prefix() {
    return "hp-bench:inv:" + ProcessHandle.current().pid() + ":";
  }

  /** Spins until {@code done}; throws after {@value #GIVE_UP_SECONDS} s, so a broken peer fails loudly. */
  private static void await(String what, BooleanSupplier done) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GIVE_UP_SECONDS);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(what + " did not happen within " + GIVE_UP_SECONDS + " s");
      }
      Thread.onSpinWait();
    }
  }

  @State(Scope.Benchmark)
  public static class HotpathNodes {
    BenchRedis redis;
    TieredCache nodeA;
    TieredCache nodeB;
    Namespace<String, String> onA;
    Namespace<String, String> onB;
    long version;

    @Setup
    public void setUp() {
      redis = BenchRedis.open();
      NamespaceSpec<String, String> spec =
          NamespaceSpec.builder("prices", String.class, String.class)
              .ttl(TtlProfile.builder().l1(TTL).l2(TTL).build())
              .maximumSize(L1_BOUND)
              .build();
      nodeA = node(spec);
      nodeB = node(spec);
      onA = nodeA.namespace(spec);
      onB = nodeB.namespace(spec);
      onA.put(KEY, "0");
      await("hotpath: B reading A's value", () -> "0".equals(onB.get(KEY)));
    }

    private TieredCache node(NamespaceSpec<String, String> spec) {
      RedisTier tier = RedisTier.builder().uri(redis.uri()).keyPrefix(prefix()).build();
      return TieredCache.builder().tier(tier).namespace(spec).build();
    }

    /** B holds the current value in L1 before each measured write. */
    @Setup(Level.Invocation)
    public void fillB() {
      String current = Long.toString(version);
      await("hotpath: B holding the current value in L1",
          () -> current.equals(onB.get(KEY)) && current.equals(onB.getIfPresent(KEY)));
    }

    @TearDown
    public void tearDown() {
      onA.invalidate(KEY);
      nodeA.close();
      nodeB.close();
      redis.close();
    }
  }

  @State(Scope.Benchmark)
  public static class JetCacheNodes {
    BenchRedis redis;
    JetCacheNode nodeA;
    JetCacheNode nodeB;
    long version;

    @Setup
    public void setUp() {
      redis = BenchRedis.open();
      nodeA = node();
      nodeB = node();
      nodeA.cache.put(KEY, "0");
      await("jetcache: B reading A's value", () -> "0".equals(nodeB.cache.get(KEY)));
    }

    private JetCacheNode node() {
      return new JetCacheNode(redis, prefix() + "jetcache:", prefix() + "jetcache-channel", "prices",
          TTL, L1_BOUND, TTL);
    }

    @Setup(Level.Invocation)
    public void fillB() {
      String current = Long.toString(version);
      await("jetcache: B holding the current value locally",
          () -> current.equals(nodeB.cache.get(KEY)) && current.equals(nodeB.local().get(KEY)));
    }

    @TearDown
    public void tearDown() {
      nodeA.cache.remove(KEY);
      nodeA.close();
      nodeB.close();
      redis.close();
    }
  }

  @State(Scope.Benchmark)
  public static class RedissonNodes {
    BenchRedis redis;
    RedissonNode nodeA;
    RedissonNode nodeB;
    long version;

    @Setup
    public void setUp() {
      redis = BenchRedis.open();
      nodeA = new RedissonNode(redis, prefix() + "redisson-local", TTL, L1_BOUND);
      nodeB = new RedissonNode(redis, prefix() + "redisson-local", TTL, L1_BOUND);
      nodeA.map.fastPut(KEY, "0");
      await("redisson: B reading A's value", () -> "0".equals(nodeB.map.get(KEY)));
    }

    @Setup(Level.Invocation)
    public void fillB() {
      String current = Long.toString(version);
      await("redisson: B holding the current value locally",
          () -> current.equals(nodeB.map.get(KEY)) && current.equals(nodeB.local(KEY)));
    }

    @TearDown
    public void tearDown() {
      nodeA.map.delete();
      nodeA.close();
      nodeB.close();
      redis.close();
    }
  }

  @Benchmark
  public void writeOnAUntilEvictedOnB(HotpathNodes nodes) {
    nodes.onA.put(KEY, Long.toString(++nodes.version));
    await("hotpath: B dropping its copy", () -> nodes.onB.getIfPresent(KEY) == null);
  }

  @Benchmark
  public void jetcache(JetCacheNodes nodes) {
    nodes.nodeA.cache.put(KEY, Long.toString(++nodes.version));
    await("jetcache: B dropping its copy", () -> nodes.nodeB.local().get(KEY) == null);
  }

  @Benchmark
  public void redisson(RedissonNodes nodes) {
    nodes.nodeA.map.fastPut(KEY, Long.toString(++nodes.version));
    await("redisson: B dropping its copy", () -> nodes.nodeB.local(KEY) == null);
  }
}
