package dev.hotpath.cache.redis;

import static dev.hotpath.cache.redis.TestNode.PATIENCE;
import static dev.hotpath.cache.redis.TestNode.PRICES;
import static dev.hotpath.cache.redis.TestNode.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.Namespace;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** One Lettuce client of the host's serving the host and several Redis tiers. */
@ExtendWith(RedisExtension.class)
class RedisHostClientTest {
  @Test
  void oneHostClientServesTwoTiersAndTheHostAndOutlivesBothTiers(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> host = client.connect()) {
      try (TestNode a = TestNode.of(tier(client, prefix), PRICES);
          TestNode b = TestNode.of(tier(client, prefix), PRICES)) {
        Namespace<String, String> onA = a.cache.namespace(PRICES);
        Namespace<String, String> onB = b.cache.namespace(PRICES);

        onA.put("BTCUSDT", "64000");
        assertThat(onB.get("BTCUSDT")).as("A's write, read by B from Redis").isEqualTo("64000");
        assertThat(onB.stats().tier("redis").hits()).isOne();
        onA.put("BTCUSDT", "64001");
        assertThat(eventually(PATIENCE, () -> onB.getIfPresent("BTCUSDT") == null)).as("B's L1 dropped").isTrue();
        assertThat(onB.get("BTCUSDT")).isEqualTo("64001");

        // The host's own commands share the client; its change reaches both tiers' L1 (client tracking).
        assertThat(a.tier.invalidationBus().counters().trackingEnabled()).isOne();
        assertThat(b.tier.invalidationBus().counters().trackingEnabled()).isOne();
        host.sync().del(prefix.value() + "prices:BTCUSDT");
        assertThat(eventually(PATIENCE, () -> onA.getIfPresent("BTCUSDT") == null)).isTrue();
        assertThat(eventually(PATIENCE, () -> onB.getIfPresent("BTCUSDT") == null)).isTrue();
        onB.put("ETHUSDT", "3100");
      }

      // Both caches closed their tiers; the host's client and connection are still the host's.
      assertThat(host.isOpen()).isTrue();
      assertThat(host.sync().ping()).isEqualTo("PONG");
      assertThat(host.sync().exists(prefix.value() + "prices:ETHUSDT")).isOne();
      try (StatefulRedisConnection<String, String> another = client.connect()) {
        assertThat(another.sync().ping()).isEqualTo("PONG");
      }
      try (TestNode c = TestNode.of(tier(client, prefix), PRICES)) {
        assertThat(c.cache.namespace(PRICES).get("ETHUSDT")).as("a new tier from the same client").isEqualTo("3100");
      }
      assertThat(host.sync().ping()).isEqualTo("PONG");
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  private static RedisTier tier(RedisClient client, RedisKeyPrefix prefix) {
    return RedisTier.builder().client(client).keyPrefix(prefix.value()).commandTimeout(TestNode.COMMAND_TIMEOUT)
        .reconcileInterval(Duration.ofMillis(200)).trackRedisChanges("prices").build();
  }
}
