package dev.hotpath;

import static dev.hotpath.TestSupport.await;
import static dev.hotpath.TestSupport.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hotpath.HotpathHealth.Kind;
import dev.hotpath.HotpathHealth.Part;
import dev.hotpath.cache.CacheHealth.Status;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.engine.BatchRequest;
import dev.hotpath.engine.CircuitBreaker;
import dev.hotpath.engine.Retry;
import dev.hotpath.engine.Source;
import dev.hotpath.engine.SourceReply;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimiter;
import dev.hotpath.ratelimit.RateLimiterUnavailableException;
import dev.hotpath.testing.postgres.TestPostgres;
import dev.hotpath.testing.redis.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@code health()}: each part's status and reason, and the overall status the parts make. */
class HotpathHealthTest {
  private final NamespaceSpec<String, String> prices = spec("prices");

  private static Part part(HotpathHealth health, Kind kind, String name) {
    return health.part(kind, name).orElseThrow();
  }

  @Test
  void anOpenSourceCircuitDegradesTheEngineAndTheWhole() throws Exception {
    Source<String, String> failing = new Source<>() {
      @Override
      public String name() {
        return "exchange";
      }

      @Override
      public CompletableFuture<SourceReply<String, String>> fetch(List<String> keys) {
        return CompletableFuture.failedFuture(new IllegalStateException("exchange down"));
      }
    };
    try (Hotpath hotpath = Hotpath.builder()
        .namespace(prices)
        .engine("prices", prices, failing,
            (engine, limiters) -> engine.retry(Retry.none()).circuitBreaker(CircuitBreaker.of(1, Duration.ofHours(1))))
        .build()) {
      hotpath.engine("prices", prices).process(BatchRequest.of(List.of("BTCUSDT")));

      HotpathHealth health = hotpath.health();

      assertThat(part(health, Kind.ENGINE, "prices").status()).isEqualTo(Status.DEGRADED);
      assertThat(part(health, Kind.ENGINE, "prices").reason()).startsWith("the source's circuit is OPEN");
      assertThat(health.status()).isEqualTo(Status.DEGRADED);
    }
  }

  /**
   * PostgreSQL stops: the tier's circuit opens and the whole is degraded, not down (reads go to the
   * loader); PostgreSQL returns and the next read's probe closes the circuit.
   */
  @Test
  void aPostgresOutageShowsInTheTierAndPassesWithIt() {
    TestPostgres postgres = TestPostgres.get();
    assumeTrue(postgres.isRestartable(), "only a PostgreSQL this JVM started may be stopped");
    try (Hotpath hotpath = Hotpath.builder()
        .postgres(postgres.jdbcUrl(), postgres.user(), postgres.password())
        .postgresSchema(postgres.newSchemaName("health"))
        .namespace(prices)
        .build()) {
      AtomicInteger key = new AtomicInteger();
      AtomicReference<HotpathHealth> seen = new AtomicReference<>();
      hotpath.cache().namespace(prices).get("k0"); // the schema is in place before the outage

      postgres.stop();
      try {
        await("PostgreSQL's tier reports the outage", () -> {
          assertThat(hotpath.cache().namespace(prices).get("k" + key.incrementAndGet())).startsWith("loaded:");
          HotpathHealth health = hotpath.health();
          seen.set(health);
          return part(health, Kind.POSTGRES, "postgres").status() == Status.DOWN;
        });
      } finally {
        postgres.start();
      }

      assertThat(part(seen.get(), Kind.POSTGRES, "postgres").reason()).startsWith("circuit open");
      assertThat(seen.get().status()).isEqualTo(Status.DEGRADED);
      await("the tier is answering again", () -> {
        hotpath.cache().namespace(prices).get("k" + key.incrementAndGet()); // a read probes the server
        return !part(hotpath.health(), Kind.POSTGRES, "postgres").reason().startsWith("circuit open");
      });
    }
  }

