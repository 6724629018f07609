package dev.hotpath.cache.redis;

import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** One "node": a cache with its own Redis tier (own connections) and bus, like a separate process. */
final class TestNode implements AutoCloseable {
  /** A TTL no test outlives. */
  static final Duration LONG = Duration.ofMinutes(10);
  /**
   * The command timeout of test tiers: a loaded CI machine can stall one command for longer than
   * the 250 ms default, which would turn into a miss or a skipped write that a test cannot tell
   * from a bug. Outage tests set a short one themselves.
   */
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
  /** How long a test waits for something asynchronous before it fails. */
  static final Duration PATIENCE = Duration.ofSeconds(20);
  /** The namespace most tests use: in L1 and Redis for {@link #LONG}. */
  static final NamespaceSpec<String, String> PRICES =
      NamespaceSpec.builder("prices", String.class, String.class)
          .ttl(dev.hotpath.cache.TtlProfile.builder().l1(LONG).l2(LONG).build())
          .build();

  /** A tier on the test server under the test's prefix, reconciling its log every 200 ms. */
  static RedisTier tier(TestRedis redis, RedisKeyPrefix prefix) {
    return RedisTier.builder().uri(redis.uri()).keyPrefix(prefix.value()).reconcileInterval(Duration.ofMillis(200))
        .commandTimeout(COMMAND_TIMEOUT).build();
  }

  /** Settings for {@link #start(TestRedis, RedisKeyPrefix, UnaryOperator, NamespaceSpec[])}: Redis reports changes of {@code namespaces}. */
  static UnaryOperator<RedisTier.Builder> tracking(String... namespaces) {
    return b -> b.commandTimeout(COMMAND_TIMEOUT).trackRedisChanges(namespaces);
  }

  final RedisTier tier;
  final TieredCache cache;

  private TestNode(RedisTier tier, NamespaceSpec<?, ?>... specs) {
    this.tier = tier;
    // No invalidationBus(...): the tier brings its bus, so every cross-node test also checks that.
    TieredCache.Builder b = TieredCache.builder().tier(tier);
    for (NamespaceSpec<?, ?> spec : specs) {
      b.namespace(spec);
    }
    this.cache = b.build();
  }

  static TestNode start(TestRedis redis, RedisKeyPrefix prefix, NamespaceSpec<?, ?>... specs) {
    return start(redis, prefix, b -> b.commandTimeout(COMMAND_TIMEOUT), specs);
  }

  /** A node with {@code settings}, which set the command timeout unless the default 250 ms is wanted. */
  static TestNode start(
      TestRedis redis, RedisKeyPrefix prefix, UnaryOperator<RedisTier.Builder> settings, NamespaceSpec<?, ?>... specs) {
    RedisTier.Builder b =
        RedisTier.builder().uri(redis.uri()).keyPrefix(prefix.value()).reconcileInterval(Duration.ofMillis(200));
    return new TestNode(settings.apply(b).build(), specs);
  }

  static TestNode of(RedisTier tier, NamespaceSpec<?, ?>... specs) {
    return new TestNode(tier, specs);
  }

  @Override
  public void close() {
    cache.close();
  }

  /** Polls {@code condition} until it holds or {@code timeout} passes; returns whether it held. */
  static boolean eventually(Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }
}
