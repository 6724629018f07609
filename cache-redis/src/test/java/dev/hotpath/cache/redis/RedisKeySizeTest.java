package dev.hotpath.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.InvalidationEvent;
import dev.hotpath.cache.KeyTooLargeException;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import io.lettuce.core.StreamMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keys cannot be used to fill Redis: a key over the namespace's maxKeySize never reaches it, and
 * the invalidation log holds at most {@link InvalidationRecord#MAX_KEY_BYTES} of keys per record,
 * however many or long the keys of one change.
 */
@ExtendWith(RedisExtension.class)
@Timeout(120)
class RedisKeySizeTest {
  private static final int MEGABYTE = 1 << 20;

  private static byte[] logKey(RedisKeyPrefix prefix) {
    return RawRedis.utf8(prefix.value() + "__inv:log");
  }

  private static long usedMemory(RawRedis raw) {
    for (String line : raw.sync().info("memory").split("\r?\n")) {
      if (line.startsWith("used_memory:")) {
        return Long.parseLong(line.substring("used_memory:".length()).trim());
      }
    }
    throw new AssertionError("no used_memory in INFO memory");
  }

  /** The records in the log after {@code skip}, as their stored bytes. */
  private static List<byte[]> records(RawRedis raw, RedisKeyPrefix prefix, long skip) {
    List<byte[]> records = new ArrayList<>();
    List<StreamMessage<byte[], byte[]>> all = raw.sync().xrange(logKey(prefix), io.lettuce.core.Range.create("-", "+"));
    for (StreamMessage<byte[], byte[]> m : all.subList((int) skip, all.size())) {
      for (Map.Entry<byte[], byte[]> field : m.getBody().entrySet()) {
        if (new String(field.getKey()).equals("e")) {
          records.add(field.getValue());
        }
      }
    }
    return records;
  }

  @Test
  void megabyteKeysAreRefusedBeforeRedisAndRedisDoesNotGrow(TestRedis redis, RedisKeyPrefix prefix) {
    try (TestNode node = TestNode.start(redis, prefix, TestNode.PRICES);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> ns = node.cache.namespace(TestNode.PRICES);
      ns.put("warm-up", "v"); // the scripts are loaded, the log exists
      long logBefore = raw.sync().xlen(logKey(prefix));
      long usedBefore = usedMemory(raw);
      for (int i = 0; i < 20; i++) {
        String key = i + "k".repeat(MEGABYTE - 2);
        List<ThrowingCallable> calls = List.of(
            () -> ns.put(key, "v"),
            () -> ns.putAll(Map.of(key, "v")),
            () -> ns.get(key),
            () -> ns.getAll(List.of(key)),
            () -> ns.invalidate(key),
            () -> ns.invalidateAll(List.of("warm-up", key)));
        for (ThrowingCallable call : calls) {
          assertThatThrownBy(call)
              .isInstanceOf(KeyTooLargeException.class)
              .hasMessageContaining("namespace 'prices': key '" + i + "kkk")
              .hasMessageContaining("over maxKeySize of 2048 bytes");
        }
      }
      assertThat(raw.sync().xlen(logKey(prefix))).as("records in the log").isEqualTo(logBefore);
      // Before the check, 20 such keys grew Redis by about 50 MB; a margin for the server's own churn.
      assertThat(usedMemory(raw) - usedBefore).as("growth of used_memory in bytes").isLessThan(MEGABYTE);
      assertThat(ns.stats().tier("redis").errors()).as("refusals are not tier errors").isZero();
      assertThat(ns.get("warm-up")).isEqualTo("v");
    }
  }

  @Test
  void aChangeOfManyKeysIsRecordedInBoundedRecordsAndOtherNodesStillDropThem(TestRedis redis, RedisKeyPrefix prefix)
      throws InterruptedException {
    try (TestNode a = TestNode.start(redis, prefix, TestNode.PRICES);
        TestNode b = TestNode.start(redis, prefix, TestNode.PRICES);
        RawRedis raw = new RawRedis(redis.uri())) {
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        keys.add(String.format("%04d", i) + "x".repeat(2000)); // ~1.2 MB of keys, each under the limit
      }
      Namespace<String, String> onA = a.cache.namespace(TestNode.PRICES);
      Namespace<String, String> onB = b.cache.namespace(TestNode.PRICES);
      onB.put(keys.get(599), "old");
      long logBefore = raw.sync().xlen(logKey(prefix));
      onA.invalidateAll(keys);

      List<byte[]> records = records(raw, prefix, logBefore);
      assertThat(records).as("records").hasSizeGreaterThan(keys.size() * 2000 / InvalidationRecord.MAX_KEY_BYTES);
      List<String> recorded = new ArrayList<>();
      for (byte[] record : records) {
        assertThat(record.length).isLessThanOrEqualTo(InvalidationRecord.MAX_KEY_BYTES + 2048);
        InvalidationEvent event = InvalidationRecord.decode(record, 0);
        assertThat(event.namespace()).isEqualTo(TestNode.PRICES.name());
        assertThat(event.isWholeNamespace()).isFalse();
        assertThat(event.keys()).isNotEmpty().hasSizeLessThanOrEqualTo(256);
        recorded.addAll(event.keys());
      }
      assertThat(recorded).as("the keys the records name, each once").containsExactlyInAnyOrderElementsOf(keys);
      assertThat(TestNode.eventually(TestNode.PATIENCE, () -> onB.getIfPresent(keys.get(599)) == null))
          .as("b dropped its copy of the last key").isTrue();
    }
  }

  @Test
  void aKeyLongerThanARecordHoldsIsRecordedAsItsWholeNamespace(TestRedis redis, RedisKeyPrefix prefix)
      throws InterruptedException {
    NamespaceSpec<String, String> longKeys = NamespaceSpec.builder("documents", String.class, String.class)
        .ttl(TtlProfile.builder().l1(TestNode.LONG).l2(TestNode.LONG).build())
        .maxKeySize(64 * 1024)
        .build();
    String key = "d".repeat(20 * 1024);
    try (TestNode a = TestNode.start(redis, prefix, longKeys);
        TestNode b = TestNode.start(redis, prefix, longKeys);
        RawRedis raw = new RawRedis(redis.uri())) {
      b.cache.namespace(longKeys).put(key, "old");
      long logBefore = raw.sync().xlen(logKey(prefix));
      a.cache.namespace(longKeys).put(key, "new");

      List<byte[]> records = records(raw, prefix, logBefore);
      assertThat(records).hasSize(1);
      assertThat(records.get(0).length).as("record bytes").isLessThan(256);
      assertThat(InvalidationRecord.decode(records.get(0), 0).isWholeNamespace()).isTrue();
      assertThat(TestNode.eventually(TestNode.PATIENCE, () -> b.cache.namespace(longKeys).getIfPresent(key) == null))
          .as("b dropped its copy").isTrue();
      assertThat(b.cache.namespace(longKeys).get(key)).isEqualTo("new");
    }
  }

  @Test
  void eventsOfNamespacesNotInRedisAreSplitIntoBoundedRecordsToo(TestRedis redis, RedisKeyPrefix prefix)
      throws InterruptedException {
    // Kept in process, but other nodes are told: the bus itself records these changes.
    NamespaceSpec<String, String> told = NamespaceSpec.builder("sessions", String.class, String.class)
        .ttl(TtlProfile.builder().l1(TestNode.LONG).build())
        .crossNodeInvalidation()
        .build();
    try (TestNode a = TestNode.start(redis, prefix, told);
        RawRedis raw = new RawRedis(redis.uri())) {
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        keys.add("session-" + i + "-" + "s".repeat(100));
      }
      a.cache.namespace(told).put("warm-up", "v");
      assertThat(TestNode.eventually(TestNode.PATIENCE, () -> raw.sync().xlen(logKey(prefix)) == 1)).isTrue();
      a.cache.namespace(told).invalidateAll(keys);
      // ~110 KB of keys: at least 7 records of at most 16 KiB, and at least 4 of at most 256 keys.
      assertThat(TestNode.eventually(TestNode.PATIENCE, () -> raw.sync().xlen(logKey(prefix)) >= 8)).isTrue();
      List<byte[]> records = records(raw, prefix, 1);
      int named = 0;
      for (byte[] record : records) {
        assertThat(record.length).isLessThanOrEqualTo(InvalidationRecord.MAX_KEY_BYTES + 2048);
        named += InvalidationRecord.decode(record, 0).keys().size();
      }
      assertThat(named).as("keys named by the records").isEqualTo(keys.size());
    }
  }
}
