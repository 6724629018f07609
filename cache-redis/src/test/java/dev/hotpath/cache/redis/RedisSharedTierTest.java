package dev.hotpath.cache.redis;

import static dev.hotpath.cache.redis.TestNode.LONG;
import static dev.hotpath.cache.redis.TestNode.PATIENCE;
import static dev.hotpath.cache.redis.TestNode.PRICES;
import static dev.hotpath.cache.redis.TestNode.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.InvalidationEvent;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.TestContexts;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.TierValue;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Several caches of one JVM sharing one Redis tier and its bus. */
@ExtendWith(RedisExtension.class)
class RedisSharedTierTest {
  /** {@link TestNode#tier} with Redis reporting changes of {@code prices}: its reports are attributed too. */
  private static RedisTier trackingTier(TestRedis redis, RedisKeyPrefix prefix) {
    return RedisTier.builder().uri(redis.uri()).keyPrefix(prefix.value()).reconcileInterval(Duration.ofMillis(200))
        .commandTimeout(TestNode.COMMAND_TIMEOUT).trackRedisChanges("prices").build();
  }

  @Test
  void aPutOrInvalidationOnOneCacheDropsTheOtherCachesL1(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    RedisTier shared = trackingTier(redis, prefix);
    try (TestNode a = TestNode.of(shared, PRICES);
        TestNode b = TestNode.of(shared, PRICES)) {
      assertThat(a.cache.nodeId()).isNotEqualTo(b.cache.nodeId());
      Namespace<String, String> onA = a.cache.namespace(PRICES);
      Namespace<String, String> onB = b.cache.namespace(PRICES);
      // B's own write: B keeps it, whatever comes back of it through the log and Redis's reports.
      onB.put("BTCUSDT", "64000");
      assertThat(onB.getIfPresent("BTCUSDT")).isEqualTo("64000");
      // B's write reaches the shared bus three times: B's publish, its log record, Redis's report.
      // Let all land, or a late one would drop the value A writes next (a miss, not an error).
      RedisInvalidationBus bus = shared.invalidationBus();
      assertThat(eventually(PATIENCE, () -> bus.counters().delivered() >= 3)).isTrue();
      assertThat(onB.getIfPresent("BTCUSDT")).isEqualTo("64000");

      onA.put("BTCUSDT", "64001");
      assertThat(eventually(PATIENCE, () -> onB.getIfPresent("BTCUSDT") == null)).isTrue();
      assertThat(onB.get("BTCUSDT")).isEqualTo("64001");
      // A's own copy is not dropped by its own record coming back through the log.
      assertThat(onA.getIfPresent("BTCUSDT")).isEqualTo("64001");

      onA.invalidate("BTCUSDT");
      assertThat(eventually(PATIENCE, () -> onB.getIfPresent("BTCUSDT") == null)).isTrue();
      assertThat(onB.get("BTCUSDT")).isNull();
    }
  }

  /**
   * Writes that reach Redis without the cache publishing them (cache-core's undo of a raced fill
   * is one) reach this JVM's other caches only through the log, so a record must carry the
   * writing cache's id and not be filtered as "this tier's own".
   */
  @Test
  void recordsCarryTheWritingCachesIdAndAreDeliveredToThisJvmsSubscribers(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    try (RedisTier tier = trackingTier(redis, prefix);
        RawRedis raw = new RawRedis(redis.uri())) {
      Queue<InvalidationEvent> seen = new ConcurrentLinkedQueue<>();
      tier.invalidationBus().subscribe(seen::add);
      NamespaceStore<String, String> store = tier.open(TestContexts.of(PRICES, LONG, "cache-a"));

      store.put("k1", TierValue.of("v"), LONG);
      store.fill("k2", TierValue.of("v"), LONG);
      store.invalidate("k3");

      InvalidationEvent put = InvalidationEvent.ofKeys("prices", List.of("k1"), "cache-a");
      InvalidationEvent invalidated = InvalidationEvent.ofKeys("prices", List.of("k3"), "cache-a");
      assertThat(eventually(PATIENCE, () -> seen.contains(invalidated))).isTrue();
      assertThat(seen).contains(put);
      // Redis's own reports of these changes (client tracking) are attributed to the writer too.
      assertThat(seen).allMatch(e -> e.origin().equals("cache-a"));

      List<StreamMessage<byte[], byte[]>> log =
          raw.sync().xrange(RawRedis.utf8(prefix.value() + "__inv:log"), Range.create("-", "+"));
      assertThat(log).hasSize(2); // the put and the invalidation: a fill records nothing
      for (StreamMessage<byte[], byte[]> entry : log) {
        byte[] record = entry.getBody().entrySet().stream()
            .filter(e -> Arrays.equals(e.getKey(), RawRedis.utf8("e")))
            .findFirst()
            .orElseThrow()
            .getValue();
        assertThat(InvalidationRecord.decode(record, 0).origin()).isEqualTo("cache-a");
      }
    }
  }
}
