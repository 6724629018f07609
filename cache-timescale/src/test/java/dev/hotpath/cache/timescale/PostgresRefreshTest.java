package dev.hotpath.cache.timescale;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.cache.FakeTicker;
import dev.hotpath.cache.Loads;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.testing.postgres.PostgresExtension;
import dev.hotpath.testing.postgres.PostgresSchema;
import dev.hotpath.testing.postgres.TestPostgres;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A refresh-ahead reload replaces the value PostgreSQL holds (fills only go into absent or expired
 * rows, and during a refresh the older row is still live), but only a row written before the
 * refresh read the source: another node's put or invalidation made meanwhile stands.
 */
@ExtendWith(PostgresExtension.class)
@Timeout(120)
class PostgresRefreshTest {

  @Test
  void aRefreshedValueReplacesTheOlderOneForOtherNodes(TestPostgres postgres, PostgresSchema schema) throws InterruptedException {
    AtomicInteger version = new AtomicInteger();
    NamespaceSpec<String, String> spec = NamespaceSpec.builder("refreshed", String.class, String.class)
        .ttl(TtlProfile.builder().l1(Duration.ofMinutes(1)).refreshAfter(Duration.ofSeconds(10))
            .tier("postgres", Duration.ofHours(1)).build())
        .loader(k -> "v" + version.incrementAndGet())
        .build();
    try (HikariDataSource pool = postgres.newPool(2);
        PostgresTier tier = PostgresTier.builder().dataSource(pool).schema(schema.name()).sweepInterval(Duration.ZERO).build()) {
      FakeTicker ticker = new FakeTicker();
      try (TieredCache cache = TieredCache.builder().ticker(ticker).sharedTier(tier).namespace(spec).build()) {
        Namespace<String, String> ns = cache.namespace(spec);
        assertThat(ns.get("k")).isEqualTo("v1");
        Loads.awaitSettled(cache);
        ticker.advance(Duration.ofSeconds(11));
        ns.get("k"); // starts the refresh (answered v1, or v2 when the reload finished at once)
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"v2".equals(ns.getIfPresent("k")) && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        assertThat(ns.getIfPresent("k")).isEqualTo("v2");
        Loads.awaitSettled(cache);
      }
      // Another node, with nothing in process, reads what PostgreSQL holds (its loader would say v3).
      try (TieredCache other = TieredCache.builder().sharedTier(tier).namespace(spec).build()) {
        assertThat(other.namespace(spec).get("k")).isEqualTo("v2");
      }
    }
  }

  @Test
  void aRefreshThatReadTheSourceBeforeAnotherNodesPutDoesNotOverwriteIt(TestPostgres postgres, PostgresSchema schema)
      throws InterruptedException {
    String stored = whatPostgresHoldsAfter(postgres, schema, other -> other.put("k", "v2"));
    assertThat(stored).as("the other node's put stands").isEqualTo("v2");
  }

  @Test
  void aRefreshDoesNotBringBackARowAnotherNodeInvalidatedDuringItsRead(TestPostgres postgres, PostgresSchema schema)
      throws InterruptedException {
    String stored = whatPostgresHoldsAfter(postgres, schema, other -> other.invalidate("k"));
    assertThat(stored).as("nothing: the next read loads from the source").isEqualTo(FROM_SOURCE);
  }

  private static final String FROM_SOURCE = "the reading node's loader";

  /**
   * Node B caches k = v0 in PostgreSQL, starts a refresh whose read of the source (v1) waits until
   * node A has done {@code change} to k; then node C, with nothing in process, reads k (its loader
   * answers {@link #FROM_SOURCE}).
   */
  private static String whatPostgresHoldsAfter(TestPostgres postgres, PostgresSchema schema,
      Consumer<Namespace<String, String>> change) throws InterruptedException {
    CountDownLatch refreshReading = new CountDownLatch(1);
    CountDownLatch changed = new CountDownLatch(1);
    AtomicInteger reads = new AtomicInteger();
    NamespaceSpec<String, String> refreshing = NamespaceSpec.builder("raced", String.class, String.class)
        .ttl(TtlProfile.builder().l1(Duration.ofMinutes(1)).refreshAfter(Duration.ofSeconds(10))
            .tier("postgres", Duration.ofHours(1)).build())
        .loader(k -> {
          if (reads.getAndIncrement() == 0) {
            return "v0";
          }
          refreshReading.countDown();
          changed.await();
          return "v1";
        })
        .build();
    NamespaceSpec<String, String> plain = NamespaceSpec.builder("raced", String.class, String.class)
        .ttl(TtlProfile.builder().l1(Duration.ofMinutes(1)).tier("postgres", Duration.ofHours(1)).build())
        .loader(k -> FROM_SOURCE)
        .build();
    try (HikariDataSource pool = postgres.newPool(4);
        PostgresTier tier = PostgresTier.builder().dataSource(pool).schema(schema.name()).sweepInterval(Duration.ZERO).build()) {
      FakeTicker ticker = new FakeTicker();
      try (TieredCache b = TieredCache.builder().ticker(ticker).sharedTier(tier).namespace(refreshing).build();
          TieredCache a = TieredCache.builder().sharedTier(tier).namespace(plain).build()) {
        Namespace<String, String> onB = b.namespace(refreshing);
        assertThat(onB.get("k")).isEqualTo("v0");
        Loads.awaitSettled(b);
        ticker.advance(Duration.ofSeconds(11));
        assertThat(onB.get("k")).as("answered from L1 while the refresh runs").isEqualTo("v0");
        assertThat(refreshReading.await(30, TimeUnit.SECONDS)).as("B's refresh reads the source").isTrue();
        change.accept(a.namespace(plain));
        changed.countDown();
        Loads.awaitSettled(b); // the refresh and its write-back are done
        assertThat(reads.get()).as("B's loader: the first read and the refresh").isEqualTo(2);
      }
      try (TieredCache c = TieredCache.builder().sharedTier(tier).namespace(plain).build()) {
        return c.namespace(plain).get("k");
      }
    }
  }
}
