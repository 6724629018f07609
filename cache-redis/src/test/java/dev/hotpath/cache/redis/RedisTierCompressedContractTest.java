package dev.hotpath.cache.redis;

import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;

/** cache-core's tier contract against a real Redis with every payload of 64 bytes or more compressed. */
class RedisTierCompressedContractTest extends RedisTierContractTest {

  RedisTierCompressedContractTest(TestRedis redis, RedisKeyPrefix prefix) {
    super(redis, prefix);
  }

  @Override
  RedisTier.Builder settings(RedisTier.Builder builder) {
    return builder.compressAbove(64);
  }
}
