package dev.hotpath.examples.marketdata;

import dev.hotpath.testing.postgres.TestPostgres;
import dev.hotpath.testing.redis.TestRedis;
import java.time.Duration;
import java.util.Map;

/** Service configurations for tests: real Redis and PostgreSQL from the modules' fixtures, own prefix and schema. */
final class Services {
  static final String PRO_CLIENT = "pro-client";

  private Services() {}

  /** A configuration on the fixtures' servers, with a key prefix and schema of its own. */
  static ServiceConfig.Builder onFixtures(String hint) {
    TestPostgres postgres = TestPostgres.get();
    return onFixtures(TestRedis.get().newKeyPrefix(hint), postgres.newSchemaName(hint));
  }

  /** A configuration on the fixtures' servers sharing {@code keyPrefix} and {@code schema} (several instances). */
  static ServiceConfig.Builder onFixtures(String keyPrefix, String schema) {
    TestPostgres postgres = TestPostgres.get();
    return base().redisUrl(TestRedis.get().url()).redisKeyPrefix(keyPrefix.replaceAll(":+$", ""))
        .postgresUrl(postgres.jdbcUrl()).postgresUser(postgres.user()).postgresPassword(postgres.password())
        .schema(schema);
  }

  /**
   * Loopback, a free port, a small simulated exchange, and the pro client; the tests play the
   * gateway in front of the service that names each client in {@link ClientLimits#CLIENT_HEADER},
   * so the service trusts it (by default it would not: {@code trustedClientHeader(null)}).
   */
  static ServiceConfig.Builder base() {
    return ServiceConfig.builder().port(0).simulatedSymbols(40).simulatedLatency(Duration.ZERO)
        .trustedClientHeader(ClientLimits.CLIENT_HEADER).clientPlans(Map.of(PRO_CLIENT, "pro"));
  }
}
