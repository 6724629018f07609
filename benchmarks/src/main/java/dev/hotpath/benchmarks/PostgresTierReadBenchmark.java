package dev.hotpath.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.cache.Codec;
import dev.hotpath.cache.KeyCodec;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.Tier;
import dev.hotpath.cache.spi.TierValue;
import dev.hotpath.cache.timescale.PostgresTier;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A single-key read from the PostgreSQL tier against the same read in plain JDBC, on the same
 * table, server and pool, in one run:
 *
 * <ul>
 *   <li>{@code hotpath}: {@code NamespaceStore.get} of the {@link PostgresTier} (pool borrow, prepared
 *       select with the expiry filter, payload decode);
 *   <li>{@code jdbc}: what a host's DAO does: borrow from the same pool, prepare, select the value;
 *   <li>{@code jdbcHeldStatement}: the floor: one connection and prepared statement held per
 *       thread, no pool at all.
 * </ul>
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar PostgresTierReadBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PostgresTierReadBenchmark {
  static final int KEYS = 10_000;
  static final String NAMESPACE = "bench-symbols";

  @State(Scope.Benchmark)
  public static class Server {
    BenchPostgres postgres;
    HikariDataSource pool;
    TieredCache cache;
    NamespaceStore<String, String> store;
    String selectSql;

    @Setup(Level.Trial)
    public void start() {
      postgres = BenchPostgres.open();
      pool = postgres.pool(4);
      PostgresTier tier =
          PostgresTier.builder().dataSource(pool).schema(postgres.schema()).sweepInterval(Duration.ZERO).build();
      NamespaceSpec<String, String> spec =
          NamespaceSpec.builder(NAMESPACE, String.class, String.class)
              .ttl(TtlProfile.builder().l1(Duration.ofHours(1)).l2(Duration.ofHours(1)).build())
              .keyCodec(KeyCodec.strings())
              .valueCodec(Codec.utf8())
              .build();
      // The cache opens the tier for the namespace; keep the store it got, to call it directly.
      Capturing capturing = new Capturing(tier);
      cache = TieredCache.builder().tier(capturing).namespace(spec).build();
      store = capturing.store();
      Map<String, TierValue<String>> rows = new HashMap<>();
      for (int i = 0; i < KEYS; i++) {
        rows.put(key(i), TierValue.of("{\"symbol\":\"SYM" + i + "\",\"tick\":0.01,\"lot\":0.001}"));
      }
      store.putAll(rows, Duration.ofHours(1));
      selectSql =
          "SELECT value FROM \"" + postgres.schema() + "\".hotpath_cache WHERE namespace = ? AND key = ?";
    }

    @TearDown(Level.Trial)
    public void stop() {
      cache.close();
      pool.close();
      postgres.close();
    }
  }

  /** Per thread: which key comes next, and the held statement of {@code jdbcHeldStatement}. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;
    Connection held;
    PreparedStatement heldSelect;

    @Setup(Level.Trial)
    public void open(Server server) throws SQLException {
      held = server.pool.getConnection();
      heldSelect = held.prepareStatement(server.selectSql);
    }

    @TearDown(Level.Trial)
    public void close() throws SQLException {
      heldSelect.close();
      held.close();
    }

    String nextKey() {
      next = (next + 7919) % KEYS;
      return key(next);
    }
  }

  @Benchmark
  public TierValue<String> hotpath(Server server, Cursor cursor) {
    return server.store.get(cursor.nextKey());
  }

  @Benchmark
  public byte[] jdbc(Server server, Cursor cursor) throws SQLException {
    try (Connection c = server.pool.getConnection();
        PreparedStatement ps = c.prepareStatement(server.selectSql)) {
      return select(ps, cursor.nextKey());
    }
  }

  @Benchmark
  public byte[] jdbcHeldStatement(Cursor cursor) throws SQLException {
    return select(cursor.heldSelect, cursor.nextKey());
  }

  private static byte[] select(PreparedStatement ps, String key) throws SQLException {
    ps.setString(1, NAMESPACE);
    ps.setString(2, key);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getBytes(1) : null;
    }
  }

  static String key(int i) {
    return "SYM" + i + "USDT";
  }

  /** A tier that hands out the stores of the one it wraps and remembers the last. */
  static final class Capturing implements Tier {
    private final Tier tier;
    private NamespaceStore<?, ?> store;

    Capturing(Tier tier) {
      this.tier = tier;
    }

    @Override
    public String name() {
      return tier.name();
    }

    @Override
    public <K, V> NamespaceStore<K, V> open(NamespaceContext<K, V> binding) {
      NamespaceStore<K, V> opened = tier.open(binding);
      store = opened;
      return opened;
    }

    @SuppressWarnings("unchecked")
    <K, V> NamespaceStore<K, V> store() {
      return (NamespaceStore<K, V>) store;
    }

    @Override
    public void close() {
      tier.close();
    }
  }
}
