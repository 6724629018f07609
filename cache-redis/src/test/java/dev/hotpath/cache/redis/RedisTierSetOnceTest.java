package dev.hotpath.cache.redis;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every setter of {@link RedisTier.Builder} may be called once; the second call names the field. */
class RedisTierSetOnceTest {
  private static final Duration SECOND = Duration.ofSeconds(1);
  /** Never connected: setters only keep the reference. */
  private static final RedisClient CLIENT = RedisClient.create();
  private static final RedisClusterClient CLUSTER_CLIENT =
      RedisClusterClient.create(RedisURI.create("redis://localhost:7000"));

  @AfterAll
  static void shutDownClients() {
    CLIENT.shutdown();
    CLUSTER_CLIENT.shutdown();
  }

  static Stream<Arguments> setters() {
    return Stream.of(
        set("name", b -> b.name("l2"), "name"),
        set("uri", b -> b.uri("redis://user:secret@localhost:6379"), "uri"),
        set("uri(RedisURI)", b -> b.uri(RedisURI.create("redis://localhost:6379")), "uri"),
        set("client(RedisClient)", b -> b.client(CLIENT), "client"),
        set("client(RedisClusterClient)", b -> b.client(CLUSTER_CLIENT), "client"),
        set("clusterUris", b -> b.clusterUris(RedisURI.create("redis://localhost:7000")), "clusterUris"),
        set("keyPrefix", b -> b.keyPrefix("app"), "keyPrefix"),
        set("nodeId", b -> b.nodeId("n1"), "nodeId"),
        set("commandTimeout", b -> b.commandTimeout(SECOND), "commandTimeout"),
        set("failureThreshold", b -> b.failureThreshold(2), "failureThreshold"),
        set("probeInterval", b -> b.probeInterval(SECOND), "probeInterval"),
        set("startWithoutRedis", b -> b.startWithoutRedis(true), "startWithoutRedis"),
        set("compressAbove", b -> b.compressAbove(100), "compressAbove"),
        set("maxValueSize", b -> b.maxValueSize(100), "maxValueSize"),
        set("invalidationLogLength", b -> b.invalidationLogLength(100), "invalidationLogLength"),
        set("invalidationLogShards", b -> b.invalidationLogShards(2), "invalidationLogShards"),
        set("reconcileInterval", b -> b.reconcileInterval(SECOND), "reconcileInterval"),
        set("trackRedisChanges", b -> b.trackRedisChanges("prices"), "trackRedisChanges"));
  }

  private static Arguments set(String name, Consumer<RedisTier.Builder> setter, String field) {
    return Arguments.of(name, setter, field);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setters")
  void everySetterMayBeCalledOnce(String name, Consumer<RedisTier.Builder> setter, String field) {
    RedisTier.Builder builder = RedisTier.builder();
    setter.accept(builder);
    assertThatThrownBy(() -> setter.accept(builder))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(field + " was already set");
  }
}
