package dev.hotpath.cache.timescale;

import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.TierValue;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One namespace's view of a {@link PostgresTier}. Thread-safe: it holds no connection. */
final class PostgresTierStore<K, V> implements NamespaceStore<K, V> {
  /** Rows per bulk statement, so one huge {@code putAll} does not become one huge message. */
  static final int MAX_ROWS_PER_STATEMENT = 10_000;

  private final PostgresTier tier;
  private final NamespaceContext<K, V> binding;
  private final String namespace;
  private final CacheTableSql sql;

  PostgresTierStore(PostgresTier tier, NamespaceContext<K, V> binding) {
    this.tier = tier;
    this.binding = binding;
    this.namespace = binding.namespace();
    this.sql = tier.sql();
  }

  @Override
  public TierValue<V> get(K key) {
    String stored = storedKey(binding.encodeKey(key));
    try (Connection c = connection();
        PreparedStatement ps = c.prepareStatement(sql.get)) {
      ps.setString(1, namespace);
      ps.setString(2, stored);
      ps.setObject(3, tier.now(), Types.TIMESTAMP_WITH_TIMEZONE);
      try (ResultSet rs = ps.executeQuery()) {
        TierValue<V> value = rs.next() ? binding.decodeValue(rs.getBytes(1)) : null;
        tier.guard().succeeded();
        return value;
      }
    } catch (SQLException e) {
      throw tier.guard().failed("get", e);
    }
  }

