package dev.hotpath.benchmarks;

import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RedisDownPolicy;
import dev.hotpath.ratelimit.RedisRateLimiter;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * One key in one Redis: Hotpath's distributed limiter beside Bucket4j's Lettuce proxy manager
 * (compare-and-swap based), each on its own Lettuce connection shared by all benchmark threads
 * (Hotpath's opened by the limiter from the one client, Bucket4j's byte-array one by the benchmark).
 * Every call succeeds (a million permits per second). At tear-down it prints the Redis commands
 * sent per acquire (counted by a Lettuce CommandListener, so commands run inside a script are not
 * counted) and the server-side command statistics.
 * {@code java -jar benchmarks.jar RedisLimiterBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -t 1} (then
 * {@code -t 8}); set HOTPATH_BENCH_REDIS_URL to use an existing server.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RedisLimiterBenchmark {

  private static final long PER_SECOND = 1_000_000L;

  private BenchRedis redis;
  private RedisClient client;
  private StatefulRedisConnection<String, String> stringConnection;
  private StatefulRedisConnection<byte[], byte[]> bytesConnection;
  private RedisRateLimiter hotpath;
  private BucketProxy bucket4j;
  private final LongAdder commands = new LongAdder();
  private final LongAdder acquires = new LongAdder();
  private Map<String, Long> serverBefore;
  private String key;

  @Setup(Level.Trial)
  public void setUp() {
    redis = BenchRedis.open();
    client = RedisClient.create(redis.uri());
    client.addListener(new CommandListener() {
      @Override
      public void commandStarted(CommandStartedEvent event) {
        commands.increment();
      }
    });
    stringConnection = client.connect();
    bytesConnection = client.connect(ByteArrayCodec.INSTANCE);
    String run = Long.toString(System.nanoTime(), 36);
    key = "bench-" + run;
    hotpath = RedisRateLimiter.builder().name("bench").keyPrefix("hotpath-bench:")
        .limit(RateLimit.of(Bandwidth.perPeriod(PER_SECOND, Duration.ofSeconds(1))))
        .client(client).timeout(Duration.ofSeconds(2)).downPolicy(RedisDownPolicy.failClosed()).build();
    bucket4j = Bucket4jLettuce.casBasedBuilder(bytesConnection)
        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
        .build()
        .getProxy(("bucket4j-bench-" + run).getBytes(StandardCharsets.UTF_8), () -> BucketConfiguration.builder()
            .addLimit(io.github.bucket4j.Bandwidth.builder().capacity(PER_SECOND).refillGreedy(PER_SECOND, Duration.ofSeconds(1)).build())
            .build());
    // one call each outside the count: loads the script and creates the bucket
    hotpath.tryConsume(key, 1);
    bucket4j.tryConsume(1);
    commands.reset();
    serverBefore = commandStats();
  }

  @Benchmark
  public boolean hotpath() {
    acquires.increment();
    return hotpath.tryConsume(key, 1);
  }

  @Benchmark
  public boolean bucket4j() {
    acquires.increment();
    return bucket4j.tryConsume(1);
  }

  @TearDown(Level.Trial)
  public void tearDown(BenchmarkParams params) {
    Map<String, Long> serverAfter = commandStats();
    Map<String, Long> delta = new TreeMap<>();
    serverAfter.forEach((command, value) -> {
      long d = value - serverBefore.getOrDefault(command, 0L);
      if (d > 0 && !command.startsWith("info")) {
        delta.put(command, d);
      }
    });
    long n = Math.max(1, acquires.sum());
    Map<String, Long> micros = new TreeMap<>();
    delta.forEach((k, v) -> {
      if (k.endsWith(USEC)) {
        micros.put(k.substring(0, k.length() - USEC.length()), v);
      }
    });
    delta.keySet().removeIf(k -> k.endsWith(USEC));
    // A script's time includes the commands it runs, which are also listed on their own.
    System.out.printf("%n[%s, %d threads, %s] acquires=%d, Redis commands sent per acquire=%.3f, "
            + "server-side calls per acquire %s, server microseconds per acquire %s%n",
        params.getBenchmark(), params.getThreads(), redis, n, (double) commands.sum() / n, perAcquire(delta, n),
        perAcquire(micros, n));
    hotpath.close();
    stringConnection.close();
    bytesConnection.close();
    client.shutdown();
    redis.close();
  }

  private static Map<String, String> perAcquire(Map<String, Long> delta, long n) {
    Map<String, String> out = new TreeMap<>();
    delta.forEach((command, calls) -> out.put(command, String.format("%.3f", (double) calls / n)));
    return out;
  }

  private static final String USEC = " usec";

  /**
   * INFO commandstats as command → calls, and "command usec" → total microseconds. Commands run
   * by scripts are counted here too.
   */
  private Map<String, Long> commandStats() {
    Map<String, Long> stats = new TreeMap<>();
    for (String line : stringConnection.sync().info("commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_")) {
        String command = line.substring("cmdstat_".length(), line.indexOf(':'));
        stats.put(command, field(line, "calls="));
        stats.put(command + USEC, field(line, "usec="));
      }
    }
    return stats;
  }

  private static long field(String line, String name) {
    int start = line.indexOf(name) + name.length();
    int end = line.indexOf(',', start);
    return Long.parseLong(line.substring(start, end < 0 ? line.length() : end));
  }
}
