package dev.hotpath;

import dev.hotpath.cache.timescale.PostgresTier;
import javax.sql.DataSource;

/**
 * The PostgreSQL tier the builder makes. The only class of this package that touches
 * cache-timescale (and so pgjdbc and HikariCP), so that the JVM loads them only when PostgreSQL is
 * configured (see {@code WithoutDriversTest}).
 */
final class PostgresParts {
  private PostgresParts() {}

  /**
   * Builds the tier over the host's {@code dataSource} (never closed here) or a pool of its own
   * from {@code jdbcUrl}, in {@code schema} (null: the tier's default), and adds it to {@code closer}.
   *
   * @throws IllegalArgumentException when the schema name is refused
   */
  static TierPart open(String jdbcUrl, String user, String password, DataSource dataSource, String schema,
      Closer closer) {
    PostgresTier.Builder b = PostgresTier.builder().name(TierPart.POSTGRES);
    if (dataSource != null) {
      b.dataSource(dataSource);
    } else {
      b.jdbcUrl(jdbcUrl, user, password);
    }
    if (schema != null) {
      try {
        b.schema(schema);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("postgresSchema: " + e.getMessage());
      }
    }
    PostgresTier tier = closer.add("postgres tier", b.build());
    return new TierPart(HotpathHealth.Kind.POSTGRES, tier, tier::isCircuitOpen, () -> 0);
  }
}
