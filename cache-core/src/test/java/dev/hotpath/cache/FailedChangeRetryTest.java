package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
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
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(upper).tier(lower).namespace(spec).build();
        TieredCache otherNode = TieredCache.builder().ticker(ticker).tier(upper).tier(lower).namespace(spec).build()) {
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
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(upper).tier(lower).namespace(spec).build();
        TieredCache otherNode = TieredCache.builder().ticker(ticker).tier(upper).tier(lower).namespace(spec).build()) {
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
