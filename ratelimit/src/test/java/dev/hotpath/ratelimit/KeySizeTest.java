package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Keys over RateLimiter.MAX_KEY_BYTES are refused by every call, before a bucket or Redis sees them. */
@ExtendWith(RedisExtension.class)
@Timeout(120)
class KeySizeTest {
  private static final String MEGABYTE_KEY = "t".repeat(1 << 20);
  private static final RateLimit LIMIT = RateLimit.of(Bandwidth.perPeriod(10, Duration.ofMinutes(1)));

  private static List<ThrowingCallable> everyCall(RateLimiter limiter, String key) {
    return List.of(
        () -> limiter.tryAcquire(key),
        () -> limiter.tryAcquire(key, 2),
        () -> limiter.tryConsume(key, 1),
        () -> limiter.acquire(key, 1, Duration.ZERO),
        () -> limiter.acquireAsync(key, 1, Duration.ZERO),
        () -> limiter.syncUsage(key, LIMIT.bandwidths().get(0).id(), 1));
  }

  private static void assertRefused(RateLimiter limiter, String key, int bytes) {
    for (ThrowingCallable call : everyCall(limiter, key)) {
      assertThatThrownBy(call)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("RateLimiter '" + limiter.name() + "': key '" + key.substring(0, 32) + "…' is " + bytes
              + " bytes (UTF-8), over the 1024 a key may have; refused before reaching any bucket");
    }
  }

  @Test
  void theLocalLimiterRefusesAMegabyteKeyAndMakesNoBucket() {
    LocalRateLimiter limiter = LocalRateLimiter.builder().name("local").limit(LIMIT).build();
    assertRefused(limiter, MEGABYTE_KEY, 1 << 20);
    assertThat(limiter.bucketCount()).isZero();
    // The limit is in UTF-8 bytes: 512 two-byte letters fit, 513 do not.
    assertThat(limiter.tryConsume("я".repeat(512), 1)).isTrue();
    assertRefused(limiter, "я".repeat(513), 1026);
  }

  @Test
  void theRedisLimiterRefusesAMegabyteKeyWithoutSendingAnything(TestRedis redis, RedisKeyPrefix prefix) {
    AtomicLong commands = new AtomicLong();
    RedisClient client = RedisClient.create(redis.uri());
    client.addListener(new CommandListener() {
      @Override
      public void commandStarted(CommandStartedEvent event) {
        commands.incrementAndGet();
      }
    });
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisRateLimiter limiter = RedisRateLimiter.builder().name("redis").limit(LIMIT).connection(connection)
          .keyPrefix(prefix.value()).downPolicy(RedisDownPolicy.failClosed()).timeout(Duration.ofSeconds(10)).build();
      long usedBefore = usedMemory(connection);
      long sentBefore = commands.get();
      for (int i = 0; i < 20; i++) {
        assertRefused(limiter, i + MEGABYTE_KEY.substring(String.valueOf(i).length()), 1 << 20);
      }
      assertThat(commands.get() - sentBefore).as("commands sent for 120 refused calls").isZero();
      // Before the check, 20 such keys grew Redis by about 20 MB; a margin for the server's own churn.
      assertThat(usedMemory(connection) - usedBefore).as("growth of used_memory").isLessThan(1 << 20);
      assertThat(limiter.tryAcquire("t").allowed()).isTrue();
    } finally {
      client.shutdown();
    }
  }

  private static long usedMemory(StatefulRedisConnection<String, String> connection) {
    for (String line : connection.sync().info("memory").split("\r?\n")) {
      if (line.startsWith("used_memory:")) {
        return Long.parseLong(line.substring("used_memory:".length()).trim());
      }
    }
    throw new AssertionError("no used_memory in INFO memory");
  }
}
