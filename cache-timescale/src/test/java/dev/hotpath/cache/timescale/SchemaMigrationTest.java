package dev.hotpath.cache.timescale;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.testing.postgres.PostgresExtension;
import dev.hotpath.testing.postgres.PostgresSchema;
import dev.hotpath.testing.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class SchemaMigrationTest {

  @Test
  void concurrentStartsFromSeveralPoolsMigrateOnce(TestPostgres postgres, PostgresSchema schema)
      throws Exception {
    int nodes = 8;
    List<HikariDataSource> pools = new ArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(nodes);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<PostgresTier>> built = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        HikariDataSource pool = postgres.newPool(1);
        pools.add(pool);
        built.add(
            threads.submit(
                () -> {
                  start.await();
                  return PostgresTier.builder()
                      .dataSource(pool)
                      .schema(schema.name())
                      .sweepInterval(Duration.ZERO)
                      .build();
                }));
      }
      start.countDown();
      for (Future<PostgresTier> tier : built) {
        tier.get().close();
      }
      assertThat(
              count(postgres, "SELECT count(*) FROM " + schema.qualify("hotpath_schema_history")
                  + " WHERE component = 'cache:hotpath_cache'"))
          .isEqualTo(1);
      assertThat(count(postgres, "SELECT count(*) FROM " + schema.qualify("hotpath_cache"))).isZero();
    } finally {
      threads.shutdownNow();
      pools.forEach(HikariDataSource::close);
    }
  }

  @Test
  void onlyMissingMigrationsApplyAndRerunsAreNoOps(TestPostgres postgres, PostgresSchema schema)
      throws Exception {
    String table = schema.qualify("things");
    SchemaMigrator.Migration v1 =
        new SchemaMigrator.Migration(1, "things", List.of("CREATE TABLE " + table + " (id int)"));
    SchemaMigrator.Migration v2 =
        new SchemaMigrator.Migration(
            2, "things.name", List.of("ALTER TABLE " + table + " ADD COLUMN name text"));
    try (HikariDataSource pool = postgres.newPool(2)) {
      assertThat(SchemaMigrator.migrate(pool, schema.name(), "things", List.of(v1))).isEqualTo(1);
      assertThat(SchemaMigrator.migrate(pool, schema.name(), "things", List.of(v1))).isZero();
      assertThat(SchemaMigrator.migrate(pool, schema.name(), "things", List.of(v1, v2))).isEqualTo(1);
      assertThat(SchemaMigrator.migrate(pool, schema.name(), "things", List.of(v1, v2))).isZero();
    }
    assertThat(count(postgres, "SELECT count(name) + 7 FROM " + table)).isEqualTo(7);
  }

  @Test
  void aFailedMigrationLeavesNothingBehind(TestPostgres postgres, PostgresSchema schema)
      throws Exception {
    String table = schema.qualify("half");
    SchemaMigrator.Migration broken =
        new SchemaMigrator.Migration(
            1, "broken", List.of("CREATE TABLE " + table + " (id int)", "SELECT no_such_function()"));
    try (HikariDataSource pool = postgres.newPool(1)) {
      try {
        SchemaMigrator.migrate(pool, schema.name(), "half", List.of(broken));
      } catch (SQLException expected) {
        // The transaction rolled back: neither the table nor the history row may exist.
      }
    }
    assertThat(
            count(postgres, "SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema.name() + "'"))
        .isZero();
  }

  @Test
  void aForeignTableOfTheSameNameIsAClearErrorAtBuild(TestPostgres postgres, PostgresSchema schema)
      throws Exception {
    try (Connection c = postgres.connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema.name());
      s.execute("CREATE TABLE " + schema.qualify("hotpath_cache") + " (key varchar(255) PRIMARY KEY)");
    }
    try (HikariDataSource pool = postgres.newPool(1)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> PostgresTier.builder().dataSource(pool).schema(schema.name()).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(schema.name() + ".hotpath_cache")
          .hasMessageContaining("already exists");
    }
  }

  static long count(TestPostgres postgres, String sql) throws SQLException {
    try (Connection c = postgres.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
