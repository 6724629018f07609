package dev.hotpath.cache.redis;

import static dev.hotpath.cache.redis.TestNode.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedisCluster;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The tier and bus on a local 3-master Redis Cluster. */
@ExtendWith(RedisExtension.class)
class RedisClusterTest {
  private static final NamespaceSpec<String, String> OHLC =
      NamespaceSpec.builder("ohlc", String.class, String.class)
          .ttl(TtlProfile.builder().l1(Duration.ofMinutes(5)).l2(Duration.ofMinutes(5)).build())
          .build();

  private static TestNode node(RedisKeyPrefix prefix) {
    RedisTier tier =
        RedisTier.builder()
            .clusterUris(TestRedisCluster.get().uris().toArray(new RedisURI[0]))
            .keyPrefix(prefix.value())
            .reconcileInterval(Duration.ofMillis(200))
            .commandTimeout(TestNode.COMMAND_TIMEOUT)
            .build();
    return TestNode.of(tier, OHLC);
  }

  @Test
  void bulkReadsSpanSlotsOnEveryMaster(RedisKeyPrefix prefix) {
    try (TestNode a = node(prefix);
        TestNode b = node(prefix)) {
      Map<String, String> candles = new LinkedHashMap<>();
      for (int i = 0; i < 300; i++) {
        candles.put("BTCUSDT:1m:" + i, "o=" + i);
      }
      a.cache.namespace(OHLC).putAll(candles);

      Map<String, String> read = b.cache.namespace(OHLC).getAll(new ArrayList<>(candles.keySet()));

      assertThat(read).isEqualTo(candles);
      assertThat(b.cache.namespace(OHLC).stats().tier("redis").hits()).isEqualTo(300);
      Set<Integer> slots = new TreeSet<>();
      Set<Integer> masters = new TreeSet<>();
      KeyLayout layout = new KeyLayout(prefix.value(), true, 64);
      for (String key : candles.keySet()) {
        int slot = SlotHash.getSlot(layout.entryKey("ohlc", key));
        slots.add(slot);
        masters.add(slot * 3 / 16384);
      }
      assertThat(slots).hasSizeGreaterThan(20);
      assertThat(masters).containsExactly(0, 1, 2);
    }
  }

  @Test
  void invalidationsReachTheOtherNode(RedisKeyPrefix prefix) throws Exception {
    try (TestNode a = node(prefix);
        TestNode b = node(prefix)) {
      Namespace<String, String> onA = a.cache.namespace(OHLC);
      Namespace<String, String> onB = b.cache.namespace(OHLC);
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        keys.add("ETHUSDT:5m:" + i);
        onA.put(keys.get(i), "v1");
      }
      assertThat(onB.getAll(keys)).hasSize(50);
      for (String key : keys) {
        onA.put(key, "v2");
      }
      assertThat(eventually(Duration.ofSeconds(20), () -> keys.stream().allMatch(k -> onB.getIfPresent(k) == null)))
          .isTrue();
      assertThat(onB.getAll(keys).values()).containsOnly("v2");
      onA.invalidateAll();
      assertThat(eventually(Duration.ofSeconds(20), () -> onB.getAll(keys).isEmpty())).isTrue();
    }
  }
}
