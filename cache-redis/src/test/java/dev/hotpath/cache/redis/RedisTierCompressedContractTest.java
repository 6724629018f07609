package dev.hotpath.cache.redis;

import dev.hotpath.cache.Tier;
import dev.hotpath.cache.TierContractTest;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import org.junit.jupiter.api.extension.ExtendWith;

/** cache-core's tier contract against a real Redis with every payload of 64 bytes or more compressed. */
@ExtendWith(RedisExtension.class)
class RedisTierCompressedContractTest extends TierContractTest {
  private final TestRedis redis;
  private final RedisKeyPrefix prefix;

  RedisTierCompressedContractTest(TestRedis redis, RedisKeyPrefix prefix) {
    this.redis = redis;
    this.prefix = prefix;
  }

  @Override
  protected Tier createTier() {
    return RedisTier.builder().uri(redis.uri()).keyPrefix(prefix.value()).compressAbove(64)
        .commandTimeout(TestNode.COMMAND_TIMEOUT).build();
  }
}
