package dev.hotpath.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.Loads;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.redis.RedisTier;
import dev.hotpath.cache.timescale.PostgresTier;
import dev.hotpath.testing.exchange.SimulatedExchange;
import dev.hotpath.testing.postgres.TestPostgres;
import dev.hotpath.testing.redis.TestRedis;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The engine over a namespace with real Redis and PostgreSQL tiers (from the modules' fixtures: a
 * URL from the environment, Testcontainers, or embedded servers): what one node fetched, another
 * node gets from the shared tiers without calling the source.
 */
class SharedTiersTest {
  private final String redisUrl = TestRedis.get().url();
  private final String prefix = TestRedis.get().newKeyPrefix("engine");
  private final TestPostgres postgres = TestPostgres.get();
  private final String schema = postgres.newSchemaName("engine");
  private final NamespaceSpec<String, String> spec = Fixtures.spec("prices");

  private RedisTier redis() {
    return RedisTier.builder().uri(redisUrl).keyPrefix(prefix).build();
  }

  private PostgresTier postgres() {
    return PostgresTier.builder().jdbcUrl(postgres.jdbcUrl(), postgres.user(), postgres.password()).schema(schema).build();
  }

  @Test
  void whatOneNodeFetchedAnotherGetsFromRedisAndAThirdFromPostgres() throws Exception {
    List<String> keys = IntStream.range(0, 20).mapToObj(i -> "SYM" + i).toList();
    try (SimulatedExchange exchange = SimulatedExchange.builder().start()) {
      try (TieredCache node = TieredCache.builder().tier(redis()).tier(postgres()).namespace(spec).build();
          BatchEngine<String, String> engine = BatchEngine.builder(node.namespace(spec), exchange.source(5)).build()) {
        BatchResult<String, String> first = engine.process(BatchRequest.of(keys));

        assertThat(first.isComplete()).isTrue();
        assertThat(first.fromSource()).isEqualTo(20);
        assertThat(first.sourceCalls()).isEqualTo(4);
        Loads.awaitSettled(node); // what a batch loaded is written back after it returns
      }
      try (TieredCache node = TieredCache.builder().tier(redis()).tier(postgres()).namespace(spec).build();
          BatchEngine<String, String> engine = BatchEngine.builder(node.namespace(spec), exchange.source(5)).build()) {
        BatchResult<String, String> second = engine.process(BatchRequest.of(keys));

        assertThat(second.values().get("SYM7")).isEqualTo(SimulatedExchange.valueOf("SYM7"));
        assertThat(second.fromCache()).isEqualTo(20);
        assertThat(second.cacheHitRate()).isEqualTo(1.0);
        assertThat(second.sourceCalls()).isZero();
        assertThat(node.namespace(spec).stats().tier("redis").hits()).isEqualTo(20);
      }
      try (TieredCache node = TieredCache.builder().tier(postgres()).namespace(spec).build();
          BatchEngine<String, String> engine = BatchEngine.builder(node.namespace(spec), exchange.source(5)).build()) {
        BatchResult<String, String> third = engine.process(BatchRequest.of(keys));

        assertThat(third.fromCache()).isEqualTo(20);
        assertThat(node.namespace(spec).stats().tier("postgres").hits()).isEqualTo(20);
      }
      assertThat(exchange.requests()).isEqualTo(4);
    }
  }
}
