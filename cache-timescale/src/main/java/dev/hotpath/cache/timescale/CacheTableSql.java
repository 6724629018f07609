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

  final String get;
  final String getAll;
  final String put;
  final String putAll;
  final String invalidate;
  final String invalidateAll;
  final String clear;

  CacheTableSql(String table) {
    get = "SELECT value FROM " + table + " WHERE namespace = ? AND key = ? AND expires_at > ?";
    getAll =
        "SELECT key, value FROM " + table
            + " WHERE namespace = ? AND key = ANY(?) AND expires_at > ?";
    put = "INSERT INTO " + table + COLUMNS + "VALUES (?, ?, ?, ?, ?)" + UPSERT;
    putAll =
        "INSERT INTO " + table + COLUMNS + "SELECT ?, u.k, u.v, ?, ?"
            + " FROM unnest(?::text[], ?::bytea[]) AS u(k, v)" + UPSERT;
    invalidate = "DELETE FROM " + table + " WHERE namespace = ? AND key = ?";
    invalidateAll = "DELETE FROM " + table + " WHERE namespace = ? AND key = ANY(?)";
    clear = "DELETE FROM " + table + " WHERE namespace = ?";
  }
}
