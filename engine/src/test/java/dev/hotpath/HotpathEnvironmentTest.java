package dev.hotpath;

import static dev.hotpath.TestSupport.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.LocalRateLimiter;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RedisRateLimiter;
import dev.hotpath.testing.postgres.TestPostgres;
import dev.hotpath.testing.redis.TestRedis;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code Hotpath.fromEnvironment()}, over an environment the test hands in. */
class HotpathEnvironmentTest {
  private final NamespaceSpec<String, String> prices = spec("prices");
  private final RateLimit limit = RateLimit.of(Bandwidth.perPeriod(10, Duration.ofSeconds(1)));

  @Test
  void theServersAndTheNodeIdComeFromTheEnvironment() {
    TestRedis redis = TestRedis.get();
    TestPostgres postgres = TestPostgres.get();
    Map<String, String> environment = new HashMap<>();
    environment.put("HOTPATH_REDIS_URL", redis.url());
    environment.put("HOTPATH_POSTGRES_URL", postgres.jdbcUrl());
    if (postgres.user() != null) {
      environment.put("HOTPATH_POSTGRES_USER", postgres.user());
    }
    if (postgres.password() != null) {
      environment.put("HOTPATH_POSTGRES_PASSWORD", postgres.password());
    }
    environment.put("HOTPATH_NODE_ID", "pod-7");

    try (Hotpath hotpath = Hotpath.fromEnvironment(environment)
        .redisKeyPrefix(redis.newKeyPrefix("environment"))
        .postgresSchema(postgres.newSchemaName("environment"))
        .namespace(prices)
        .rateLimiter("api", limit)
        .build()) {
      assertThat(hotpath.nodeId()).isEqualTo("pod-7");
      assertThat(hotpath.cache().nodeId()).isEqualTo("pod-7");
      assertThat(hotpath.cache().tierNames()).containsExactly("memory", "redis", "postgres");
      assertThat(hotpath.rateLimiter("api")).isInstanceOf(RedisRateLimiter.class);
    }
  }

  @Test
  void unsetOrBlankVariablesLeaveEverythingInProcess() {
    Map<String, String> environment = Map.of("HOTPATH_REDIS_URL", " ", "HOTPATH_POSTGRES_URL", "");

    try (Hotpath hotpath = Hotpath.fromEnvironment(environment).namespace(prices).rateLimiter("api", limit).build()) {
      assertThat(hotpath.cache().tierNames()).containsExactly("memory");
      assertThat(hotpath.rateLimiter("api")).isInstanceOf(LocalRateLimiter.class);
    }
  }

  @Test
  void aRefusedValueNamesTheVariableAndHidesThePassword() {
    Map<String, String> environment = Map.of("HOTPATH_REDIS_URL", "http://app:s3cret@cache:6379");

    assertThatThrownBy(() -> Hotpath.fromEnvironment(environment))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("HOTPATH_REDIS_URL: redis must be a redis://, rediss://, redis-sentinel://, rediss-sentinel:// or"
            + " redis-socket:// URL but was 'http://app:***@cache:6379'");
  }

  @Test
  void urlsAndTheNodeIdAreTrimmedButAPasswordIsTakenAsItIs() {
    Map<String, String> environment = Map.of(
        "HOTPATH_REDIS_URL", " redis://cache:6379\n",
        "HOTPATH_POSTGRES_URL", "  jdbc:postgresql://db/app ",
        "HOTPATH_POSTGRES_USER", "app",
        "HOTPATH_POSTGRES_PASSWORD", " pass word\t",
        "HOTPATH_NODE_ID", " pod-7 ");

    Hotpath.Builder builder = Hotpath.fromEnvironment(environment);

    assertThat(builder.redisUrl).isEqualTo("redis://cache:6379");
    assertThat(builder.postgresUrl).isEqualTo("jdbc:postgresql://db/app");
    assertThat(builder.postgresPassword).isEqualTo(" pass word\t");
    assertThat(builder.nodeId).isEqualTo("pod-7");
  }

  /**
   * The environment says which servers exist, the code what the application uses: PostgreSQL
   * stores namespaces, so an application of limiters alone runs where HOTPATH_POSTGRES_URL is set,
   * without it (the URL is never connected to: nothing listens on port 1).
   */
  @Test
  void aPostgresUrlFromTheEnvironmentIsNotUsedWithoutANamespace() {
    Map<String, String> environment = Map.of("HOTPATH_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:1/app");

    try (Hotpath hotpath = Hotpath.fromEnvironment(environment).rateLimiter("api", limit).build()) {
      assertThat(hotpath.rateLimiter("api").tryConsume("acme", 1)).isTrue();
      assertThat(hotpath.health().parts()).extracting(HotpathHealth.Part::kind).containsExactly(HotpathHealth.Kind.RATE_LIMITER);
    }
  }

  @Test
  void aPostgresUserWithoutItsUrlIsRefused() {
    Map<String, String> environment = Map.of("HOTPATH_POSTGRES_USER", "app");

    assertThatThrownBy(() -> Hotpath.fromEnvironment(environment))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("HOTPATH_POSTGRES_USER is set but HOTPATH_POSTGRES_URL is not");
  }
}
