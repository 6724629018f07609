package dev.hotpath.cache.timescale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hotpath.cache.Codec;
import dev.hotpath.cache.KeyCodec;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.testing.postgres.PostgresExtension;
import dev.hotpath.testing.postgres.PostgresSchema;
import dev.hotpath.testing.postgres.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The tier with PostgreSQL stopped and started again (embedded server only). */
@ExtendWith(PostgresExtension.class)
class TierOutageTest {

  @Test
  void readsAreCountedMissesWhileStoppedAndTheTierRecovers(TestPostgres postgres, PostgresSchema schema)
      throws Exception {
    assumeTrue(postgres.isRestartable(), "only a server this JVM started can be stopped");
    TestClock clock = TestClock.startingNow();
    PostgresTier tier =
        PostgresTier.builder()
            .jdbcUrl(postgres.jdbcUrl(), postgres.user(), postgres.password())
            .connectTimeout(Duration.ofMillis(250))
            .schema(schema.name())
            .sweepInterval(Duration.ZERO)
            .retryAfter(Duration.ofSeconds(30))
            .clock(clock)
            .build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    tier.bindTo(registry);
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("symbols", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofMillis(1)).l2(Duration.ofHours(1)).build())
            .keyCodec(KeyCodec.strings())
            .valueCodec(Codec.utf8())
            .loader(key -> "loaded:" + key)
            .build();
    try (TieredCache cache = TieredCache.builder().tier(tier).namespace(spec).build()) {
      Namespace<String, String> symbols = cache.namespace(spec);
      symbols.put("BTCUSDT", "tick=0.01");

      postgres.stop();
      assertThat(symbols.get("ETHUSDT")).isEqualTo("loaded:ETHUSDT");
      assertThat(symbols.stats().tier("postgres").errors()).isPositive();
      // The breaker is open now: the next calls fail without trying to connect.
      assertThatThrownBy(() -> tier.sweepExpired()).isInstanceOf(PostgresException.class);
      assertThat(registry.get("hotpath.postgres.tier.rejected").functionCounter().count()).isPositive();
      assertThat(registry.get("hotpath.postgres.tier.available").gauge().value()).isZero();

      postgres.start();
      clock.advance(Duration.ofSeconds(31));
      // Pooled connections died with the server; the pool replaces them within a few attempts.
      long swept = -1;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (swept < 0 && System.nanoTime() < deadline) {
        try {
          swept = tier.sweepExpired();
        } catch (PostgresException stillRecovering) {
          clock.advance(Duration.ofSeconds(31));
          Thread.sleep(100);
        }
      }
      assertThat(swept).as("the tier recovered").isZero();
      assertThat(registry.get("hotpath.postgres.tier.available").gauge().value()).isOne();
      // L1 kept it for 1 ms only: this comes from the table, written before the outage.
      assertThat(symbols.get("BTCUSDT")).isEqualTo("tick=0.01");
    }
  }
}
