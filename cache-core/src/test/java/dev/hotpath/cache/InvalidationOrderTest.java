package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * An invalidation empties the shared tiers from the bottom up. The top shared tier (Redis) is the
 * one whose change other nodes hear of; were it emptied first, a node that heard of it and read
 * the key before the tier below (PostgreSQL) was emptied would find the old value there, serve it
 * and copy it back up, where no later event would remove it.
 */
class InvalidationOrderTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private final FakeTicker ticker = new FakeTicker();
  private final ByteMapTier upper = new ByteMapTier("redis", ticker);
  private final ByteMapTier lower = new ByteMapTier("postgres", ticker);
  private final ConcurrentLinkedQueue<String> changes = new ConcurrentLinkedQueue<>();
  private final NamespaceSpec<String, String> spec = NamespaceSpec.builder("prices", String.class, String.class)
      .ttl(TtlProfile.builder().l1(MINUTE).l2(MINUTE).build())
      .build();

  @Test
  void keysLeaveTheLowestTierFirst() {
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(upper).tier(lower).namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      ns.putAll(Map.of("a", "1", "b", "2", "k", "3"));
      upper.changeLog = changes;
      lower.changeLog = changes;

      ns.invalidate("k");
      assertThat(changes).containsExactly("postgres invalidate k", "redis invalidate k");

      changes.clear();
      ns.invalidateAll(List.of("a", "b"));
      assertThat(changes).containsExactly("postgres invalidate a", "postgres invalidate b", "redis invalidate a",
          "redis invalidate b");

      changes.clear();
      ns.invalidateAll();
      assertThat(changes).containsExactly("postgres clear", "redis clear");
    }
  }
}
