package dev.hotpath.cache.redis;

import dev.hotpath.cache.TierContractTest;
import dev.hotpath.cache.spi.Tier;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import org.junit.jupiter.api.extension.ExtendWith;

/** cache-core's tier contract against a real Redis. */
@ExtendWith(RedisExtension.class)
class RedisTierContractTest extends TierContractTest {
  private final TestRedis redis;
  private final RedisKeyPrefix prefix;

  RedisTierContractTest(TestRedis redis, RedisKeyPrefix prefix) {
    this.redis = redis;
    this.prefix = prefix;
  }

  /** The tier's settings; subclasses run the same contract with others. */
  RedisTier.Builder settings(RedisTier.Builder builder) {
    return builder;
  }

  @Override
  protected Tier createTier() {
    return settings(RedisTier.builder().uri(redis.uri()).keyPrefix(prefix.value()).commandTimeout(TestNode.COMMAND_TIMEOUT))
        .build();
  }
}