  @Override
  public Map<K, TierValue<V>> getAll(Collection<? extends K> keys) {
    Map<String, K> byStored = storedKeys(keys);
    if (byStored.isEmpty()) {
      return Map.of();
    }
    Map<K, TierValue<V>> found = new HashMap<>();
    try (Connection c = connection();
        PreparedStatement ps = c.prepareStatement(sql.getAll)) {
      Array array = c.createArrayOf("text", byStored.keySet().toArray(new String[0]));
      ps.setString(1, namespace);
      ps.setArray(2, array);
      ps.setObject(3, tier.now(), Types.TIMESTAMP_WITH_TIMEZONE);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          TierValue<V> value = binding.decodeValue(rs.getBytes(2));
          if (value != null) {
            found.put(byStored.get(rs.getString(1)), value);
          }
        }
      }
      array.free();
      tier.guard().succeeded();
      return found;
    } catch (SQLException e) {
      throw tier.guard().failed("getAll", e);
    }
  }

  @Override
  public void put(K key, TierValue<V> value, Duration ttl) {
    write(sql.put, "put", key, value, ttl);
  }

  /** Stores the entry only where the row is absent or expired (see {@link CacheTableSql#fill}). */
  @Override
  public void fill(K key, TierValue<V> value, Duration ttl) {
    write(sql.fill, "fill", key, value, ttl);
  }

  /**
   * Replaces the row only when it was written before the refresh began reading the source (see
   * {@link CacheTableSql#refresh}), and never inserts one: a key this tier does not hold (deleted
   * meanwhile, expired and swept, or never filled here because a tier above answered) stays absent
   * until a miss fills it. The read's start is this tier's clock minus {@code readAge}, so the
   * clock must follow real time (a stopped test clock refuses every refresh); the row's write time
   * is the writing node's clock, so clocks further apart than a refresh's read and another node's
   * put can let the refresh replace that put's value (until the row's TTL or the next change).
   */
  @Override
  public void refresh(K key, TierValue<V> value, Duration ttl, Duration readAge) {
    // The clock first: anything slower in between makes the read look later, which lets more in.
    OffsetDateTime now = tier.now();
    String stored = storedKey(binding.encodeKey(key));
    byte[] payload = binding.encodeValue(value);
    update(sql.refresh, "refresh", (c, ps) -> {
      ps.setBytes(1, payload);
      ps.setObject(2, expiry(now, ttl), Types.TIMESTAMP_WITH_TIMEZONE);
      ps.setObject(3, now, Types.TIMESTAMP_WITH_TIMEZONE);
      ps.setString(4, namespace);
      ps.setString(5, stored);
      ps.setObject(6, now.minus(readAge), Types.TIMESTAMP_WITH_TIMEZONE);
      ps.executeUpdate();
    });
  }

  @Override
  public void putAll(Map<? extends K, TierValue<V>> entries, Duration ttl) {
    writeAll(sql.putAll, "putAll", entries, ttl);
  }

  /** {@link #fill} of several entries, in as few statements as {@link #putAll}. */
  @Override
  public void fillAll(Map<? extends K, TierValue<V>> entries, Duration ttl) {
    writeAll(sql.fillAll, "fillAll", entries, ttl);
  }

  private void write(String statement, String operation, K key, TierValue<V> value, Duration ttl) {
    String stored = storedKey(binding.encodeKey(key));
    byte[] payload = binding.encodeValue(value);
    OffsetDateTime now = tier.now();
    update(statement, operation, (c, ps) -> {
      ps.setString(1, namespace);
      ps.setString(2, stored);
      ps.setBytes(3, payload);
      ps.setObject(4, expiry(now, ttl), Types.TIMESTAMP_WITH_TIMEZONE);
      ps.setObject(5, now, Types.TIMESTAMP_WITH_TIMEZONE);
      ps.executeUpdate();
    });
  }

  private void writeAll(String statement, String operation, Map<? extends K, TierValue<V>> entries, Duration ttl) {
    // Keyed by the stored form: ON CONFLICT refuses to touch one row twice in a statement.
    Map<String, byte[]> rows = new LinkedHashMap<>();
    entries.forEach((k, v) -> rows.put(storedKey(binding.encodeKey(k)), binding.encodeValue(v)));
    if (rows.isEmpty()) {
      return;
    }
    OffsetDateTime now = tier.now();
    OffsetDateTime expires = expiry(now, ttl);
    List<String> keys = new ArrayList<>(rows.keySet());
    update(statement, operation, (c, ps) -> {
      for (int from = 0; from < keys.size(); from += MAX_ROWS_PER_STATEMENT) {
        List<String> chunk = keys.subList(from, Math.min(keys.size(), from + MAX_ROWS_PER_STATEMENT));
        byte[][] values = new byte[chunk.size()][];
        for (int i = 0; i < values.length; i++) {
          values[i] = rows.get(chunk.get(i));
        }
        ps.setString(1, namespace);
        ps.setObject(2, expires, Types.TIMESTAMP_WITH_TIMEZONE);
        ps.setObject(3, now, Types.TIMESTAMP_WITH_TIMEZONE);
        ps.setArray(4, c.createArrayOf("text", chunk.toArray(new String[0])));
        ps.setArray(5, c.createArrayOf("bytea", values));
        ps.executeUpdate();
      }
    });
  }

  @Override
  public void invalidate(K key) {
    String stored = storedKey(binding.encodeKey(key));
    update(sql.invalidate, "invalidate", (c, ps) -> {
      ps.setString(1, namespace);
      ps.setString(2, stored);
      ps.executeUpdate();
    });
  }

  @Override
  public void invalidateAll(Collection<? extends K> keys) {
    Map<String, K> byStored = storedKeys(keys);
    if (byStored.isEmpty()) {
      return;
    }
    update(sql.invalidateAll, "invalidateAll", (c, ps) -> {
      ps.setString(1, namespace);
      ps.setArray(2, c.createArrayOf("text", byStored.keySet().toArray(new String[0])));
      ps.executeUpdate();
    });
  }

  @Override
  public void clear() {
    update(sql.clear, "clear", (c, ps) -> {
      ps.setString(1, namespace);
      ps.executeUpdate();
    });
  }

  /** Binds and executes a prepared change statement; the connection is there for arrays. */
  @FunctionalInterface
  private interface Change {
    void run(Connection c, PreparedStatement ps) throws SQLException;
  }

  /** Runs {@code change} on {@code statement}; {@code operation} names it when it fails. */
  private void update(String statement, String operation, Change change) {
    try (Connection c = connection();
        PreparedStatement ps = c.prepareStatement(statement)) {
      change.run(c, ps);
      tier.guard().succeeded();
    } catch (SQLException e) {
      throw tier.guard().failed(operation, e);
    }
  }

  @Override
  public String toString() {
    return "PostgresTierStore[" + namespace + " in " + tier + "]";
  }

  private Connection connection() throws SQLException {
    tier.guard().check();
    tier.ensureSchema();
    return tier.dataSource().getConnection();
  }

  private Map<String, K> storedKeys(Collection<? extends K> keys) {
    Map<String, K> byStored = new LinkedHashMap<>();
    for (K key : keys) {
      byStored.put(storedKey(binding.encodeKey(key)), key);
    }
    return byStored;
  }

  private static OffsetDateTime expiry(OffsetDateTime now, Duration ttl) {
    if (ttl.compareTo(PostgresTier.MIN_TTL) < 0) {
      throw new IllegalArgumentException("ttl must be at least " + PostgresTier.MIN_TTL + " but was " + ttl);
    }
    return now.plus(ttl);
  }

  /**
   * The key as stored in the {@code text} column, which cannot hold NUL: backslash becomes two
   * backslashes and NUL becomes backslash-zero. Injective, and the identity for the usual keys, so
   * rows stay readable in psql.
   */
  static String storedKey(String encoded) {
    for (int i = 0; i < encoded.length(); i++) {
      char ch = encoded.charAt(i);
      if (ch == '\\' || ch == '\0') {
        return escapeFrom(encoded, i);
      }
    }
    return encoded;
  }

  private static String escapeFrom(String encoded, int first) {
    StringBuilder out = new StringBuilder(encoded.length() + 8).append(encoded, 0, first);
    for (int i = first; i < encoded.length(); i++) {
      char ch = encoded.charAt(i);
      if (ch == '\\') {
        out.append("\\\\");
      } else if (ch == '\0') {
        out.append("\\0");
      } else {
        out.append(ch);
      }
    }
    return out.toString();
  }
}
