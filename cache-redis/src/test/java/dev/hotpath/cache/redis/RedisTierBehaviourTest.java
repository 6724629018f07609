package dev.hotpath.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hotpath.cache.InvalidationEvent;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisExtension.class)
class RedisTierBehaviourTest {
  private static final NamespaceSpec<String, String> SYMBOLS =
      NamespaceSpec.builder("symbols", String.class, String.class)
          .ttl(TtlProfile.builder().l1(Duration.ofMinutes(5)).l2(Duration.ofMinutes(5)).build())
          .build();

  @Test
  void foreignBytesUnderAKeyAreAMissAndCounted(TestRedis redis, RedisKeyPrefix prefix) {
    try (TestNode a = TestNode.start(redis, prefix, SYMBOLS);
        RawRedis raw = new RawRedis(redis.uri())) {
      raw.sync().set(RawRedis.utf8(prefix.value() + "symbols:BTCUSDT"), RawRedis.utf8("{\"tick\":0.01}"));
      raw.sync().set(RawRedis.utf8(prefix.value() + "symbols:ETHUSDT"), new byte[] {(byte) 0xC7, 0, 0, 0, 9, 1, 2});

      Namespace<String, String> ns = a.cache.namespace(SYMBOLS);
      assertThat(ns.get("BTCUSDT")).isNull();
      assertThat(ns.getAll(List.of("ETHUSDT"))).isEmpty();

      assertThat(ns.stats().tier("redis").decodeFailures()).isEqualTo(2);
      assertThat(ns.stats().tier("redis").hits()).isZero();
    }
  }

  @Test
  void aValueOverTheLimitIsRefusedWithAClearErrorAndNotStored(TestRedis redis, RedisKeyPrefix prefix) {
    try (TestNode a = TestNode.start(redis, prefix, b -> b.maxValueSize(100).commandTimeout(TestNode.COMMAND_TIMEOUT), SYMBOLS);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> ns = a.cache.namespace(SYMBOLS);
      ns.put("big", "x".repeat(1000));
      ns.put("small", "x");

      assertThat(raw.sync().exists(RawRedis.utf8(prefix.value() + "symbols:big"))).isZero();
      assertThat(raw.sync().exists(RawRedis.utf8(prefix.value() + "symbols:small"))).isOne();
      assertThat(ns.stats().tier("redis").errors()).isEqualTo(1);
    }
    assertThatThrownBy(() -> new ValueEnvelope(0, 100).wrap("symbols", "big", new byte[101]))
        .isInstanceOf(ValueTooLargeException.class)
        .hasMessage("namespace 'symbols': value for key 'big' is 101 bytes encoded, over the Redis tier's "
            + "maxValueSize of 100 bytes; not stored in Redis");
  }

  @Test
  void compressionRoundTripsAndLeavesIncompressibleValuesAlone() {
    ValueEnvelope envelope = new ValueEnvelope(64, 1 << 20);
    byte[] text = ("{\"symbol\":\"BTCUSDT\",\"tick\":0.01}".repeat(50)).getBytes();
    byte[] stored = envelope.wrap("ns", "k", text);
    assertThat(stored.length).isLessThan(text.length / 4);
    assertThat(envelope.unwrap(stored)).isEqualTo(text);
    byte[] noise = new byte[4096];
    new Random(1).nextBytes(noise);
    noise[0] = (byte) 0xB7;
    assertThat(envelope.wrap("ns", "k", noise)).isSameAs(noise);
    stored[stored.length - 1] ^= 0x55;
    assertThat(envelope.unwrap(stored)).isNull();
  }

