package dev.hotpath;

import static dev.hotpath.TestSupport.await;
import static dev.hotpath.TestSupport.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimiter;
import dev.hotpath.ratelimit.RateLimiterUnavailableException;
import dev.hotpath.ratelimit.RedisRateLimiter;
import dev.hotpath.testing.postgres.TestPostgres;
import dev.hotpath.testing.redis.TestRedis;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Two Hotpath nodes on one Redis and one PostgreSQL (from the fixtures: a URL from the environment,
 * Testcontainers, or embedded servers), as two processes of one service would run.
 */
class HotpathSharedServersTest {
  private static final int LIMIT = 100;
  private final TestRedis redis = TestRedis.get();
  private final TestPostgres postgres = TestPostgres.get();
  private final String prefix = redis.newKeyPrefix("hotpath");
  private final String schema = postgres.newSchemaName("hotpath");
  private final NamespaceSpec<String, String> prices = spec("prices");

  /** A node of the service; both share the Redis key prefix and the PostgreSQL schema. */
  private Hotpath node(String id) {
    return Hotpath.builder()
        .redis(redis.url())
        .redisKeyPrefix(prefix)
        .redisTimeout(TestSupport.REDIS_TIMEOUT)
        .postgres(postgres.jdbcUrl(), postgres.user(), postgres.password())
        .postgresSchema(schema)
        .nodeId(id)
        .namespace(prices)
        // A day to refill: nothing comes back while the test runs, so LIMIT is all there is.
        .rateLimiter("exchange", RateLimit.of(Bandwidth.perPeriod(LIMIT, Duration.ofDays(1))))
        .build();
  }

  /**
   * A wrong password reads as one, whether the cache or only a limiter connects first, and the
   * password is not shown. The user does not exist on the shared server, so the server refuses the
   * login with WRONGPASS whatever password is given, and nothing on it changes.
   */
  @Test
  void aWrongRedisPasswordFailsTheBuildSayingTheServerRefusedTheLogin() {
    String password = "wrong-" + System.nanoTime();
    RedisURI server = redis.uri();
    String url = "redis://hp-nobody-" + ProcessHandle.current().pid() + ":" + password + "@" + server.getHost() + ":"
        + server.getPort();
    List<ThrowingCallable> configurations = List.of(
        () -> Hotpath.builder().redis(url).redisKeyPrefix(prefix).redisTimeout(TestSupport.REDIS_TIMEOUT)
            .namespace(prices).build().close(),
        () -> Hotpath.builder().redis(url).redisKeyPrefix(prefix).redisTimeout(TestSupport.REDIS_TIMEOUT)
            .rateLimiter("exchange", RateLimit.of(Bandwidth.perPeriod(LIMIT, Duration.ofDays(1)))).build().close());
    for (ThrowingCallable configuration : configurations) {
      assertThatThrownBy(configuration)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("redis did not accept a connection at build() ('redis://hp-nobody-")
          .hasMessageContaining("wrong password or user (WRONGPASS")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(password).doesNotContain("Unable to connect"));
    }
  }

  @Test
  void eachNodeRunsEveryPartOverTheSharedServers() {
    try (Hotpath a = node("node-a")) {
      assertThat(a.cache().tierNames()).containsExactly("memory", "redis", "postgres");
      assertThat(a.rateLimiter("exchange")).isInstanceOf(RedisRateLimiter.class);
      assertThat(a.health().parts()).extracting(HotpathHealth.Part::kind).containsExactly(
          HotpathHealth.Kind.CACHE, HotpathHealth.Kind.REDIS, HotpathHealth.Kind.POSTGRES, HotpathHealth.Kind.RATE_LIMITER);
    }
  }

  @Test
  void anInvalidationOnOneNodeDropsTheOtherNodesInProcessCopy() {
    try (Hotpath a = node("node-a");
        Hotpath b = node("node-b")) {
      Namespace<String, String> onB = b.cache().namespace(prices);
      onB.put("BTCUSDT", "64000");
      assertThat(onB.getIfPresent("BTCUSDT")).isEqualTo("64000"); // the writer keeps its own copy

      a.cache().namespace(prices).invalidate("BTCUSDT");

      await("node-b drops BTCUSDT from its in-process tier", () -> onB.getIfPresent("BTCUSDT") == null);
    }
  }

  @Test
  void aLimitHoldsAcrossBothNodes() throws Exception {
    int threadsPerNode = 3;
    int attemptsPerThread = 50; // 300 attempts for 100 permits: separate buckets would admit 200
    AtomicInteger admitted = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger undecided = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(2 * threadsPerNode);
    try (Hotpath a = node("node-a");
        Hotpath b = node("node-b")) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (RateLimiter limiter : List.of(a.rateLimiter("exchange"), b.rateLimiter("exchange"))) {
        for (int t = 0; t < threadsPerNode; t++) {
          done.add(threads.submit(() -> {
            start.await();
            for (int i = 0; i < attemptsPerThread; i++) {
              try {
                (limiter.tryConsume("ip-1", 1) ? admitted : refused).incrementAndGet();
              } catch (RateLimiterUnavailableException slowRedis) {
                undecided.incrementAndGet(); // failClosed: a call Redis did not answer in time admits nothing
              }
            }
            return null;
          }));
        }
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(TestSupport.PATIENCE.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }

    assertThat(admitted.get() + refused.get() + undecided.get()).isEqualTo(2 * threadsPerNode * attemptsPerThread);
    assertThat(admitted.get()).as("admitted by both nodes together").isLessThanOrEqualTo(LIMIT);
    assertThat(refused.get()).as("refusals for the spent limit").isPositive();
  }
}
