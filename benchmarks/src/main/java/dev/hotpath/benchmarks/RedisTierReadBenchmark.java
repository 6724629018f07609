package dev.hotpath.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hotpath.benchmarks.TwoLevelPeers.JetCacheNode;
import dev.hotpath.benchmarks.TwoLevelPeers.RedissonNode;
import dev.hotpath.cache.Codec;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.redis.RedisTier;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;
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
import org.openjdk.jmh.infra.ThreadParams;
import org.redisson.Redisson;
import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Reads from a two-level cache whose second level is Redis, through Hotpath and beside raw Lettuce,
 * Redisson and the two-level peers JetCache and Redisson's {@code RLocalCachedMap}, in one run:
 *
 * <ul>
 *   <li><b>L2 hit</b> (the key is in Redis, not in process): {@code hotpath} ({@code Namespace.get},
 *       the whole read path: L1 lookup and miss, single flight, the tier's GET, payload decoding,
 *       the L1 fill; loads run on the calling thread, a same-thread executor, as a blocking caller
 *       of raw Lettuce would), {@code jetcacheL2}, {@code redissonLocalL2}; and the raw floor
 *       {@code lettuce} (a sync GET of the same bytes, not decoded) and {@code redisson} (an {@code
 *       RMap.get}, HGET, of the same bytes).
 *   <li><b>L1 hit</b>: {@code hotpathL1}, {@code jetcacheL1}, {@code redissonLocalL1}; every key is
 *       in process before measuring (checked), so Redis is not read while measuring.
 *   <li><b>Bulk of 100</b>, in Redis, not in process: {@code hotpathGetAll} (one {@code
 *       Namespace.getAll}, one MGET), {@code jetcacheGetAll}, {@code redissonLocalGetAll}; {@code
 *       lettuceMget}, one raw MGET of the same 100 keys decoded as Hotpath decodes them (its payload
 *       header checked, the rest through the same {@code Codec.utf8()}) into a map, the floor a
 *       hand-written Caffeine + Lettuce cache reaches; {@code lettuceSingles}, the same keys as 100
 *       sync GETs; {@code caffeineLettuceMget}, that hand-written cache itself (Caffeine's {@code
 *       getAllPresent}, one MGET of what it missed, decoded the same way, put into Caffeine): what any
 *       cache with an in-process level pays on top of the raw MGET.
 * </ul>
 *
 * <p><b>Configured alike</b> (see {@link TwoLevelPeers} for what each library stores in Redis):
 * {@code String} keys and values (the same {@value #KEYS} entries for every contender), a Redis TTL
 * of one hour (Redisson's hash has none), an in-process bound of twice the key count, Caffeine in
 * process. For L1 hits the in-process TTL is one hour. For L2 hits and bulk reads every read must
 * miss in process: Hotpath's L1 TTL is 1 ns; JetCache and Redisson keep local expiry in
 * milliseconds, so theirs is 1 ms, and the keys are read in an order that comes back to a key only
 * after thousands of other reads (single keys) or dozens of other bulk reads (the 100-key groups),
 * each a Redis round trip, so no key is read again within 1 ms. Each thread reads its own share of
 * the keys and groups. Each method's state builds only the contender it measures (one Redis
 * server per fork, started by {@link BenchRedis}), and checks before measuring that the contender
 * answers the written value; a misconfigured peer fails the run instead of measuring misses.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar RedisTierReadBenchmark -f 2}. Goals:
 * {@code hotpath} ≥ 0.9 × {@code lettuce}; {@code hotpathGetAll} ≥ 10 × {@code lettuceSingles} and
 * (issue 15) ≥ 0.9 × {@code lettuceMget}, which reads and fills no in-process level; the
 * hand-written {@code caffeineLettuceMget}, measured in the same run, shows what that level costs
 * any cache (the report also compares {@code hotpathGetAll} with it, without a goal). Against
 * {@code HOTPATH_BENCH_REDIS_URL} when set, else an embedded Redis.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RedisTierReadBenchmark {
  private static final int BULK = 100;
  private static final int GROUPS = 80;
  private static final int KEYS = GROUPS * BULK;
  private static final String PREFIX = "hp-bench:read:";
  private static final String NAMESPACE = "symbols";
  private static final Duration REDIS_TTL = Duration.ofHours(1);
  private static final Duration L1_HIT_TTL = Duration.ofHours(1);
  /** Hotpath's in-process TTL for reads that must miss L1: every entry has expired by the next read. */
  private static final Duration HOTPATH_MISS_TTL = Duration.ofNanos(1);
  /** The same for the peers, whose local expiry counts milliseconds. */
  private static final Duration PEER_MISS_TTL = Duration.ofMillis(1);
  private static final long L1_BOUND = KEYS * 2L;

  private static final String[] NAMES = new String[KEYS];
  private static final Map<String, String> VALUES = new HashMap<>();
  /** {@value #GROUPS} disjoint groups of {@value #BULK} keys, each spread over the key space; together every key. */
  @SuppressWarnings("unchecked")
  private static final Set<String>[] GROUP_KEYS = new Set[GROUPS];
  @SuppressWarnings("unchecked")
  private static final Map<String, String>[] GROUP_VALUES = new Map[GROUPS];

  static {
    for (int i = 0; i < KEYS; i++) {
      NAMES[i] = "SYM" + i + "USDT";
      VALUES.put(NAMES[i], "{\"tick\":0.01,\"lot\":0.001,\"id\":" + i + "}");
    }
    for (int g = 0; g < GROUPS; g++) {
      Set<String> group = new LinkedHashSet<>();
      Map<String, String> values = new HashMap<>();
      for (int i = 0; i < BULK; i++) {
        String key = NAMES[g + i * GROUPS];
        group.add(key);
        values.put(key, VALUES.get(key));
      }
      GROUP_KEYS[g] = group;
      GROUP_VALUES[g] = values;
    }
  }

  private static String prefix() {
    return PREFIX + ProcessHandle.current().pid() + ":";
  }

  /**
   * Writes every entry, a group at a time: one bulk write of all of them can outlast a Redis command
   * timeout on a loaded machine, and a timed-out write leaves the keys unreadable or unwritten.
   */
  private static void writeAll(Consumer<Map<String, String>> putAll) {
    for (Map<String, String> values : GROUP_VALUES) {
      putAll.accept(values);
    }
  }

  /** Throws unless every group of keys reads back the values written. */
  private static void checkAll(String contender, IntFunction<Map<String, String>> readGroup) {
    for (int g = 0; g < GROUPS; g++) {
      SetupChecks.expectAll(contender, GROUP_VALUES[g], readGroup.apply(g));
    }
  }

  /**
   * Which keys and groups this thread reads: thread {@code t} of {@code n} takes every {@code n}-th,
   * so no two threads read the same key, and a thread comes back to a key only after {@code
   * KEYS / n} reads and to a group after {@code GROUPS / n} bulk reads.
   */
  @State(Scope.Thread)
  public static class Cursor {
    private int key;
    private int group;
    private int step;
    private int groupLimit;

    @Setup
    public void setUp(ThreadParams threads) {
      step = threads.getThreadCount();
      key = threads.getThreadIndex();
      group = threads.getThreadIndex();
      // Groups past the last whole round of threads are left out, so no two threads share one.
      groupLimit = GROUPS - GROUPS % step;
      if (group >= groupLimit) {
        throw new IllegalStateException("more threads than key groups: " + step);
      }
    }

    int nextIndex() {
      int i = key;
      key = (i + step) % KEYS;
      return i;
    }

    String nextKey() {
      return NAMES[nextIndex()];
    }

    int nextGroup() {
      int g = group;
      group = (g + step) % groupLimit;
      return g;
    }
  }

  /** A Hotpath cache with a Redis tier over its own embedded (or configured) Redis. */
  abstract static class HotpathState {
    BenchRedis redis;
    TieredCache cache;
    Namespace<String, String> namespace;

    void open(Duration l1Ttl) {
      redis = BenchRedis.open();
      NamespaceSpec<String, String> spec =
          NamespaceSpec.builder(NAMESPACE, String.class, String.class)
              .ttl(TtlProfile.builder().l1(l1Ttl).l2(REDIS_TTL).build())
              .maximumSize(L1_BOUND)
              .build();
      RedisTier tier = RedisTier.builder().uri(redis.uri()).keyPrefix(prefix()).build();
      cache = TieredCache.builder().tier(tier).executor(Runnable::run).namespace(spec).build();
      namespace = cache.namespace(spec);
      writeAll(namespace::putAll);
    }

    @TearDown
    public void tearDown() {
      namespace.invalidateAll();
      cache.close();
      redis.close();
    }
  }

  /** Hotpath whose L1 always misses: reads are served by Redis. */
  @State(Scope.Benchmark)
  public static class HotpathL2State extends HotpathState {
    @Setup
    public void setUp() {
      open(HOTPATH_MISS_TTL);
      SetupChecks.expect("hotpath", NAMES[0], VALUES.get(NAMES[0]), namespace.get(NAMES[0]));
      checkAll("hotpathGetAll", g -> namespace.getAll(GROUP_KEYS[g]));
    }
  }

  /** Hotpath with every key in L1. */
  @State(Scope.Benchmark)
  public static class HotpathL1State extends HotpathState {
    @Setup
    public void setUp() {
      open(L1_HIT_TTL);
      for (String key : NAMES) {
        SetupChecks.expect("hotpathL1 (in process)", key, VALUES.get(key), namespace.getIfPresent(key));
      }
    }
  }

  /**
   * Raw Lettuce on the bytes Hotpath wrote: the entries are written through a Hotpath cache that is
   * closed again before measuring.
   */
  @State(Scope.Benchmark)
  public static class LettuceState {
    BenchRedis redis;
    RedisClient client;
    StatefulRedisConnection<byte[], byte[]> connection;
    RedisCommands<byte[], byte[]> lettuce;
    final byte[][] redisKeys = new byte[KEYS][];
    final byte[][][] groupRedisKeys = new byte[GROUPS][][];
    final String[][] groupNames = new String[GROUPS][];

    @Setup
    public void setUp() {
      redis = BenchRedis.open();
      writeThroughHotpath(redis);
      for (int i = 0; i < KEYS; i++) {
        redisKeys[i] = redisKey(NAMES[i]);
      }
      for (int g = 0; g < GROUPS; g++) {
        groupNames[g] = GROUP_KEYS[g].toArray(new String[0]);
        groupRedisKeys[g] = Arrays.stream(groupNames[g]).map(LettuceState::redisKey).toArray(byte[][]::new);
      }
      client = RedisClient.create(redis.uri());
      connection = client.connect(ByteArrayCodec.INSTANCE);
      lettuce = connection.sync();
      SetupChecks.expect("lettuce", NAMES[0], VALUES.get(NAMES[0]), decodeHotpathUtf8(lettuce.get(redisKeys[0])));
      checkAll("lettuceMget", this::mget);
    }

    private static byte[] redisKey(String key) {
      return (prefix() + NAMESPACE + ":" + key).getBytes(StandardCharsets.UTF_8);
    }

    Map<String, String> mget(int group) {
      String[] names = groupNames[group];
      List<KeyValue<byte[], byte[]>> found = lettuce.mget(groupRedisKeys[group]);
      Map<String, String> values = new HashMap<>();
      for (int i = 0; i < names.length; i++) {
        KeyValue<byte[], byte[]> kv = found.get(i);
        if (kv.hasValue()) {
          values.put(names[i], decodeHotpathUtf8(kv.getValue()));
        }
      }
      return values;
    }

    @TearDown
    public void tearDown() {
      lettuce.del(redisKeys);
      connection.close();
      client.shutdown();
      redis.close();
    }
  }

  /**
   * The two-level cache a team writes by hand instead: Caffeine in process, built as a user builds
   * it for this job (the same bound and in-process TTL as Hotpath's L1, stats recorded) and, like
   * Hotpath's here, running its maintenance in the calling thread, so that neither gets the second
   * core for it; and for the keys it does not hold one MGET of the bytes Hotpath wrote,
   * through the {@link LettuceState}'s connection, decoded as {@code lettuceMget} decodes them and
   * put into Caffeine. Entry keys are built per read, as such code builds them.
   */
  @State(Scope.Benchmark)
  public static class CaffeineLettuceState {
    LettuceState lettuce;
    Cache<String, String> local;
    String entryPrefix;

    @Setup
    public void setUp(LettuceState lettuce) {
      this.lettuce = lettuce;
      this.entryPrefix = prefix() + NAMESPACE + ":";
      local = Caffeine.newBuilder().maximumSize(L1_BOUND).expireAfterWrite(HOTPATH_MISS_TTL).recordStats()
          .executor(Runnable::run).build();
      checkAll("caffeineLettuceMget", this::getAll);
    }

    Map<String, String> getAll(int group) {
      Set<String> keys = GROUP_KEYS[group];
      Map<String, String> held = local.getAllPresent(keys);
      if (held.size() == keys.size()) {
        return held;
      }
      List<String> missing = new ArrayList<>(keys.size() - held.size());
      for (String key : keys) {
        if (!held.containsKey(key)) {
          missing.add(key);
        }
      }
      byte[][] entryKeys = new byte[missing.size()][];
      for (int i = 0; i < entryKeys.length; i++) {
        entryKeys[i] = (entryPrefix + missing.get(i)).getBytes(StandardCharsets.UTF_8);
      }
      List<KeyValue<byte[], byte[]>> found = lettuce.lettuce.mget(entryKeys);
      Map<String, String> loaded = new HashMap<>();
      for (int i = 0; i < entryKeys.length; i++) {
        KeyValue<byte[], byte[]> kv = found.get(i);
        if (kv.hasValue()) {
          loaded.put(missing.get(i), decodeHotpathUtf8(kv.getValue()));
        }
      }
      local.putAll(loaded);
      if (held.isEmpty()) {
        return loaded;
      }
      Map<String, String> all = new HashMap<>(held);
      all.putAll(loaded);
      return all;
    }
  }

  /**
   * Redisson's {@code RMap.get} on a hash holding, field by field, the bytes Hotpath wrote under
   * each key.
   */
  @State(Scope.Benchmark)
  public static class RedissonState {
    BenchRedis redis;
    RedissonClient client;
    RMap<byte[], byte[]> map;
    final byte[][] fields = new byte[KEYS][];

    @Setup
    public void setUp() {
      redis = BenchRedis.open();
      writeThroughHotpath(redis);
      Config config = new Config();
      config.setCodec(org.redisson.client.codec.ByteArrayCodec.INSTANCE);
      config.useSingleServer()
          .setAddress("redis://" + redis.uri().getHost() + ":" + redis.uri().getPort())
          .setConnectionMinimumIdleSize(1)
          .setConnectionPoolSize(4);
      client = Redisson.create(config);
      map = client.getMap(prefix() + "redisson-map");
      Map<byte[], byte[]> copy = new HashMap<>();
      try (RedisClient lettuceClient = RedisClient.create(redis.uri());
          StatefulRedisConnection<byte[], byte[]> connection = lettuceClient.connect(ByteArrayCodec.INSTANCE)) {
        for (int i = 0; i < KEYS; i++) {
          fields[i] = NAMES[i].getBytes(StandardCharsets.UTF_8);
          copy.put(fields[i], connection.sync().get(LettuceState.redisKey(NAMES[i]))); // the same stored bytes
        }
      }
      map.putAll(copy);
      SetupChecks.expect("redisson", NAMES[0], VALUES.get(NAMES[0]), decodeHotpathUtf8(map.get(fields[0])));
    }

    @TearDown
    public void tearDown() {
      map.delete();
      client.shutdown();
      redis.close();
    }
  }

  /** A JetCache node holding every entry; {@link #open} decides whether reads hit its local level. */
  abstract static class JetCacheState {
    BenchRedis redis;
    JetCacheNode node;

    void open(Duration localTtl) {
      redis = BenchRedis.open();
      node = new JetCacheNode(redis, prefix() + "jetcache:", prefix() + "jetcache-channel", NAMESPACE,
          localTtl, L1_BOUND, REDIS_TTL);
      writeAll(node.cache::putAll);
    }

    @TearDown
    public void tearDown() {
      node.cache.removeAll(VALUES.keySet());
      node.close();
      redis.close();
    }
  }

  @State(Scope.Benchmark)
  public static class JetCacheL1State extends JetCacheState {
    @Setup
    public void setUp() {
      open(L1_HIT_TTL);
      for (String key : NAMES) {
        SetupChecks.expect("jetcacheL1 (in process)", key, VALUES.get(key), node.local().get(key));
      }
    }
  }

  @State(Scope.Benchmark)
  public static class JetCacheL2State extends JetCacheState {
    @Setup
    public void setUp() {
      open(PEER_MISS_TTL);
      SetupChecks.expect("jetcacheL2 (in Redis)", NAMES[0], VALUES.get(NAMES[0]), node.remote().get(NAMES[0]));
      SetupChecks.expect("jetcacheL2", NAMES[0], VALUES.get(NAMES[0]), node.cache.get(NAMES[0]));
      checkAll("jetcacheGetAll", g -> node.cache.getAll(GROUP_KEYS[g]));
    }
  }

  /** A Redisson local cached map holding every entry. */
  abstract static class RedissonLocalState {
    BenchRedis redis;
    RedissonNode node;

    void open(Duration localTtl) {
      redis = BenchRedis.open();
      node = new RedissonNode(redis, prefix() + "redisson-local", localTtl, L1_BOUND);
      writeAll(node.map::putAll);
    }

    @TearDown
    public void tearDown() {
      node.map.delete();
      node.close();
      redis.close();
    }
  }

  @State(Scope.Benchmark)
  public static class RedissonLocalL1State extends RedissonLocalState {
    @Setup
    public void setUp() {
      open(L1_HIT_TTL);
      // putAll keeps what it writes in the local cache too; reading every key makes sure of it.
      for (String key : NAMES) {
        node.map.get(key);
        SetupChecks.expect("redissonLocalL1 (in process)", key, VALUES.get(key), node.local(key));
      }
    }
  }

  @State(Scope.Benchmark)
  public static class RedissonLocalL2State extends RedissonLocalState {
    @Setup
    public void setUp() {
      open(PEER_MISS_TTL);
      SetupChecks.expect("redissonLocalL2", NAMES[0], VALUES.get(NAMES[0]), node.map.get(NAMES[0]));
      checkAll("redissonLocalGetAll", g -> node.map.getAll(GROUP_KEYS[g]));
    }
  }

  /** Writes every entry through a Hotpath cache of its own, closed again: Hotpath's stored bytes. */
  private static void writeThroughHotpath(BenchRedis redis) {
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder(NAMESPACE, String.class, String.class)
            .ttl(TtlProfile.builder().l1(HOTPATH_MISS_TTL).l2(REDIS_TTL).build())
            .build();
    RedisTier tier = RedisTier.builder().uri(redis.uri()).keyPrefix(prefix()).build();
    try (TieredCache writer = TieredCache.builder().tier(tier).namespace(spec).build()) {
      writeAll(writer.namespace(spec)::putAll);
    }
  }

  /**
   * Decodes a string payload as Hotpath's Redis tier does: its 4-byte header (magic, format
   * version, flags, codec version; cache-core's package-private {@code PayloadFormat}) checked, the
   * rest through the namespace's codec. Values here are small, so never compressed.
   */
  static String decodeHotpathUtf8(byte[] payload) {
    Codec<String> codec = Codec.utf8();
    if (payload == null || payload.length < 4 || payload[0] != (byte) 0xB7 || payload[1] != 1
        || payload[2] != 0 || (payload[3] & 0xFF) != codec.version()) {
      throw new IllegalStateException("not a Hotpath string payload");
    }
    return codec.decode(Arrays.copyOfRange(payload, 4, payload.length));
  }

  // L2 hits: the key is in Redis, not in process.

  @Benchmark
  public String hotpath(HotpathL2State state, Cursor cursor) {
    return state.namespace.get(cursor.nextKey());
  }

  @Benchmark
  public String jetcacheL2(JetCacheL2State state, Cursor cursor) {
    return state.node.cache.get(cursor.nextKey());
  }

  @Benchmark
  public String redissonLocalL2(RedissonLocalL2State state, Cursor cursor) {
    return state.node.map.get(cursor.nextKey());
  }

  @Benchmark
  public byte[] lettuce(LettuceState state, Cursor cursor) {
    return state.lettuce.get(state.redisKeys[cursor.nextIndex()]);
  }

  @Benchmark
  public byte[] redisson(RedissonState state, Cursor cursor) {
    return state.map.get(state.fields[cursor.nextIndex()]);
  }

  // L1 hits.

  @Benchmark
  public String hotpathL1(HotpathL1State state, Cursor cursor) {
    return state.namespace.get(cursor.nextKey());
  }

  @Benchmark
  public String jetcacheL1(JetCacheL1State state, Cursor cursor) {
    return state.node.cache.get(cursor.nextKey());
  }

  @Benchmark
  public String redissonLocalL1(RedissonLocalL1State state, Cursor cursor) {
    return state.node.map.get(cursor.nextKey());
  }

  // Bulk reads of 100 keys that are in Redis, not in process.

  @Benchmark
  public Map<String, String> hotpathGetAll(HotpathL2State state, Cursor cursor) {
    return state.namespace.getAll(GROUP_KEYS[cursor.nextGroup()]);
  }

  @Benchmark
  public Map<String, String> jetcacheGetAll(JetCacheL2State state, Cursor cursor) {
    return state.node.cache.getAll(GROUP_KEYS[cursor.nextGroup()]);
  }

  @Benchmark
  public Map<String, String> redissonLocalGetAll(RedissonLocalL2State state, Cursor cursor) {
    return state.node.map.getAll(GROUP_KEYS[cursor.nextGroup()]);
  }

  @Benchmark
  public Map<String, String> lettuceMget(LettuceState state, Cursor cursor) {
    return state.mget(cursor.nextGroup());
  }

  /** The hand-written two-level read of the same keys: Caffeine, then one MGET of what it missed. */
  @Benchmark
  public Map<String, String> caffeineLettuceMget(CaffeineLettuceState state, Cursor cursor) {
    return state.getAll(cursor.nextGroup());
  }

  @Benchmark
  public void lettuceSingles(LettuceState state, Cursor cursor, Blackhole bh) {
    for (byte[] key : state.groupRedisKeys[cursor.nextGroup()]) {
      bh.consume(state.lettuce.get(key));
    }
  }
}
