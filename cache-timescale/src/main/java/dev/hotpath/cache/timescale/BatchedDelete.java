package dev.hotpath.cache.timescale;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;

/**
 * Deletes the rows of a table whose time column is before a cutoff, in batches of a bounded size,
 * each its own short transaction, so that cleaning a large backlog never holds locks on many rows
 * or blocks writers for long. Used by the cache's expiry sweep and by retention on plain
 * PostgreSQL.
 *
 * <p>Each batch picks at most {@code batchSize} rows by their physical address and skips rows other
 * transactions are writing (they are either being refreshed, or picked up by the next run).
 */
final class BatchedDelete {
  private final String sql;

  /**
   * @param table a qualified, quoted table name
   * @param timeColumn a quoted column of a time type
   */
  BatchedDelete(String table, String timeColumn) {
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
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, cutoff, Types.TIMESTAMP_WITH_TIMEZONE);
      ps.setInt(2, batchSize);
      ps.setObject(3, cutoff, Types.TIMESTAMP_WITH_TIMEZONE);
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
}
