package dev.hotpath.examples.spring;

import dev.hotpath.testing.postgres.TestPostgres;
import dev.hotpath.testing.redis.TestRedis;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Properties that put an instance of the application on the fixtures' real Redis and PostgreSQL
 * (environment, Testcontainers or embedded, as the fixtures find them), under a key prefix and a
 * schema that tests sharing them pass alike and others never use.
 */
final class Instances {
  private Instances() {}

  /** A key prefix and a schema of their own, for the instances of one test. */
  record Storage(String keyPrefix, String schema) {
    static Storage fresh(String hint) {
      return new Storage(TestRedis.get().newKeyPrefix(hint), TestPostgres.get().newSchemaName(hint));
    }

    /** The Redis key of a cache entry: the tier's {@code <prefix><namespace>:<key>}. */
    String redisKey(String cache, String key) {
      return keyPrefix + cache + ":" + key;
    }
  }

  /** An instance on a random port with its node id, on {@code storage}. */
  static Map<String, Object> properties(Storage storage, String nodeId) {
    TestPostgres postgres = TestPostgres.get();
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("server.port", "0");
    properties.put("hotpath.node-id", nodeId);
    properties.put("hotpath.redis-url", TestRedis.get().url());
    properties.put("hotpath.redis-key-prefix", storage.keyPrefix());
    // Tests assert where a value came from: a Redis read slowed past 250 ms by a loaded machine
    // must not turn into a miss.
    properties.put("hotpath.redis-timeout", "5s");
    properties.put("hotpath.postgres-url", postgres.jdbcUrl());
    properties.put("hotpath.postgres-user", postgres.user() != null ? postgres.user() : "");
    properties.put("hotpath.postgres-password", postgres.password() != null ? postgres.password() : "");
    properties.put("hotpath.postgres-schema", storage.schema());
    return properties;
  }

  static void register(DynamicPropertyRegistry registry, Storage storage, String nodeId) {
    properties(storage, nodeId).forEach((name, value) -> registry.add(name, () -> value));
  }
}
