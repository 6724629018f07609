package dev.hotpath;

import static dev.hotpath.TestSupport.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.TestSupport.CountingSource;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.WarmupPlan;
import dev.hotpath.cache.WarmupStrategy;
import dev.hotpath.engine.BatchEngine;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimiter;
import dev.hotpath.testing.postgres.TestPostgres;
import dev.hotpath.testing.redis.TestRedis;
import dev.hotpath.testing.redis.TestRedisCluster;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** What {@code close()} closes: what the builder created, newest first, and never what the host passed in. */
class HotpathOwnershipTest {
  private final TestRedis redis = TestRedis.get();
  private final TestPostgres postgres = TestPostgres.get();
  private final NamespaceSpec<String, String> prices = spec("prices");
  private final RateLimit limit = RateLimit.of(Bandwidth.perPeriod(10, Duration.ofSeconds(1)));

  @Test
  void whatTheBuilderCreatedIsClosedInReverseCreationOrder() {
    Set<Thread> before = TestSupport.partThreads();
    WarmupPlan plan = WarmupPlan.builder().strategy(WarmupStrategy.keys("top", prices, () -> List.of("BTCUSDT"))).build();
    Hotpath hotpath = Hotpath.builder()
        .redis(redis.url())
        .redisKeyPrefix(redis.newKeyPrefix("ownership"))
        .postgres(postgres.jdbcUrl(), postgres.user(), postgres.password())
        .postgresSchema(postgres.newSchemaName("ownership"))
        .namespace(prices)
        .rateLimiter("exchange", limit)
        .engine("prices", prices, new CountingSource("exchange"))
        .warmup(plan, Hotpath.WarmupMode.BACKGROUND)
        .build();
    Set<Thread> started = TestSupport.partThreadsStartedSince(before);
    BatchEngine<?, ?> engine = hotpath.engine("prices");
    RateLimiter limiter = hotpath.rateLimiter("exchange");
    TieredCache cache = hotpath.cache();

    hotpath.close();

    assertThat(hotpath.closedParts()).containsExactly(
        "warmup", "engine prices", "rate limiter exchange", "cache", "postgres tier", "redis tier", "redis client");
    assertThat(engine.isClosed()).isTrue();
    assertThatThrownBy(() -> limiter.tryConsume("ip-1", 1)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is closed");
    assertThatThrownBy(() -> cache.namespace(prices).get("BTCUSDT")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the cache is closed");
    // The Lettuce client's event loops, the Redis tier's thread, the PostgreSQL pool and sweep, the
    // cache's and the engine's pools: all of them were started by the build, and all have ended.
    assertThat(started).extracting(Thread::getName)
        .anyMatch(name -> name.startsWith("lettuce-"))
        .anyMatch(name -> name.startsWith("hotpath-redis"))
        .anyMatch(name -> name.startsWith("hotpath-postgres"));
    TestSupport.awaitEnded(started);
  }

  @Test
  void theHostsRedisClientAndDataSourceStayOpen() throws Exception {
    RedisClient client = RedisClient.create(redis.uri());
    try (HikariDataSource pool = postgres.newPool(2)) {
      Hotpath hotpath = Hotpath.builder()
          .redis(HotpathRedis.client(client))
          .redisKeyPrefix(redis.newKeyPrefix("host"))
          .redisTimeout(TestSupport.REDIS_TIMEOUT)
          .postgres(pool)
          .postgresSchema(postgres.newSchemaName("host"))
          .namespace(prices)
          .rateLimiter("exchange", limit)
          .build();
      hotpath.cache().namespace(prices).put("BTCUSDT", "64000");
      assertThat(hotpath.rateLimiter("exchange").tryConsume("ip-1", 1)).isTrue();

      hotpath.close();

      assertThat(hotpath.closedParts()).containsExactly("rate limiter exchange", "cache", "postgres tier", "redis tier");
      try (StatefulRedisConnection<String, String> connection = client.connect()) {
        assertThat(connection.sync().ping()).isEqualTo("PONG");
      }
      assertThat(pool.isClosed()).isFalse();
      try (Connection connection = pool.getConnection()) {
        assertThat(connection.isValid(30)).isTrue();
      }
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /** Redis Cluster through the host's cluster client: the tier and the limiter run on it, and it stays open. */
  @Test
  void theHostsRedisClusterClientServesTheHotpathAndStaysOpen() {
    RedisClusterClient client = RedisClusterClient.create(TestRedisCluster.get().uris());
    try {
      Hotpath hotpath = Hotpath.builder()
          .redis(HotpathRedis.cluster(client))
          .redisKeyPrefix(redis.newKeyPrefix("cluster"))
          .redisTimeout(TestSupport.REDIS_TIMEOUT)
          .namespace(prices)
          .rateLimiter("exchange", limit)
          .build();
      hotpath.cache().namespace(prices).put("BTCUSDT", "64000");
      assertThat(hotpath.cache().tierNames()).containsExactly("memory", "redis");
      assertThat(hotpath.rateLimiter("exchange").tryConsume("ip-1", 1)).isTrue();

      hotpath.close();

      assertThat(hotpath.closedParts()).containsExactly("rate limiter exchange", "cache", "redis tier");
      try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
        assertThat(connection.sync().ping()).isEqualTo("PONG");
      }
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Test
  void aBuildThatFailsClosesWhatItHadCreated() {
    AtomicReference<RateLimiter> created = new AtomicReference<>();
    AtomicReference<Set<Thread>> started = new AtomicReference<>();
    Set<Thread> before = TestSupport.partThreads();
    Hotpath.Builder builder = Hotpath.builder()
        .redis(redis.url())
        .redisKeyPrefix(redis.newKeyPrefix("failed"))
        .namespace(prices)
        .rateLimiter("exchange", limit)
        .engine("prices", prices, new CountingSource("exchange"), (engine, limiters) -> {
          created.set(limiters.get("exchange"));
          started.set(TestSupport.partThreadsStartedSince(before)); // what the build started, while it runs
          engine.quota(limiters.get("exchange"), " "); // refused: a blank key
        });


    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("engine 'prices': key must not be blank");
    assertThatThrownBy(() -> created.get().tryConsume("ip-1", 1))
        .as("the limiter built before the engine failed is closed")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is closed");
    // The Lettuce client, the Redis tier and the cache the failed build had started are closed.
    assertThat(started.get()).extracting(Thread::getName)
        .anyMatch(name -> name.startsWith("lettuce-"))
        .anyMatch(name -> name.startsWith("hotpath-redis"));
    TestSupport.awaitEnded(started.get());
  }
}
