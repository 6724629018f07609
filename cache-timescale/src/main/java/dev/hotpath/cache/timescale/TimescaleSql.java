package dev.hotpath.cache.timescale;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * The TimescaleDB statements of {@link RetentionManager}. Every name is a parameter cast to {@code
 * regclass}/{@code name}, or a qualified name built by {@link Checks#qualified} from checked
 * identifiers.
 */
final class TimescaleSql {
  private TimescaleSql() {}

  /** The installed TimescaleDB version, or {@code null} on plain PostgreSQL. */
  static String version(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'");
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /**
   * Whether the table has a row; reads one at most.
   *
   * @param qualified a name built by {@link Checks#qualified}
   */
  static boolean hasRows(Connection c, String qualified) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement("SELECT EXISTS (SELECT 1 FROM " + qualified + ")");
        ResultSet rs = ps.executeQuery()) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  /**
   * Makes the table a hypertable unless it is one. Without {@code migrateData} TimescaleDB refuses
   * a table that has rows, so this never rewrites one; with it, every row is copied into chunks
   * while the table is locked against reads and writes.
   */
  static void createHypertable(Connection c, String table, String timeColumn, boolean migrateData)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT create_hypertable(?::regclass, ?::name, if_not_exists => TRUE,"
                + " migrate_data => ?)")) {
      ps.setString(1, table);
      ps.setString(2, timeColumn);
      ps.setBoolean(3, migrateData);
      ps.execute();
    }
  }

  static boolean isHypertable(Connection c, String schema, String table) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT 1 FROM timescaledb_information.hypertables"
                + " WHERE hypertable_schema = ? AND hypertable_name = ?")) {
      ps.setString(1, schema);
      ps.setString(2, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Replaces the table's TimescaleDB retention policy, so a changed retention takes effect. */
  static void setRetentionPolicy(Connection c, String table, Duration retention) throws SQLException {
    try (PreparedStatement remove =
            c.prepareStatement("SELECT remove_retention_policy(?::regclass, if_exists => TRUE)");
        PreparedStatement add =
            c.prepareStatement(
                "SELECT add_retention_policy(?::regclass, ? * interval '1 millisecond')")) {
      remove.setString(1, table);
      remove.execute();
      add.setString(1, table);
      add.setLong(2, retention.toMillis());
      add.execute();
    }
  }

  static long dropChunks(Connection c, String table, OffsetDateTime cutoff) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT count(*) FROM drop_chunks(?::regclass, older_than => ?::timestamptz)")) {
      ps.setString(1, table);
      ps.setObject(2, cutoff, Types.TIMESTAMP_WITH_TIMEZONE);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