  /**
   * Redis stops: the tier's circuit opens (the cache goes on from the loader: the whole is degraded
   * by it) and the fail-closed limiter cannot decide (its callers get exceptions: the whole is
   * down); Redis returns and so does every part.
   */
  @Test
  void aRedisOutageShowsInTheTierAndTheLimiterAndPassesWithIt() {
    TestRedis redis = TestRedis.get();
    assumeTrue(redis.isRestartable(), "only a Redis this JVM started may be stopped");
    try (Hotpath hotpath = Hotpath.builder()
        .redis(redis.url())
        .redisKeyPrefix(redis.newKeyPrefix("health"))
        .namespace(prices)
        .rateLimiter("exchange", RateLimit.of(Bandwidth.perPeriod(1_000, Duration.ofSeconds(1))))
        .build()) {
      assertThat(hotpath.health().status()).isEqualTo(Status.UP);
      AtomicInteger key = new AtomicInteger();
      AtomicReference<HotpathHealth> seen = new AtomicReference<>();

      redis.stop();
      try {
        await("Redis's tier and limiter report the outage", () -> {
          hotpath.cache().namespace(prices).get("k" + key.incrementAndGet()); // a failed read counts to the circuit
          try {
            hotpath.rateLimiter("exchange").tryConsume("ip-1", 1);
          } catch (RateLimiterUnavailableException expected) {
            // Redis does not answer and the limiter fails closed.
          }
          HotpathHealth health = hotpath.health();
          seen.set(health);
          return part(health, Kind.REDIS, "redis").status() == Status.DOWN
              && part(health, Kind.RATE_LIMITER, "exchange").status() == Status.DOWN;
        });
      } finally {
        redis.start();
      }

      HotpathHealth during = seen.get();
      assertThat(part(during, Kind.REDIS, "redis").reason()).startsWith("circuit open");
      assertThat(part(during, Kind.RATE_LIMITER, "exchange").reason()).contains("RateLimiterUnavailableException");
      assertThat(during.status()).isEqualTo(Status.DOWN);
      // The tier's failures may have raised an alert, cleared by the first alert evaluation (every
      // 10 s) whose whole window follows the outage. The limiter's circuit closes when a call's
      // probe is answered, so calls keep coming, as they would in a host.
      await("every part is up again", TestSupport.PATIENCE.plus(Duration.ofSeconds(20)), () -> {
        try {
          hotpath.rateLimiter("exchange").tryConsume("ip-1", 1);
        } catch (RateLimiterUnavailableException stillDown) {
          return false;
        }
        return hotpath.health().status() == Status.UP;
      });
      await("the limiter decides in Redis again", () -> admitted(hotpath.rateLimiter("exchange")));
    }
  }

  /**
   * A Hotpath of limiters alone has no Redis tier to report an outage, and nothing calls the
   * limiter: its part still goes down with Redis (its connection dropped), and up again only
   * with it, when a call is decided in Redis.
   */
  @Test
  void aLimiterWithoutTrafficReportsARedisOutage() {
    TestRedis redis = TestRedis.get();
    assumeTrue(redis.isRestartable(), "only a Redis this JVM started may be stopped");
    try (Hotpath hotpath = Hotpath.builder()
        .redis(redis.url())
        .redisKeyPrefix(redis.newKeyPrefix("health-limiter"))
        .redisTimeout(TestSupport.REDIS_TIMEOUT)
        .rateLimiter("exchange", RateLimit.of(Bandwidth.perPeriod(1_000, Duration.ofSeconds(1))))
        .build()) {
      assertThat(hotpath.rateLimiter("exchange").tryConsume("ip-1", 1)).isTrue();
      assertThat(hotpath.health().status()).isEqualTo(Status.UP);

      redis.stop();
      try {
        await("the limiter reports the outage without being called",
            () -> part(hotpath.health(), Kind.RATE_LIMITER, "exchange").status() == Status.DOWN);
        assertThat(hotpath.health().status()).isEqualTo(Status.DOWN);
      } finally {
        redis.start();
      }

      await("the limiter is up again", TestSupport.PATIENCE.plus(Duration.ofSeconds(20)),
          () -> part(hotpath.health(), Kind.RATE_LIMITER, "exchange").status() == Status.UP);
      assertThat(hotpath.rateLimiter("exchange").tryConsume("ip-1", 1)).as("decided in Redis").isTrue();
    }
  }

  /** Whether {@code limiter} admitted one permit; false when Redis did not answer in time. */
  private static boolean admitted(RateLimiter limiter) {
    try {
      return limiter.tryConsume("ip-1", 1);
    } catch (RateLimiterUnavailableException slowRedis) {
      return false;
    }
  }
}