  @Test
  void invalidationRecordsCarryAwkwardKeysIntact() {
    List<String> keys = List.of("a b", "a\nb", "ключ", "😀", "", "7:x", "{tag}", "a\u0000b");
    InvalidationEvent event = InvalidationEvent.ofKeys("prices", keys, "node 1");
    assertThat(InvalidationRecord.decode(InvalidationRecord.encode(event), 0)).isEqualTo(event);
    InvalidationEvent whole = InvalidationEvent.ofNamespace("prices", "n");
    assertThat(InvalidationRecord.decode(InvalidationRecord.encode(whole), 0)).isEqualTo(whole);
    assertThatThrownBy(() -> InvalidationRecord.decode("H17:x".getBytes(), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aclUserAndPasswordWorkAndThePasswordIsNeverShown(TestRedis redis, RedisKeyPrefix prefix) {
    assumeTrue(redis.isRestartable(), "creates an ACL user: only on a server this JVM started");
    String user = "hp-test-" + ProcessHandle.current().pid();
    String password = "s3cr3t-" + System.nanoTime();
    try (RawRedis raw = new RawRedis(redis.uri())) {
      raw.sync().aclSetuser(user, io.lettuce.core.AclSetuserArgs.Builder.on().addPassword(password).allKeys()
          .allChannels().allCommands());
      RedisURI uri = RedisURI.builder(redis.uri()).withAuthentication(user, password.toCharArray()).build();
      RedisTier.Builder builder =
          RedisTier.builder().uri(uri).keyPrefix(prefix.value()).commandTimeout(TestNode.COMMAND_TIMEOUT);
      try (TestNode node = TestNode.of(builder.build(), SYMBOLS)) {
        node.cache.namespace(SYMBOLS).put("k", "v");
        assertThat(raw.sync().exists(RawRedis.utf8(prefix.value() + "symbols:k"))).isOne();
        assertThat(node.tier.toString()).doesNotContain(password);
        assertThat(node.tier.stats().toString()).doesNotContain(password);
        assertThat(node.tier.invalidationBus().toString()).doesNotContain(password);
        assertThat(builder.toString()).doesNotContain(password);
      }
      assertThatThrownBy(() -> RedisTier.builder().uri("redis://u:" + password + "@[::1"))
          .hasMessageNotContaining(password);
    } finally {
      try (RawRedis raw = new RawRedis(redis.uri())) {
        raw.sync().aclDeluser(user);
      }
    }
  }

  @Test
  void aServerThatDoesNotAnswerAtBuildIsNamedInTheErrorWithoutThePassword() throws Exception {
    int closedPort;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    String password = "s3cr3t-" + System.nanoTime();
    assertThatThrownBy(() -> RedisTier.builder().uri("redis://:" + password + "@127.0.0.1:" + closedPort).build())
        .isInstanceOf(RedisTierException.class)
        .hasMessageContaining("could not start the Redis tier on redis://127.0.0.1:" + closedPort)
        .hasCauseInstanceOf(io.lettuce.core.RedisConnectionException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(password));
  }

  @Test
  void aServerThatRefusesTheLoginFailsTheBuildEvenWhenItMayStartWithoutRedis(TestRedis redis, RedisKeyPrefix prefix) {
    assumeTrue(redis.isRestartable(), "creates an ACL user: only on a server this JVM started");
    String user = "hp-" + prefix.value().replace(":", "");
    String password = "right-" + System.nanoTime();
    String wrong = "wrong-" + System.nanoTime();
    try (RawRedis raw = new RawRedis(redis.uri())) {
      raw.sync().aclSetuser(user, io.lettuce.core.AclSetuserArgs.Builder.on().addPassword(password).allKeys()
          .allChannels().allCommands());
      RedisURI uri = RedisURI.builder(redis.uri()).withAuthentication(user, wrong.toCharArray()).build();
      assertThatThrownBy(() -> RedisTier.builder().uri(uri).keyPrefix(prefix.value()).startWithoutRedis(true).build())
          .isInstanceOf(RedisTierException.class)
          .hasMessageContaining("could not start the Redis tier")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong).doesNotContain("startWithoutRedis"));
    } finally {
      try (RawRedis raw = new RawRedis(redis.uri())) {
        raw.sync().aclDeluser(user);
      }
    }
  }

  @Test
  void theBuilderRejectsBadSettingsNamingTheField() {
    assertThatThrownBy(() -> RedisTier.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no Redis source");
    assertThatThrownBy(() -> RedisTier.builder().keyPrefix("a b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keyPrefix")
        .hasMessageContaining("'a b'");
    assertThatThrownBy(() -> RedisTier.builder().keyPrefix("{x}")).hasMessageContaining("keyPrefix");
    assertThatThrownBy(() -> RedisTier.builder().commandTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("commandTimeout must be positive but was PT0S");
    assertThatThrownBy(() -> RedisTier.builder().maxValueSize(-1))
        .hasMessage("maxValueSize must be positive but was -1");
    assertThatThrownBy(() -> RedisTier.builder().failureThreshold(3).failureThreshold(4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("failureThreshold was already set");
    assertThatThrownBy(() -> RedisTier.builder().uri("redis://localhost").invalidationLogShards(8).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("invalidationLogShards");
    assertThatThrownBy(() -> RedisTier.builder().uri("redis://a").clusterUris(RedisURI.create("redis://b")).build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> RedisTier.builder().uri((String) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("uri");
    assertThatThrownBy(() -> RedisTier.builder().clusterUris(RedisURI.create("redis://b")).trackRedisChanges("prices").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("trackRedisChanges applies to standalone and Sentinel only but was set to [prices] for a cluster source");
    assertThatThrownBy(() -> RedisTier.builder().trackRedisChanges())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("trackRedisChanges must name at least one namespace but was empty");
    assertThatThrownBy(() -> RedisTier.builder().trackRedisChanges("prices", "a:b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a:b'");
  }
}
