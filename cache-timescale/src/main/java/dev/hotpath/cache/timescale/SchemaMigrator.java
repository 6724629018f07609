package dev.hotpath.cache.timescale;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;

/**
 * Creates and migrates the tables this module owns. Each component (one table and its indexes) has
 * an ordered list of migrations; those not yet recorded in the schema's history table are applied
 * in one transaction, under an advisory lock on the schema, so that nodes starting at once apply
 * each migration exactly once and never see a half-made table (DDL is transactional in
 * PostgreSQL). Running it again is a no-op.
 */
final class SchemaMigrator {
  static final String HISTORY_TABLE = "hotpath_schema_history";

  /**
   * One step of a component's schema.
   *
   * @param version 1, 2, … in the order they apply
   * @param description what it does, recorded in the history
   * @param statements the DDL, built only from checked and quoted identifiers
   */
  record Migration(int version, String description, List<String> statements) {
    Migration {
      statements = List.copyOf(statements);
    }
  }

  private SchemaMigrator() {}

  /**
   * Applies the migrations of {@code component} that {@code schema}'s history does not list yet.
   *
   * @return how many were applied (0 when the schema was current)
   */
  static int migrate(DataSource dataSource, String schema, String component, List<Migration> steps)
      throws SQLException {
    String history = Checks.qualified(schema, HISTORY_TABLE);
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        AdvisoryLocks.lockForTransaction(c, "hotpath:migrate:" + schema);
        try (Statement s = c.createStatement()) {
          if (!schemaExists(c, schema)) {
            s.execute("CREATE SCHEMA " + Checks.quote(schema));
          }
          s.execute(
              "CREATE TABLE IF NOT EXISTS " + history + " (component text NOT NULL,"
                  + " version integer NOT NULL, description text NOT NULL,"
                  + " applied_at timestamptz NOT NULL DEFAULT now(),"
                  + " PRIMARY KEY (component, version))");
          int current = currentVersion(c, history, component);
          int applied = 0;
          for (Migration step : steps) {
            if (step.version() <= current) {
              continue;
            }
            for (String sql : step.statements()) {
              s.execute(sql);
            }
            record(c, history, component, step);
            applied++;
          }
          c.commit();
          return applied;
        }
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(autoCommit);
      }
    }
  }

  private static boolean schemaExists(Connection c, String schema) throws SQLException {
    // Checked first rather than CREATE SCHEMA IF NOT EXISTS, which needs the CREATE privilege on
    // the database even when the schema is there already.
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static int currentVersion(Connection c, String history, String component)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT coalesce(max(version), 0) FROM " + history + " WHERE component = ?")) {
      ps.setString(1, component);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static void record(Connection c, String history, String component, Migration step)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO " + history + " (component, version, description) VALUES (?, ?, ?)")) {
      ps.setString(1, component);
      ps.setInt(2, step.version());
      ps.setString(3, step.description());
      ps.executeUpdate();
    }
  }
}
