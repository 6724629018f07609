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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A refresh-ahead reload replaces the value PostgreSQL holds: fills only go into absent or expired
 * rows, and during a refresh the older row is still live, so a refresh is written as a put.
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
}
