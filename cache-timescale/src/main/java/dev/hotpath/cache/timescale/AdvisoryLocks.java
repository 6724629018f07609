package dev.hotpath.cache.timescale;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * PostgreSQL advisory locks, which make "one node at a time" hold across every process that uses
 * the same database. Keys are 64-bit hashes of readable names, computed here rather than with the
 * server's {@code hashtext} so that a test or an operator can compute them too.
 */
final class AdvisoryLocks {
  private AdvisoryLocks() {}

  /** Work that runs while the lock is held, on the connection that holds it. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /** The lock key for {@code name}: FNV-1a over its UTF-8 bytes. */
  static long key(String name) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xFF;
      hash *= 0x100000001b3L;
    }
    return hash;
  }

  /**
   * Runs {@code work} if no session anywhere holds the lock {@code name}, holding it meanwhile;
   * returns empty without waiting when another one does. The lock is a session lock on one
   * connection, so that {@code work} may commit in several transactions (bounded batches) and still
   * keep other nodes out; it is released when the work ends, and by the server if the connection
   * dies.
   */
  static <T> Optional<T> tryExclusive(DataSource dataSource, String name, Work<T> work)
      throws SQLException {
    long key = key(name);
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(true);
      if (!lock(c, "SELECT pg_try_advisory_lock(?)", key)) {
        return Optional.empty();
      }
      try {
        return Optional.ofNullable(work.run(c));
      } finally {
        lock(c, "SELECT pg_advisory_unlock(?)", key);
      }
    }
  }

  /** Takes the transaction-scoped lock {@code name}, waiting for it; released at commit. */
  static void lockForTransaction(Connection c, String name) throws SQLException {
    lock(c, "SELECT true FROM (SELECT pg_advisory_xact_lock(?)) AS locked", key(name));
  }

  private static boolean lock(Connection c, String sql, long key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }
}
