package dev.hotpath.cache.timescale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.cache.KeyTooLargeException;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.testing.postgres.PostgresExtension;
import dev.hotpath.testing.postgres.PostgresSchema;
import dev.hotpath.testing.postgres.TestPostgres;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Oversized keys never reach PostgreSQL, and every key a namespace may have fits the table's index:
 * the limit is checked before any statement, and a namespace whose maxKeySize the index cannot take
 * is refused when the cache is built.
 */
@ExtendWith(PostgresExtension.class)
@Timeout(120)
class PostgresKeySizeTest {
  private static final Duration HOUR = Duration.ofHours(1);

  private static NamespaceSpec.Builder<String, String> spec(String name) {
    return NamespaceSpec.builder(name, String.class, String.class)
        .ttl(TtlProfile.builder().l1(HOUR).tier("postgres", HOUR).build());
  }

  @Test
  void aMegabyteKeyIsRefusedWithoutAStatement(TestPostgres postgres, PostgresSchema schema) {
    try (HikariDataSource pool = postgres.newPool(2)) {
      CountingDataSource counting = new CountingDataSource(pool);
      NamespaceSpec<String, String> prices = spec("prices").build();
      PostgresTier tier = PostgresTier.builder().dataSource(counting).schema(schema.name()).sweepInterval(Duration.ZERO).build();
      try (TieredCache cache = TieredCache.builder().tier(tier).namespace(prices).build()) {
        Namespace<String, String> ns = cache.namespace(prices);
        counting.reset();
        String key = "p".repeat(1 << 20);
        List<ThrowingCallable> calls = List.of(
            () -> ns.put(key, "v"),
            () -> ns.putAll(Map.of(key, "v")),
            () -> ns.get(key),
            () -> ns.getAll(List.of("small", key)),
            () -> ns.invalidate(key),
            () -> ns.invalidateAll(List.of(key)));
        for (ThrowingCallable call : calls) {
          // Before: get and invalidate sent the key; put failed in the server's index ("index row
          // size exceeds btree maximum") or, for a key that compresses well, stored it.
          assertThatThrownBy(call)
              .isInstanceOf(KeyTooLargeException.class)
              .hasMessageContaining("namespace 'prices': key 'pppp")
              .hasMessageContaining("is 1048576 bytes encoded (UTF-8), over maxKeySize of 2048 bytes");
        }
        assertThat(counting.executions()).as("statements sent").isZero();
        assertThat(ns.stats().tier("postgres").errors()).isZero();
      } finally {
        tier.close();
      }
    }
  }

  @Test
  void theLongestKeyANamespaceMayHaveFitsTheIndexAndALongerLimitIsRefused(TestPostgres postgres, PostgresSchema schema) {
    // A namespace name of the longest kind and a key of random letters (nothing to compress).
    String name = "n" + "x".repeat(63);
    NamespaceSpec<String, String> widest = spec(name).maxKeySize(PostgresTier.MAX_KEY_SIZE).build();
    StringBuilder key = new StringBuilder();
    Random random = new Random(12);
    while (key.length() < PostgresTier.MAX_KEY_SIZE) {
      key.append((char) ('!' + random.nextInt(94)));
    }
    try (HikariDataSource pool = postgres.newPool(2)) {
      PostgresTier tier = PostgresTier.builder().dataSource(pool).schema(schema.name()).sweepInterval(Duration.ZERO).build();
      try (TieredCache cache = TieredCache.builder().tier(tier).namespace(widest).build()) {
        cache.namespace(widest).put(key.toString(), "stored");
        assertThat(cache.namespace(widest).stats().tier("postgres").errors()).as("tier errors").isZero();
      } finally {
        tier.close();
      }
      try (TieredCache reader = TieredCache.builder()
          .tier(PostgresTier.builder().dataSource(pool).schema(schema.name()).sweepInterval(Duration.ZERO).build())
          .namespace(widest).build()) {
        assertThat(reader.namespace(widest).get(key.toString())).isEqualTo("stored");
      }

      NamespaceSpec<String, String> tooWide = spec("wide").maxKeySize(PostgresTier.MAX_KEY_SIZE + 1).build();
      PostgresTier another = PostgresTier.builder().dataSource(pool).schema(schema.name()).sweepInterval(Duration.ZERO).build();
      try {
        assertThatThrownBy(() -> TieredCache.builder().tier(another).namespace(tooWide).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("namespace 'wide': maxKeySize must be at most 2560 bytes for tier 'postgres' (what a PostgreSQL"
                + " index row holds) but was 2561");
      } finally {
        another.close();
      }
    }
  }
}
