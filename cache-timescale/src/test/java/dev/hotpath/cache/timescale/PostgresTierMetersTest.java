package dev.hotpath.cache.timescale;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.RepeatedRegistrations;
import dev.hotpath.cache.TestContexts;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.TierValue;
import dev.hotpath.testing.postgres.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link PostgresTier#bindTo} registers the tier's meters once per registry, however often it is called. */
class PostgresTierMetersTest {
  private static final Duration TTL = Duration.ofSeconds(10);
  private static HikariDataSource pool;

  private final TestClock clock = TestClock.startingNow();
  private final List<String> schemas = new ArrayList<>();

  @BeforeAll
  static void startPool() {
    pool = TestPostgres.get().newPool(4);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  @AfterEach
  void dropSchemas() throws SQLException {
    try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
      for (String schema : schemas) {
        st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
      }
    }
  }

  private PostgresTier tier() {
    String schema = TestPostgres.get().newSchemaName("meters");
    schemas.add(schema);
    return PostgresTier.builder()
        .dataSource(pool)
        .schema(schema)
        .sweepInterval(Duration.ZERO)
        .clock(clock)
        .build();
  }

  private static double swept(SimpleMeterRegistry registry) {
    return registry.get("hotpath.postgres.tier.swept").functionCounter().count();
  }

  @Test
  void bindingTwiceToOneRegistryRegistersNothingMore() {
    try (PostgresTier tier = tier()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      tier.bindTo(registry);
      int meters = registry.getMeters().size();

      assertThat(RepeatedRegistrations.during(registry, () -> tier.bindTo(registry))).isZero();
      NamespaceSpec<String, String> spec = NamespaceSpec.builder("prices", String.class, String.class)
          .ttl(TtlProfile.builder().l1(TTL).l2(TTL).build())
          .build();
      NamespaceStore<String, String> store = tier.open(TestContexts.of(spec, TTL, "meters-node"));
      for (int i = 0; i < 3; i++) {
        store.put("k" + i, TierValue.of("v"), TTL);
      }
      clock.advance(TTL.plusSeconds(1));
      assertThat(tier.sweepExpired()).isEqualTo(3);

      assertThat(registry.getMeters()).hasSize(meters);
      assertThat(swept(registry)).isEqualTo(3.0);
    }
  }

  @Test
  void eightThreadsBindingAtOnceRegisterOnce() throws Exception {
    try (PostgresTier tier = tier()) {
      RepeatedRegistrations.checkEightThreadsRegisterOnce(tier::bindTo);
    }
  }
}
