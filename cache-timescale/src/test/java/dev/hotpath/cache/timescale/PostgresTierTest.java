package dev.hotpath.cache.timescale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.cache.TierContractTest;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.Tier;
import dev.hotpath.cache.spi.TierValue;
import dev.hotpath.testing.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tier contract against a real PostgreSQL, plus what is particular to this tier: one round
 * trip per bulk read, the sweep, corrupt rows, hostile keys. Each test has a schema of its own.
 */
class PostgresTierTest extends TierContractTest {
  private static final Duration TTL = Duration.ofMinutes(5);
  private static final int SWEEP_BATCH = 7;

  private static HikariDataSource pool;
  private static CountingDataSource counting;

  private final TestClock clock = TestClock.startingNow();
  private String schema;

  @BeforeAll
  static void startPool() {
    pool = TestPostgres.get().newPool(8);
    counting = new CountingDataSource(pool);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  @Override
  protected Tier createTier() {
    schema = TestPostgres.get().newSchemaName("tier");
    return PostgresTier.builder()
        .dataSource(counting)
        .schema(schema)
        .sweepInterval(Duration.ZERO)
        .sweepBatchSize(SWEEP_BATCH)
        .clock(clock)
        .build();
  }

  @Override
  protected void passTime(Duration duration) {
    clock.advance(duration);
  }

  @AfterEach
  void dropSchema() throws SQLException {
    execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
  }

  private PostgresTier postgres() {
    return (PostgresTier) tier;
  }

  @Test
  void bulkReadOfAThousandKeysIsOneStatement() {
    NamespaceStore<String, String> store = open("bulk");
    Map<String, TierValue<String>> entries = new LinkedHashMap<>();
    for (int i = 0; i < 1000; i++) {
      entries.put("k" + i, TierValue.of("v" + i));
    }
    counting.reset();
    store.putAll(entries, TTL);
    assertThat(counting.executions()).as("statements for putAll of 1000").isEqualTo(1);

    List<String> keys = new ArrayList<>(entries.keySet());
    keys.add("missing");
    counting.reset();
    Map<String, TierValue<String>> found = store.getAll(keys);
    assertThat(counting.executions()).as("statements for getAll of 1001").isEqualTo(1);
    assertThat(found).isEqualTo(entries);
  }

  /**
   * A fill lands after the read that found nothing, so a live row it meets was written meanwhile by
   * someone else and must stay; an expired row or none is replaced, one key or many.
   */
  @Test
  void fillReplacesOnlyAbsentOrExpiredRows() {
    NamespaceStore<String, String> store = open("fills");
    store.put("live", TierValue.of("newer put"), TTL);
    store.put("expired", TierValue.of("old"), Duration.ofSeconds(10));
    store.putAll(Map.of("liveA", TierValue.of("newer A"), "expiredB", TierValue.of("old B")), Duration.ofSeconds(10));
    store.put("liveA", TierValue.of("newer A"), TTL);
    clock.advance(Duration.ofSeconds(11));

    store.fill("live", TierValue.of("read before the put"), TTL);
    store.fill("expired", TierValue.of("fresh"), TTL);
    store.fill("absent", TierValue.of("loaded"), TTL);
    store.fillAll(
        Map.of("liveA", TierValue.of("stale A"), "expiredB", TierValue.of("fresh B"), "absentC", TierValue.of("C")),
        TTL);

    assertThat(store.getAll(List.of("live", "expired", "absent", "liveA", "expiredB", "absentC")))
        .isEqualTo(Map.of(
            "live", TierValue.of("newer put"),
            "expired", TierValue.of("fresh"),
            "absent", TierValue.of("loaded"),
            "liveA", TierValue.of("newer A"),
            "expiredB", TierValue.of("fresh B"),
            "absentC", TierValue.of("C")));
    // The refused fill left the live row's expiry alone too: it ends TTL after the put, not after
    // the fill 11 s later.
    clock.advance(TTL.minusSeconds(5));
    assertThat(store.get("live")).isNull();
    assertThat(store.get("expired")).isEqualTo(TierValue.of("fresh"));
  }

  @Test
  void sweepRemovesOnlyExpiredRowsInBatches() throws SQLException {
    NamespaceStore<String, String> shortLived = open("short", Duration.ofSeconds(10));
    NamespaceStore<String, String> longLived = open("long");
    int expiring = SWEEP_BATCH * 3 + 2;
    for (int i = 0; i < expiring; i++) {
      shortLived.put("s" + i, TierValue.of("v"), Duration.ofSeconds(10));
    }
    for (int i = 0; i < 5; i++) {
      longLived.put("l" + i, TierValue.of("v"), TTL);
    }
    assertThat(postgres().sweepExpired()).as("nothing expired yet").isZero();

    clock.advance(Duration.ofSeconds(11));
    assertThat(postgres().sweepExpired()).isEqualTo(expiring);
    assertThat(countRows()).isEqualTo(5);
    assertThat(longLived.getAll(List.of("l0", "l1", "l2", "l3", "l4"))).hasSize(5);
    assertThat(postgres().sweepExpired()).isZero();
  }

  @Test
  void sweepIsSkippedWhileAnotherNodeSweeps() throws SQLException {
    NamespaceStore<String, String> store = open("a", Duration.ofSeconds(1));
    store.put("k", TierValue.of("v"), Duration.ofSeconds(1));
    clock.advance(Duration.ofSeconds(2));
    try (Connection other = pool.getConnection();
        PreparedStatement ps = other.prepareStatement("SELECT pg_advisory_lock(?)")) {
      ps.setLong(1, AdvisoryLocks.key("hotpath:sweep:" + schema + ".hotpath_cache"));
      ps.execute();
      assertThat(postgres().sweepExpired()).isZero();
      assertThat(countRows()).isEqualTo(1);
    }
    assertThat(postgres().sweepExpired()).isEqualTo(1);
  }

  @Test
  void corruptBytesReadAsAMiss() throws SQLException {
    NamespaceStore<String, String> store = open("a");
    store.put("k", TierValue.of("v"), TTL);
    execute("UPDATE \"" + schema + "\".hotpath_cache SET value = '\\x00ff'::bytea");
    assertThat(store.get("k")).isNull();
    assertThat(store.getAll(List.of("k"))).isEmpty();
  }

  @Test
  void sqlInKeysIsStoredAsData() throws SQLException {
    NamespaceStore<String, String> store = open("a");
    NamespaceStore<String, String> other = open("b");
    other.put("keep", TierValue.of("safe"), TTL);
    List<String> hostile =
        List.of(
            "x'); DELETE FROM hotpath_cache; --",
            "' OR '1'='1",
            "\\'; DROP SCHEMA " + schema + " CASCADE; --",
            "$$; TRUNCATE hotpath_cache; $$",
            "a\u0000'; --");
    for (String key : hostile) {
      store.put(key, TierValue.of(key), TTL);
    }
    assertThat(store.get("' OR '1'='2")).isNull();
    for (String key : hostile) {
      assertThat(store.get(key)).isEqualTo(TierValue.of(key));
    }
    store.invalidateAll(List.of("' OR '1'='1", "*"));
    assertThat(other.get("keep")).isEqualTo(TierValue.of("safe"));
    assertThat(countRows()).isEqualTo(hostile.size());
  }

  @Test
  void keysThatEscapeAlikeStayDistinct() {
    NamespaceStore<String, String> store = open("a");
    List<String> keys = List.of("a\u0000b", "a\\0b", "a\\\\0b", "a\\", "a\\\\", "a\u0000");
    for (String key : keys) {
      store.put(key, TierValue.of(key), TTL);
    }
    for (String key : keys) {
      assertThat(store.get(key)).as("key %s", key).isEqualTo(TierValue.of(key));
    }
  }

  @Test
  void hostileIdentifiersAreRefusedAtTheBuilder() {
    for (String bad :
        List.of("x\"; DROP TABLE t; --", "Hotpath", "a b", "1abc", "", "a-b", "a".repeat(49))) {
      assertThatThrownBy(() -> PostgresTier.builder().schema(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("schema");
      assertThatThrownBy(() -> PostgresTier.builder().table(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("table");
    }
  }

  @Test
  void builderRejectsBadSettingsNamingThem() {
    assertThatThrownBy(() -> PostgresTier.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("dataSource or jdbcUrl");
    assertThatThrownBy(() -> PostgresTier.builder().sweepInterval(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sweepInterval")
        .hasMessageContaining("PT-1S");
    assertThatThrownBy(() -> PostgresTier.builder().connectTimeout(Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("connectTimeout");
    assertThatThrownBy(() -> PostgresTier.builder().jdbcUrl("jdbc:mysql://h/db?password=s3cret", "u", "p"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("password=***")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> PostgresTier.builder().dataSource(pool).jdbcUrl("jdbc:postgresql://h/db", "u", "p"))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void toStringNeverShowsThePassword() {
    PostgresTier built =
        PostgresTier.builder()
            .jdbcUrl("jdbc:postgresql://127.0.0.1:1/db?user=u&password=s3cret", "u", "hunter2")
            .sweepInterval(Duration.ZERO)
            .build();
    try {
      assertThat(built.toString()).doesNotContain("s3cret").doesNotContain("hunter2").contains("password=***");
    } finally {
      built.close();
    }
  }

  @Test
  void ttlBelowTheMillisecondIsRefused() {
    assertThatThrownBy(() -> open("a", Duration.ofNanos(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ttl");
  }

  @Test
  void unloggedTableIsCreatedUnlogged() throws SQLException {
    String unloggedSchema = TestPostgres.get().newSchemaName("unlogged");
    try (PostgresTier unlogged =
        PostgresTier.builder().dataSource(pool).schema(unloggedSchema).unlogged(true).build()) {
      assertThat(unlogged.toString()).contains("(unlogged)");
      try (Connection c = pool.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "SELECT relpersistence FROM pg_class WHERE oid = to_regclass(?)")) {
        ps.setString(1, "\"" + unloggedSchema + "\".hotpath_cache");
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo("u");
        }
      }
    } finally {
      execute("DROP SCHEMA IF EXISTS \"" + unloggedSchema + "\" CASCADE");
    }
  }

  private long countRows() throws SQLException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM \"" + schema + "\".hotpath_cache")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void execute(String sql) throws SQLException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
