package dev.hotpath.cache.timescale;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Deletes the rows of a table whose time column is before a cutoff, in batches of a bounded size,
 * each its own short transaction, so that cleaning a large backlog never holds locks on many rows
 * or blocks writers for long. Used by the cache's expiry sweep and by retention on plain
 * PostgreSQL.
 *
 * <p>Each batch picks at most {@code batchSize} rows by their physical address and skips rows other
 * transactions are writing (they are either being refreshed, or picked up by the next run).
 *
 * <p>For a {@code timestamp} (without time zone) column the cutoff is compared as a UTC local date
 * and time, the way {@link TimeSeriesWriter} stores an {@code Instant} there; bound as a
 * timestamptz it would be converted in the session's time zone (the JVM's default, through the
 * driver), and rows would be kept or deleted hours off.
 */
final class BatchedDelete {
  private static final String IS_TIMESTAMP =
      "SELECT a.atttypid = 'timestamp'::regtype FROM pg_attribute a"
          + " WHERE a.attrelid = ?::regclass AND a.attname = ? AND NOT a.attisdropped";

  private final String sql;
  private final String table;
  /** The unquoted time column whose type is looked up at each run, or null for timestamptz. */
  private final String lookedUpColumn;

  /**
   * For a column known to be {@code timestamptz}.
   *
   * @param table a qualified, quoted table name
   * @param timeColumn a quoted column of type timestamptz
   */
  BatchedDelete(String table, String timeColumn) {
    this(table, timeColumn, null);
  }

  /**
   * For a column of type {@code timestamptz} or {@code timestamp}, looked up at each run (a table
   * may be altered between runs; one catalog query per run costs nothing next to the deletes).
   *
   * @param table a qualified, quoted table name
   * @param column an unquoted {@code [a-z_][a-z0-9_]*} column name
   */
  static BatchedDelete ofAnyTimestamp(String table, String column) {
    return new BatchedDelete(table, Checks.quote(column), column);
  }

  private BatchedDelete(String table, String timeColumn, String lookedUpColumn) {
    this.table = table;
    this.lookedUpColumn = lookedUpColumn;
    this.sql =
        "DELETE FROM " + table + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + table
            + " WHERE " + timeColumn + " < ? LIMIT ? FOR UPDATE SKIP LOCKED)) AND "
            + timeColumn + " < ?";
  }

  /**
   * Deletes rows older than {@code cutoff} until a batch comes back short or {@code maxBatches}
   * batches ran. The connection must be in auto-commit mode.
   *
   * @return the number of rows deleted
   */
  long run(Connection c, OffsetDateTime cutoff, int batchSize, int maxBatches) throws SQLException {
    long total = 0;
    boolean local = lookedUpColumn != null && isTimestamp(c);
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (local) {
        ps.setObject(1, cutoff.atZoneSameInstant(ZoneOffset.UTC).toLocalDateTime(), Types.TIMESTAMP);
        ps.setInt(2, batchSize);
        ps.setObject(3, cutoff.atZoneSameInstant(ZoneOffset.UTC).toLocalDateTime(), Types.TIMESTAMP);
      } else {
        ps.setObject(1, cutoff, Types.TIMESTAMP_WITH_TIMEZONE);
        ps.setInt(2, batchSize);
        ps.setObject(3, cutoff, Types.TIMESTAMP_WITH_TIMEZONE);
      }
      for (int batch = 0; batch < maxBatches; batch++) {
        int deleted = ps.executeUpdate();
        total += deleted;
        if (deleted < batchSize) {
          break;
        }
      }
    }
    return total;
  }

  /** Whether the time column is a {@code timestamp} without time zone. */
  private boolean isTimestamp(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(IS_TIMESTAMP)) {
      ps.setString(1, table);
      ps.setString(2, lookedUpColumn);
      try (ResultSet rs = ps.executeQuery()) {
        // A missing column: the delete fails with the server's own message.
        return rs.next() && rs.getBoolean(1);
      }
    }
  }
}
