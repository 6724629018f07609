package dev.hotpath;

import static dev.hotpath.TestSupport.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.TestSupport.CountingSource;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.WarmupPlan;
import dev.hotpath.cache.WarmupStrategy;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimiter;
import dev.hotpath.testing.postgres.TestPostgres;
import dev.hotpath.testing.redis.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
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

    hotpath.close();

    assertThat(hotpath.closedParts()).containsExactly(
        "warmup", "engine prices", "rate limiter exchange", "cache", "postgres tier", "redis tier", "redis client");
  }

  @Test
  void theHostsRedisClientAndDataSourceStayOpen() throws Exception {
    RedisClient client = RedisClient.create(redis.uri());
    try (HikariDataSource pool = postgres.newPool(2)) {
      Hotpath hotpath = Hotpath.builder()
          .redis(client)
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

  @Test
  void aBuildThatFailsClosesWhatItHadCreated() {
    AtomicReference<RateLimiter> created = new AtomicReference<>();
    Hotpath.Builder builder = Hotpath.builder()
        .redis(redis.url())
        .redisKeyPrefix(redis.newKeyPrefix("failed"))
        .namespace(prices)
        .rateLimiter("exchange", limit)
        .engine("prices", prices, new CountingSource("exchange"), (engine, limiters) -> {
          created.set(limiters.get("exchange"));
          engine.quota(limiters.get("exchange"), " "); // refused: a blank key
        });

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("engine 'prices': key must not be blank");
    assertThatThrownBy(() -> created.get().tryConsume("ip-1", 1))
        .as("the limiter built before the engine failed is closed")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is closed");
  }
}
