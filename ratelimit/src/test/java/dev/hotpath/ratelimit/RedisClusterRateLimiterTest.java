package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedisCluster;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Redis limiter on the shared local 3-master Redis Cluster, reached through the host's cluster client. */
@ExtendWith(RedisExtension.class)
@Timeout(120)
class RedisClusterRateLimiterTest {

  private static final RateLimit TWO_PER_HOUR =
      RateLimit.of(Bandwidth.builder().id("1h").capacity(2).refillGreedy(2, Duration.ofHours(1)).build());

  private final String prefix;
  private final RedisClusterClient host = RedisClusterClient.create(TestRedisCluster.get().uris());

  RedisClusterRateLimiterTest(RedisKeyPrefix prefix) {
    this.prefix = prefix.value();
  }

  @AfterEach
  void shutdown() {
    host.shutdown();
  }

  private RedisRateLimiter.Builder limiter() {
    return RedisRateLimiter.builder().name("cluster-test").limit(TWO_PER_HOUR).keyPrefix(prefix)
        .downPolicy(RedisDownPolicy.failClosed()).timeout(Duration.ofSeconds(10));
  }

  @Test
  void onTheHostsClusterClientKeysSpreadOverTheMastersAndClosingLeavesTheClientUsable() {
    StatefulRedisClusterConnection<byte[], byte[]> cache = host.connect(ByteArrayCodec.INSTANCE); // the host's other codec
    RedisRateLimiter limiter = limiter().client(host).build();
    Set<Integer> slots = new TreeSet<>();
    Set<String> masters = new TreeSet<>();
    for (int i = 0; i < 30; i++) {
      String key = "account-" + i;
      assertThat(limiter.tryConsume(key, 1)).isTrue();
      assertThat(limiter.tryAcquire(key).remaining()).isZero();
      assertThat(limiter.tryConsume(key, 1)).as(key).isFalse();
      byte[] redisKey = limiter.redisKey(key).getBytes(StandardCharsets.UTF_8);
      assertThat(cache.sync().exists(redisKey)).isEqualTo(1);
      int slot = SlotHash.getSlot(redisKey);
      slots.add(slot);
      masters.add(cache.getPartitions().getPartitionBySlot(slot).getNodeId());
    }
    assertThat(slots).hasSizeGreaterThan(20);
    assertThat(masters).as("masters holding state").hasSize(3);
    limiter.syncUsage("fresh", "1h", 1);
    assertThat(limiter.tryAcquire("fresh").remaining()).isZero();

    limiter.close();
    limiter.close();
    assertThat(limiter.owned.isOpen()).isFalse();
    assertThatThrownBy(() -> limiter.tryConsume("account-0", 1)).isInstanceOf(IllegalStateException.class)
        .hasMessage("RateLimiter 'cluster-test' is closed");
    assertThat(cache.isOpen()).isTrue();
    assertThat(cache.sync().exists(limiter.redisKey("account-0").getBytes(StandardCharsets.UTF_8))).isEqualTo(1);
    try (RedisRateLimiter again = limiter().client(host).build()) {
      assertThat(again.tryConsume("account-0", 1)).as("the limit lives in Redis").isFalse();
      assertThat(again.tryConsume("account-new", 1)).isTrue();
    }
    assertThat(host.connect().sync().ping()).isEqualTo("PONG");
  }

  @Test
  void onTheHostsClusterConnectionClosingLeavesItOpen() {
    StatefulRedisClusterConnection<String, String> connection = host.connect();
    RedisRateLimiter limiter = limiter().connection(connection).build();
    assertThat(limiter.tryConsume("k", 2)).isTrue();
    assertThat(limiter.tryConsume("k", 1)).isFalse();
    limiter.close();
    assertThat(limiter.owned).isNull();
    assertThat(connection.isOpen()).isTrue();
    assertThat(connection.sync().exists(limiter.redisKey("k"))).isEqualTo(1);
  }
}
