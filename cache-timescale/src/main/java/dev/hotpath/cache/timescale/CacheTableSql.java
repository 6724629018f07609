package dev.hotpath.cache.timescale;

/**
 * The statements on the cache table, built once per tier from its checked, quoted name. Every
 * value is a parameter.
 */
final class CacheTableSql {
  private static final String COLUMNS = " (namespace, key, value, expires_at, written_at) ";
  private static final String UPSERT =
      " ON CONFLICT (namespace, key) DO UPDATE SET value = EXCLUDED.value,"
          + " expires_at = EXCLUDED.expires_at, written_at = EXCLUDED.written_at";
  /**
   * A fill caches what a read found, after the read: a row that is live by then was written by
   * someone else meanwhile and is newer than the fill, so only an absent or expired row is replaced.
   */
  private static final String FILL = UPSERT + " WHERE stored.expires_at <= EXCLUDED.written_at";

  final String get;
  final String getAll;
  final String put;
  final String putAll;
  final String fill;
  final String fillAll;
  /**
   * A refresh replaces what a read found with what the source said later, after that read of the
   * source: only a row written before the read began is replaced (a later one came from a change
   * the read may not have seen), and no row is inserted (a deleted row and an expired, swept one
   * look the same here). Parameters: value, expires_at, written_at, namespace, key, the read's
   * start.
   */
  final String refresh;
  final String invalidate;
  final String invalidateAll;
  final String clear;

  CacheTableSql(String table) {
    get = "SELECT value FROM " + table + " WHERE namespace = ? AND key = ? AND expires_at > ?";
    getAll =
        "SELECT key, value FROM " + table
            + " WHERE namespace = ? AND key = ANY(?) AND expires_at > ?";
    String insertRow = "INSERT INTO " + table + " AS stored" + COLUMNS + "VALUES (?, ?, ?, ?, ?)";
    String insertRows =
        "INSERT INTO " + table + " AS stored" + COLUMNS + "SELECT ?, u.k, u.v, ?, ?"
            + " FROM unnest(?::text[], ?::bytea[]) AS u(k, v)";
    put = insertRow + UPSERT;
    putAll = insertRows + UPSERT;
    fill = insertRow + FILL;
    fillAll = insertRows + FILL;
    refresh = "UPDATE " + table + " SET value = ?, expires_at = ?, written_at = ?"
        + " WHERE namespace = ? AND key = ? AND written_at <= ?";
    invalidate = "DELETE FROM " + table + " WHERE namespace = ? AND key = ?";
    invalidateAll = "DELETE FROM " + table + " WHERE namespace = ? AND key = ANY(?)";
    clear = "DELETE FROM " + table + " WHERE namespace = ?";
  }
}
