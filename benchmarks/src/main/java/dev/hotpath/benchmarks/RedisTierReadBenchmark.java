package dev.hotpath.benchmarks;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.redis.RedisTier;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.openjdk.jmh.infra.Blackhole;
import org.redisson.Redisson;
import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * A read that Redis answers, through Hotpath and beside its peers, in one run:
 *
 * <ul>
 *   <li>{@code hotpath}: {@code Namespace.get} whose in-process tier always misses (its L1 TTL is
 *       1 ns, so every entry has expired by the next read) and is served by the Redis tier's GET.
 *       It pays Hotpath's whole read path: the L1 lookup and miss, single flight, the tier, payload
 *       decoding and the L1 fill. Loads run on the calling thread (a same-thread executor), as a
 *       blocking caller of raw Lettuce would.
 *   <li>{@code lettuce}: a raw Lettuce sync GET of the same bytes (no decoding).
 *   <li>{@code redisson}: an {@code RMap.get} (HGET) of the same bytes through Redisson.
 *   <li>{@code hotpathGetAll}: 100 keys in one {@code Namespace.getAll} (one MGET);
 *       {@code lettuceSingles}: the same 100 keys as 100 sync GETs.
 * </ul>
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar RedisTierReadBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s}.
 * Targets: {@code hotpath} ≥ 0.9 × {@code lettuce}; {@code hotpathGetAll} ≥ 10 × {@code lettuceSingles}.
 * Against {@code HOTPATH_BENCH_REDIS_URL} when set, else an embedded Redis.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RedisTierReadBenchmark {
  private static final int KEYS = 1024;
  private static final int BULK = 100;
  private static final String PREFIX = "hp-bench:read:";

  private BenchRedis redis;
  private RedisTier tier;
  private TieredCache cache;
  private Namespace<String, String> namespace;
  private RedisClient lettuceClient;
  private StatefulRedisConnection<byte[], byte[]> lettuceConnection;
  private RedisCommands<byte[], byte[]> lettuce;
  private RedissonClient redissonClient;
  private RMap<byte[], byte[]> redissonMap;
  private final String[] keys = new String[KEYS];
  private final byte[][] redisKeys = new byte[KEYS][];
  private final byte[][] fields = new byte[KEYS][];
  private final List<String> bulkKeys = new ArrayList<>();
  private int next;

  @Setup
  public void setUp() {
    redis = BenchRedis.open();
    String prefix = PREFIX + ProcessHandle.current().pid() + ":";
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("symbols", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofNanos(1)).l2(Duration.ofHours(1)).build())
            .build();
    tier = RedisTier.builder().uri(redis.uri()).keyPrefix(prefix).build();
    cache =
        TieredCache.builder()
            .tier(tier)
            .executor(Runnable::run)
            .namespace(spec)
            .build();
    namespace = cache.namespace(spec);
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "SYM" + i + "USDT";
      values.put(keys[i], "{\"tick\":0.01,\"lot\":0.001,\"id\":" + i + "}");
      redisKeys[i] = (prefix + "symbols:" + keys[i]).getBytes(StandardCharsets.UTF_8);
      fields[i] = keys[i].getBytes(StandardCharsets.UTF_8);
    }
    namespace.putAll(values);
    for (int i = 0; i < BULK; i++) {
      bulkKeys.add(keys[i * 7 % KEYS]);
    }

    lettuceClient = RedisClient.create(redis.uri());
    lettuceConnection = lettuceClient.connect(ByteArrayCodec.INSTANCE);
    lettuce = lettuceConnection.sync();

    Config config = new Config();
    config.setCodec(org.redisson.client.codec.ByteArrayCodec.INSTANCE);
    config.useSingleServer()
        .setAddress("redis://" + redis.uri().getHost() + ":" + redis.uri().getPort())
        .setConnectionMinimumIdleSize(1)
        .setConnectionPoolSize(4);
    redissonClient = Redisson.create(config);
    redissonMap = redissonClient.getMap(prefix + "redisson-map");
    Map<byte[], byte[]> copy = new HashMap<>();
    for (int i = 0; i < KEYS; i++) {
      copy.put(fields[i], lettuce.get(redisKeys[i])); // the same stored bytes
    }
    redissonMap.putAll(copy);
  }

  @TearDown
  public void tearDown() {
    redissonMap.delete();
    List<byte[]> all = new ArrayList<>(List.of(redisKeys));
    lettuce.del(all.toArray(new byte[0][]));
    redissonClient.shutdown();
    lettuceConnection.close();
    lettuceClient.shutdown();
    cache.close();
    redis.close();
  }

  private int nextIndex() {
    int i = next;
    next = (i + 1) & (KEYS - 1);
    return i;
  }

  @Benchmark
  public String hotpath() {
    return namespace.get(keys[nextIndex()]);
  }

  @Benchmark
  public byte[] lettuce() {
    return lettuce.get(redisKeys[nextIndex()]);
  }

  @Benchmark
  public byte[] redisson() {
    return redissonMap.get(fields[nextIndex()]);
  }

  @Benchmark
  public Map<String, String> hotpathGetAll() {
    return namespace.getAll(bulkKeys);
  }

  @Benchmark
  public void lettuceSingles(Blackhole bh) {
    for (int i = 0; i < BULK; i++) {
      bh.consume(lettuce.get(redisKeys[i * 7 % KEYS]));
    }
  }
}
