package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * A change that failed in a shared tier that does not retry it itself (PostgreSQL) left the value
 * it replaced there for the tier's TTL: every node that missed above read it and copied it back
 * up. The key is now invalidated again, everywhere, once the tier answers.
 */
class FailedChangeRetryTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final long PATIENCE_NANOS = Duration.ofSeconds(30).toNanos();

  private final FakeTicker ticker = new FakeTicker();
  private final ByteMapTier upper = new ByteMapTier("redis", ticker);
  private final ByteMapTier lower = new ByteMapTier("postgres", ticker);
  private final NamespaceSpec<String, String> spec = NamespaceSpec.builder("prices", String.class, String.class)
      .ttl(TtlProfile.builder().l1(MINUTE).l2(MINUTE).build())
      .build();

  @Test
  void anInvalidationThatFailedInATierIsMadeAgainOnceItAnswers() throws Exception {
    try (TieredCache cache = node();
        TieredCache otherNode = node()) {
      Namespace<String, String> ns = cache.namespace(spec);
      ns.put("k", "v1");
      lower.down.set(true);

      ns.invalidate("k");

      assertThat(lower.raw("prices", "k")).as("the failing tier kept the old value").isNotNull();
      lower.down.set(false);
      assertThat(eventually(() -> lower.raw("prices", "k") == null)).as("invalidated again").isTrue();
      assertThat(otherNode.namespace(spec).get("k")).as("no node reads the old value").isNull();
    }
  }

  @Test
  void aPutThatFailedInATierHasTheKeyInvalidatedEverywhereOnceItAnswers() throws Exception {
    try (TieredCache cache = node();
        TieredCache otherNode = node()) {
      Namespace<String, String> ns = cache.namespace(spec);
      ns.put("k", "v1");
      lower.down.set(true); // so that the retries fail too until it answers

      ns.put("k", "v2");

      assertThat(lower.raw("prices", "k")).as("the failing tier kept v1").isNotNull();
      lower.down.set(false);
      assertThat(eventually(() -> lower.raw("prices", "k") == null && upper.raw("prices", "k") == null))
          .as("invalidated in every tier").isTrue();
      assertThat(otherNode.namespace(spec).get("k")).as("v1 is gone, not served").isNull();
      assertThat(ns.getIfPresent("k")).as("nor kept in process").isNull();
    }
  }

  /**
   * A key whose write-behind value still waits for the record is invalidated again only in the
   * tier that failed, not everywhere: its put reached the working tiers, and invalidating it there
   * would let a load read the record's older value before the write lands. A key whose write
   * landed is invalidated everywhere as usual; both failed together, so they are retried together,
   * and the retry's one event names only the second.
   */
  @Test
  void aKeyWithAWriteStillWaitingIsNotInvalidatedEverywhereOnRetry() throws Exception {
    Map<String, String> database = new ConcurrentHashMap<>();
    CountDownLatch releaseK = new CountDownLatch(1);
    CacheWriter<String, String> writer = new CacheWriter<>() {
      @Override
      public void write(String key, String value) {
        throw new AssertionError("write-behind uses writeAll");
      }

      @Override
      public void writeAll(List<Map.Entry<String, String>> batch) throws Exception {
        for (Map.Entry<String, String> write : batch) {
          if (write.getKey().equals("k")) {
            releaseK.await();
          }
          database.put(write.getKey(), write.getValue());
        }
      }
    };
    NamespaceSpec<String, String> writeBehind = NamespaceSpec.builder("prices", String.class, String.class)
        .ttl(TtlProfile.builder().l1(MINUTE).l2(MINUTE).build())
        .loader(database::get)
        .writeBehind(writer, WriteBehind.builder().batchSize(1).flushInterval(Duration.ofMillis(1)).build())
        .build();
    upper.retriesFailedChanges = true; // as Redis: the retry leaves it alone in its first step
    List<InvalidationEvent> events = new CopyOnWriteArrayList<>();
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(upper).tier(lower).namespace(writeBehind).build()) {
      cache.addInvalidationListener(events::add);
      Namespace<String, String> ns = cache.namespace(writeBehind);
      lower.down.set(true);
      ns.put("other", "o1");
      assertThat(eventually(() -> "o1".equals(database.get("other")))).as("other's write landed").isTrue();
      ns.put("k", "v1"); // its write waits in the writer until the end
      try {
        lower.down.set(false);
        assertThat(eventually(() -> events.stream().filter(e -> e.keys().contains("other")).count() >= 2))
            .as("the retry's event").isTrue();
        assertThat(events.stream().filter(e -> e.keys().contains("k")).count()).as("only the put's").isEqualTo(1);
        assertThat(upper.raw("prices", "k")).as("k's value kept above").isNotNull();
        assertThat(upper.raw("prices", "other")).as("other invalidated everywhere").isNull();
        assertThat(ns.get("k")).isEqualTo("v1");
      } finally {
        releaseK.countDown();
      }
    }
  }

  /** A node of the shared tiers: a cache with this test's namespace over both. */
  private TieredCache node() {
    return TieredCache.builder().ticker(ticker).tier(upper).tier(lower).namespace(spec).build();
  }

  private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE_NANOS;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }
}
