package dev.hotpath.cache.redis;

import static dev.hotpath.cache.redis.TestNode.LONG;
import static dev.hotpath.cache.redis.TestNode.PATIENCE;
import static dev.hotpath.cache.redis.TestNode.PRICES;
import static dev.hotpath.cache.redis.TestNode.eventually;
import static dev.hotpath.cache.redis.TestNode.tier;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.InvalidationEvent;
import dev.hotpath.cache.InvalidationListener;
import dev.hotpath.cache.Loads;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TestContexts;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.TierValue;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Fills: stored without an invalidation record, and never over a change another node made after the read. */
@ExtendWith(RedisExtension.class)
class RedisFillTest {
  private static NamespaceStore<String, String> open(RedisTier tier, String node) {
    return tier.open(TestContexts.of(PRICES, LONG, node));
  }

  @Test
  void aFillStoresTheValueWithoutRecordingOrPublishingAnything(TestRedis redis, RedisKeyPrefix prefix) {
    try (RedisTier tier = tier(redis, prefix);
        RawRedis raw = new RawRedis(redis.uri())) {
      NamespaceStore<String, String> store = open(tier, "node-a");
      store.put("seen", TierValue.of("1"), LONG);
      byte[] seq = RawRedis.utf8(prefix.value() + "__inv:seq");
      byte[] log = RawRedis.utf8(prefix.value() + "__inv:log");
      String seqBefore = new String(raw.sync().get(seq), StandardCharsets.US_ASCII);
      long logBefore = raw.sync().xlen(log);

      store.fill("loaded", TierValue.of("from-source"), LONG);
      store.fillAll(Map.of("x", TierValue.of("1"), "y", TierValue.of("2")), LONG);

      assertThat(store.get("loaded")).isEqualTo(TierValue.of("from-source"));
      assertThat(store.getAll(List.of("x", "y"))).hasSize(2);
      assertThat(new String(raw.sync().get(seq), StandardCharsets.US_ASCII)).isEqualTo(seqBefore);
      assertThat(raw.sync().xlen(log)).isEqualTo(logBefore);
      long pttl = raw.sync().pttl(RawRedis.utf8(prefix.value() + "prices:loaded"));
      assertThat(pttl).isBetween(1L, LONG.toMillis());
    }
  }

  @Test
  void aFillNeverReplacesAValue(TestRedis redis, RedisKeyPrefix prefix) {
    try (RedisTier tier = tier(redis, prefix);
        RawRedis raw = new RawRedis(redis.uri())) {
      NamespaceStore<String, String> store = open(tier, "node-a");
      store.put("k", TierValue.of("put"), LONG);
      raw.sync().set(RawRedis.utf8(prefix.value() + "prices:foreign"), RawRedis.utf8("another program's"));

      store.fillAll(Map.of("k", TierValue.of("older"), "foreign", TierValue.of("ours")), LONG);

      assertThat(store.get("k")).isEqualTo(TierValue.of("put"));
      assertThat(raw.sync().get(RawRedis.utf8(prefix.value() + "prices:foreign")))
          .isEqualTo(RawRedis.utf8("another program's"));
      assertThat(tier.stats().skippedFills()).isEqualTo(2);
    }
  }

  /**
   * The cross-node race, made deterministic: node A read "k" before node B invalidated it, and A's
   * fill reaches Redis while A's bus is still delivering B's record (held in a listener). The fill
   * of "k" is refused; a fill of a key B did not touch goes through.
   */
  @Test
  void aFillIsRefusedWhileAnInvalidationOfItsKeyIsNotYetDeliveredToTheFillingNode(
      TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    try (RedisTier a = tier(redis, prefix);
        RedisTier b = tier(redis, prefix)) {
      NamespaceStore<String, String> onA = open(a, "node-a");
      NamespaceStore<String, String> onB = open(b, "node-b");
      CountDownLatch delivering = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      a.invalidationBus().subscribe(new InvalidationListener() {
        @Override
        public void onInvalidation(InvalidationEvent event) {
          if (event.origin().equals("node-b") && event.keys().contains("k")) {
            delivering.countDown();
            try {
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }
      });
      onB.invalidate("k");
      assertThat(delivering.await(20, TimeUnit.SECONDS)).isTrue();

      onA.fill("k", TierValue.of("read-before-the-change"), LONG);
      onA.fill("other", TierValue.of("untouched"), LONG);

      assertThat(onA.get("k")).isNull();
      assertThat(onA.get("other")).isEqualTo(TierValue.of("untouched"));
      assertThat(a.stats().skippedFills()).isEqualTo(1);

      release.countDown();
      // Delivered now: a fill of "k" is safe again (A's cache would have dropped what it read).
      assertThat(eventually(PATIENCE, () -> {
        onA.fill("k", TierValue.of("read-after-the-change"), LONG);
        return onA.get("k") != null;
      })).isTrue();
      assertThat(onA.get("k")).isEqualTo(TierValue.of("read-after-the-change"));
    }
  }

  @Test
  void aWholeNamespaceInvalidationNotYetDeliveredRefusesEveryFillOfTheNamespace(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    try (RedisTier a = tier(redis, prefix);
        RedisTier b = tier(redis, prefix)) {
      NamespaceStore<String, String> onA = open(a, "node-a");
      CountDownLatch delivering = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      a.invalidationBus().subscribe(event -> {
        if (event.origin().equals("node-b") && event.isWholeNamespace()) {
          delivering.countDown();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      });
      open(b, "node-b").clear();
      assertThat(delivering.await(20, TimeUnit.SECONDS)).isTrue();

      onA.fillAll(Map.of("x", TierValue.of("1"), "y", TierValue.of("2")), LONG);

      assertThat(onA.getAll(List.of("x", "y"))).isEmpty();
      release.countDown();
    }
  }

  /**
   * Stress: node B changes the source and then invalidates, over and over; node A reads through a
   * slow loader, so its loads often straddle B's changes. Once both stop, whatever Redis holds must
   * be the source's current value: a fill of a value read before B's last change must not survive.
   */
  @Test
  void fillsRacingAnotherNodesInvalidationsNeverLeaveAStaleValueInRedis(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    int keys = 64;
    Map<String, String> source = new ConcurrentHashMap<>();
    for (int k = 0; k < keys; k++) {
      source.put("k" + k, "v0");
    }
    AtomicInteger loads = new AtomicInteger();
    AtomicInteger loading = new AtomicInteger();
    NamespaceSpec<String, String> reading =
        NamespaceSpec.builder("prices", String.class, String.class)
            .ttl(TtlProfile.builder().l1(LONG).l2(LONG).build())
            .loader(key -> {
              loads.incrementAndGet();
              loading.incrementAndGet();
              try {
                String value = source.get(key);
                // Widen the window between reading the source and the fill.
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(3_000_000));
                return value;
              } finally {
                loading.decrementAndGet();
              }
            })
            .build();
    try (TestNode a = TestNode.start(redis, prefix, reading);
        TestNode b = TestNode.start(redis, prefix, PRICES);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> onA = a.cache.namespace(reading);
      Namespace<String, String> onB = b.cache.namespace(PRICES);
      // A's bus hands each event over a little late, as on a busy node: the window between B's
      // change in Redis and A learning of it is where a fill of an older read could land.
      a.tier.invalidationBus().subscribe(event -> LockSupport.parkNanos(200_000));
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      AtomicInteger changes = new AtomicInteger();
      List<Thread> threads = new ArrayList<>();
      // Rounds over every key, so that every key's last change (the one the end state shows) is raced.
      threads.add(new Thread(() -> run(stop, failure, () -> {
        for (int k = 0; k < keys && !stop.get(); k++) {
          String key = "k" + k;
          source.put(key, "v" + changes.incrementAndGet()); // the source first, then the cache
          onB.invalidate(key);
          LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(300_000));
        }
      })));
      for (int r = 0; r < 4; r++) {
        threads.add(new Thread(() -> run(stop, failure, () -> onA.get("k" + ThreadLocalRandom.current().nextInt(keys)))));
      }
      threads.forEach(Thread::start);
      // At least 4 s of racing, longer if a loaded machine has not produced enough races by then.
      Thread.sleep(4000);
      eventually(Duration.ofSeconds(60), () -> changes.get() > 200 && loads.get() > 200);
      stop.set(true);
      for (Thread t : threads) {
        t.join();
      }
      assertThat(failure.get()).isNull();
      assertThat(changes.get()).isGreaterThan(200);
      assertThat(loads.get()).isGreaterThan(200);

      // Loads still in flight finish, and cache-core may undo a fill its stamps caught; what stays
      // is permanent (TTL 10 minutes), so a stale value fails this however long it waits.
      assertThat(eventually(PATIENCE, () -> loading.get() == 0)).isTrue();
      Loads.awaitSettled(a.cache); // and the fills their reads left to make
      List<String> stale = new ArrayList<>();
      boolean agreed = eventually(PATIENCE, () -> {
        stale.clear();
        for (int k = 0; k < keys; k++) {
          String inRedis = redisValue(raw, prefix, "k" + k);
          if (inRedis != null && !inRedis.equals(source.get("k" + k))) {
            stale.add("k" + k + "=" + inRedis + " (source " + source.get("k" + k) + ")");
          }
        }
        return stale.isEmpty();
      });
      assertThat(stale).isEmpty();
      assertThat(agreed).isTrue();
    }
  }

  private static void run(AtomicBoolean stop, AtomicReference<Throwable> failure, Runnable step) {
    try {
      while (!stop.get()) {
        step.run();
      }
    } catch (Throwable t) {
      failure.compareAndSet(null, t);
    }
  }

  /** cache-core's payload: a 4-byte header, then (for strings) the UTF-8 bytes. */
  private static String redisValue(RawRedis raw, RedisKeyPrefix prefix, String key) {
    byte[] stored = raw.sync().get(RawRedis.utf8(prefix.value() + "prices:" + key));
    return stored == null ? null : new String(stored, 4, stored.length - 4, StandardCharsets.UTF_8);
  }
}
