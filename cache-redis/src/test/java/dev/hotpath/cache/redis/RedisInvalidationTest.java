package dev.hotpath.cache.redis;

import static dev.hotpath.cache.redis.TestNode.PATIENCE;
import static dev.hotpath.cache.redis.TestNode.PRICES;
import static dev.hotpath.cache.redis.TestNode.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.Loads;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two cache instances ("nodes", each with its own connections and bus) on one real Redis. */
@ExtendWith(RedisExtension.class)
class RedisInvalidationTest {
  @Test
  void anL2HitIsPromotedToL1(TestRedis redis, RedisKeyPrefix prefix) {
    try (TestNode a = TestNode.start(redis, prefix, PRICES);
        TestNode b = TestNode.start(redis, prefix, PRICES)) {
      a.cache.namespace(PRICES).put("BTCUSDT", "64000.5");
      // A's change reaches B as its log record (and would again as Redis's report, were "prices"
      // tracked); else the record, still on its way, could drop B's fresh entry.
      awaitDelivered(b, 1);
      Namespace<String, String> prices = b.cache.namespace(PRICES);
      assertThat(prices.getIfPresent("BTCUSDT")).isNull();

      assertThat(prices.get("BTCUSDT")).isEqualTo("64000.5");

      assertThat(prices.getIfPresent("BTCUSDT")).isEqualTo("64000.5");
      assertThat(prices.stats().tier("redis").hits()).isEqualTo(1);
    }
  }

  @Test
  void everyWriteSetsTheTtlAndRedisExpiresTheEntry(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    NamespaceSpec<String, String> quotes =
        NamespaceSpec.builder("quotes", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofMillis(200)).l2(Duration.ofSeconds(3)).build())
            .build();
    byte[] key = RawRedis.utf8(prefix.value() + "quotes:EURUSD");
    try (TestNode a = TestNode.start(redis, prefix, quotes);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> ns = a.cache.namespace(quotes);
      ns.put("EURUSD", "1.0841");
      long pttl = raw.sync().pttl(key);
      assertThat(pttl).isBetween(1L, 3000L);
      ns.put("EURUSD", "1.0842");
      assertThat(raw.sync().pttl(key)).isBetween(1L, 3000L);

      assertThat(eventually(PATIENCE, () -> raw.sync().exists(key) == 0)).isTrue();
      assertThat(eventually(PATIENCE, () -> ns.get("EURUSD") == null)).isTrue();
    }
  }

  @Test
  void aWriteAndAnInvalidationOnOneNodeReachTheOthersL1(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    try (TestNode a = TestNode.start(redis, prefix, PRICES);
        TestNode b = TestNode.start(redis, prefix, PRICES)) {
      Namespace<String, String> onA = a.cache.namespace(PRICES);
      Namespace<String, String> onB = b.cache.namespace(PRICES);
      onA.put("ETHUSDT", "3000");
      assertThat(onB.get("ETHUSDT")).isEqualTo("3000");

      onA.put("ETHUSDT", "3001");
      assertThat(eventually(PATIENCE, () -> onB.getIfPresent("ETHUSDT") == null)).isTrue();
      assertThat(onB.get("ETHUSDT")).isEqualTo("3001");

      onA.invalidate("ETHUSDT");
      assertThat(eventually(PATIENCE, () -> onB.getIfPresent("ETHUSDT") == null)).isTrue();
      assertThat(onB.get("ETHUSDT")).isNull();

      onB.putAll(Map.of("x", "1", "y", "2"));
      onA.getAll(List.of("x", "y"));
      onB.invalidateAll();
      assertThat(eventually(PATIENCE, () -> onA.getIfPresent("x") == null && onA.getIfPresent("y") == null)).isTrue();
      assertThat(onA.getAll(List.of("x", "y"))).isEmpty();
    }
  }

  @Test
  void writersAndReadersOnBothNodesEndWithBothL1sAgreeingWithRedis(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    try (TestNode a = TestNode.start(redis, prefix, PRICES);
        TestNode b = TestNode.start(redis, prefix, PRICES);
        RawRedis raw = new RawRedis(redis.uri())) {
      List<Namespace<String, String>> nodes = List.of(a.cache.namespace(PRICES), b.cache.namespace(PRICES));
      int keys = 40;
      AtomicReference<Throwable> failure = new AtomicReference<>();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger writes = new AtomicInteger();
      List<Thread> threads = new ArrayList<>();
      CountDownLatch start = new CountDownLatch(1);
      for (int n = 0; n < nodes.size(); n++) {
        Namespace<String, String> ns = nodes.get(n);
        int node = n;
        // Two writers per node, each owning half the keys, so every key has a writer on each node;
        // same-key writers on one node would race L1 against Redis inside cache-core (see report).
        for (int w = 0; w < 2; w++) {
          int half = w;
          threads.add(worker(start, stop, failure, () -> {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            String key = "k" + (r.nextInt(keys / 2) * 2 + half);
            if (r.nextInt(5) == 0) {
              ns.invalidate(key);
            } else {
              ns.put(key, "n" + node + "-" + writes.incrementAndGet());
            }
          }));
        }
        for (int rd = 0; rd < 3; rd++) {
          threads.add(worker(start, stop, failure, () -> ns.get("k" + ThreadLocalRandom.current().nextInt(keys))));
        }
      }
      threads.forEach(Thread::start);
      start.countDown();
      Thread.sleep(3000);
      eventually(Duration.ofSeconds(60), () -> writes.get() > 100); // a loaded machine may need longer
      stop.set(true);
      for (Thread t : threads) {
        t.join();
      }
      assertThat(failure.get()).isNull();
      assertThat(writes.get()).isGreaterThan(100);

      // Quiet now: every L1 entry must settle to what Redis holds.
      boolean agreed =
          eventually(
              PATIENCE,
              () -> {
                for (int k = 0; k < keys; k++) {
                  String key = "k" + k;
                  String inRedis = redisValue(raw, prefix, key);
                  for (Namespace<String, String> ns : nodes) {
                    String local = ns.getIfPresent(key);
                    if (local != null && !local.equals(inRedis)) {
                      return false;
                    }
                  }
                }
                return true;
              });
      assertThat(agreed).isTrue();
    }
  }

  @Test
  void aNodeWhoseChannelIsKilledWhileInvalidationsAreSentEndsConsistent(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    try (TestNode a = TestNode.start(redis, prefix, PRICES);
        TestNode b = TestNode.start(redis, prefix, PRICES);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> onA = a.cache.namespace(PRICES);
      Namespace<String, String> onB = b.cache.namespace(PRICES);
      int keys = 50;
      for (int k = 0; k < keys; k++) {
        onA.put("k" + k, "v0");
      }
      for (int k = 0; k < keys; k++) {
        assertThat(onB.get("k" + k)).isEqualTo("v0");
      }
      AtomicBoolean stop = new AtomicBoolean();
      Thread killer =
          new Thread(
              () -> {
                while (!stop.get()) {
                  raw.sync().clientKill(KillArgs.Builder.typePubsub());
                  try {
                    Thread.sleep(15);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
      killer.start();
      for (int round = 1; round <= 20; round++) {
        for (int k = 0; k < keys; k++) {
          onA.put("k" + k, "v" + round);
        }
        for (int k = 0; k < keys; k += 7) {
          onB.get("k" + k); // B keeps refilling its L1 while its channel comes and goes
        }
        Thread.sleep(25); // spread the rounds over many kills
      }
      stop.set(true);
      killer.join();

      assertThat(eventually(PATIENCE, () -> {
        for (int k = 0; k < keys; k++) {
          String local = onB.getIfPresent("k" + k);
          if (local != null && !local.equals("v20")) {
            return false;
          }
        }
        return true;
      })).isTrue();
      for (int k = 0; k < keys; k++) {
        assertThat(onB.get("k" + k)).isEqualTo("v20");
      }
    }
  }

  @Test
  void aLogTrimmedPastANodeClearsItsL1(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    try (TestNode a = TestNode.start(redis, prefix, b -> b.invalidationLogLength(1).commandTimeout(TestNode.COMMAND_TIMEOUT), PRICES);
        TestNode b = TestNode.start(redis, prefix, PRICES);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> onB = holdsAsPut(a, b);
      assertThat(onB.getIfPresent("k")).isEqualTo("v1");
      // Simulate a long disconnect: B's position falls behind a log that was trimmed meanwhile.
      byte[] log = logKey(prefix, "log");
      byte[] seq = logKey(prefix, "seq");
      long before = b.tier.stats().eventsPossiblyLost();
      raw.sync().del(log);
      raw.sync().incrby(seq, 1000);
      raw.sync().xadd(log, Map.of(RawRedis.utf8("q"), RawRedis.utf8("999999")));

      assertCountedLostAndClearedL1(b, onB, before);
    }
  }

  /**
   * A refresh-ahead that read the source before another node's put of the key does not land over
   * that put in Redis. B's refresh reads the source's older value; A then changes the source and
   * puts the new value while B's bus is held, so B has not heard of the put when its refresh
   * writes back. That write-back was a put: Redis took the older value and B's record made A drop
   * the new one, so every node read the older value until it expired. Now it is refused, as a
   * fill after a change is, and records nothing.
   */
  @Test
  void aRefreshThatReadTheSourceBeforeAnotherNodesPutDoesNotOverwriteIt(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    Map<String, String> source = new java.util.concurrent.ConcurrentHashMap<>(Map.of("k", "v0"));
    AtomicReference<CountDownLatch> gate = new AtomicReference<>();
    CountDownLatch refreshRead = new CountDownLatch(1);
    NamespaceSpec<String, String> refreshing = NamespaceSpec.builder("quotes", String.class, String.class)
        .ttl(TtlProfile.builder().l1(TestNode.LONG).l2(TestNode.LONG).refreshAfter(Duration.ofMillis(100)).build())
        .loader(key -> {
          String value = source.get(key);
          CountDownLatch held = gate.get();
          if (held != null) {
            refreshRead.countDown();
            held.await();
          }
          return value;
        })
        .build();
    NamespaceSpec<String, String> plain = NamespaceSpec.builder("quotes", String.class, String.class)
        .ttl(TtlProfile.builder().l1(TestNode.LONG).l2(TestNode.LONG).build())
        .build();
    try (TestNode a = TestNode.start(redis, prefix, plain);
        TestNode b = TestNode.start(redis, prefix, refreshing)) {
      Namespace<String, String> onA = a.cache.namespace(plain);
      Namespace<String, String> onB = b.cache.namespace(refreshing);
      assertThat(onB.get("k")).isEqualTo("v0");
      Loads.awaitSettled(b.cache);

      CountDownLatch blocked = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      b.cache.addInvalidationListener(event -> {
        if (event.keys().equals(List.of("block"))) {
          blocked.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      });
      try {
        onA.put("block", "x");
        assertThat(blocked.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("B's bus held").isTrue();
        source.put("k", "v1");
        gate.set(new CountDownLatch(1));
        assertThat(eventually(PATIENCE, () -> {
          onB.get("k"); // past refreshAfter, a read starts the refresh
          return refreshRead.getCount() == 0;
        })).as("B's refresh read the source").isTrue();
        source.put("k", "v2");
        onA.put("k", "v2");
        gate.get().countDown();
        Loads.awaitSettled(b.cache); // the refresh and its write-back are done

        try (TestNode c = TestNode.start(redis, prefix, plain)) {
          assertThat(c.cache.namespace(plain).get("k")).as("what Redis holds").isEqualTo("v2");
        }
      } finally {
        release.countDown();
      }
      assertThat(eventually(PATIENCE, () -> "v2".equals(onB.get("k")))).as("B hears of A's put").isTrue();
      assertThat(onA.get("k")).isEqualTo("v2");
    }
  }

  /**
   * A record B cannot read (a newer node's format during a rolling upgrade, a damaged entry) is a
   * change B missed: it clears what it holds of the namespaces shared across nodes rather than
   * skip the record and keep a copy the record may have changed.
   */
  @Test
  void anUnreadableRecordInTheLogClearsL1(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    try (TestNode a = TestNode.start(redis, prefix, PRICES);
        TestNode b = TestNode.start(redis, prefix, PRICES);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> onB = holdsAsPut(a, b);
      byte[] log = logKey(prefix, "log");
      byte[] seq = logKey(prefix, "seq");
      long before = b.tier.stats().eventsPossiblyLost();
      // The next record by number, as the write script appends it, but with a body no node reads.
      long next = raw.sync().incr(seq);
      raw.sync().xadd(log, Map.of(RawRedis.utf8("q"), RawRedis.utf8(Long.toString(next)),
          RawRedis.utf8("e"), new byte[] {(byte) 0xff, 0x13, 0x37}));

      assertCountedLostAndClearedL1(b, onB, before);
    }
  }

  /**
   * The same, for a record that arrives on the channel: B's position must not move past it. B
   * reconciles only every ten minutes, so the channel is what tells it.
   */
  @Test
  void anUnreadableRecordOnTheChannelClearsL1(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    RedisTier slowReconcile = RedisTier.builder().uri(redis.uri()).keyPrefix(prefix.value())
        .reconcileInterval(Duration.ofMinutes(10)).commandTimeout(TestNode.COMMAND_TIMEOUT).build();
    try (TestNode a = TestNode.start(redis, prefix, PRICES);
        TestNode b = TestNode.of(slowReconcile, PRICES);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> onB = holdsAsPut(a, b);
      long before = b.tier.stats().eventsPossiblyLost();
      // Appended and published as the write script does, with a body no node reads.
      String script = String.join("\n",
          "local seq = redis.call('INCR', KEYS[1])",
          "local id = redis.call('XADD', KEYS[2], '*', 'q', seq, 'e', ARGV[1])",
          "redis.call('PUBLISH', ARGV[2], '0 ' .. seq .. ' ' .. id .. ' ' .. ARGV[1])",
          "return seq");
      raw.sync().eval(script, io.lettuce.core.ScriptOutputType.INTEGER,
          new byte[][] {logKey(prefix, "seq"), logKey(prefix, "log")},
          new byte[] {(byte) 0xff, 0x13, 0x37}, RawRedis.utf8(prefix.value() + "__inv"));

      assertCountedLostAndClearedL1(b, onB, before);
    }
  }

  /**
   * The log is replaced by one whose newest record carries the very stream id of the record B read
   * last, as when it is deleted and written again within the same millisecond: the id says
   * "nothing new", only the record's number tells the log apart. (The trimmed-log test above
   * replaces the log the same way and, once in a few hundred runs, lands in the same millisecond.)
   */
  @Test
  void aLogReplacedUnderTheSameStreamIdClearsL1(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    try (TestNode a = TestNode.start(redis, prefix, PRICES);
        TestNode b = TestNode.start(redis, prefix, PRICES);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> onB = holdsAsPut(a, b);
      byte[] log = logKey(prefix, "log");
      byte[] seq = logKey(prefix, "seq");
      String lastRead = raw.sync().xrange(log, io.lettuce.core.Range.create("-", "+")).get(0).getId();
      long before = b.tier.stats().eventsPossiblyLost();
      raw.sync().del(log);
      raw.sync().incrby(seq, 1000);
      raw.sync().xadd(log, new io.lettuce.core.XAddArgs().id(lastRead),
          Map.of(RawRedis.utf8("q"), RawRedis.utf8("1001")));

      assertCountedLostAndClearedL1(b, onB, before);
    }
  }

  /**
   * A namespace kept in process costs Redis nothing per change (it cost an EVALSHA running INCR,
   * XADD and PUBLISH), and other nodes keep their copies; one that asks for cross-node
   * invalidation costs one EVALSHA per change, and other nodes drop their copies.
   */
  @Test
  void anL1OnlyNamespaceCostsRedisNothingUnlessItAsksToCrossNodes(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    NamespaceSpec<String, String> local =
        NamespaceSpec.builder("local", String.class, String.class).ttl(TtlProfile.builder().l1(TestNode.LONG).build())
            .loader(key -> "source-" + key).build();
    NamespaceSpec<String, String> asked =
        NamespaceSpec.builder("asked", String.class, String.class).ttl(TtlProfile.builder().l1(TestNode.LONG).build())
            .loader(key -> "source-" + key).crossNodeInvalidation().build();
    try (TestNode a = TestNode.start(redis, prefix, local, asked);
        TestNode b = TestNode.start(redis, prefix, local, asked);
        RawRedis raw = new RawRedis(redis.uri())) {
      assertThat(b.cache.namespace(local).get("k0")).isEqualTo("source-k0");
      assertThat(b.cache.namespace(asked).get("k0")).isEqualTo("source-k0");
      Map<String, Long> before = scriptCalls(raw);
      for (int i = 0; i < 100; i++) {
        a.cache.namespace(local).put("k" + i, "v");
        a.cache.namespace(local).invalidate("k" + i);
      }
      Map<String, Long> afterLocal = scriptCalls(raw);
      assertThat(afterLocal).as("no Redis command for 200 changes of an L1-only namespace").isEqualTo(before);

      for (int i = 0; i < 100; i++) {
        a.cache.namespace(asked).put("k" + i, "v");
      }
      // The bus records them without waiting for Redis: count once all have arrived.
      assertThat(eventually(PATIENCE, () -> scriptCalls(raw).get("evalsha") - afterLocal.get("evalsha") >= 100))
          .isTrue();
      Map<String, Long> afterAsked = scriptCalls(raw);
      assertThat(afterAsked.get("evalsha") - afterLocal.get("evalsha")).as("one script per change").isEqualTo(100);
      for (String command : List.of("evalsha", "incr", "xadd", "publish")) {
        assertThat(afterAsked.get(command) - before.get(command)).as("%s calls since the first put", command).isEqualTo(100);
      }
      assertThat(eventually(PATIENCE, () -> b.cache.namespace(asked).getIfPresent("k0") == null)).isTrue();
      assertThat(b.cache.namespace(local).getIfPresent("k0")).as("not told: kept in process only").isEqualTo("source-k0");
    }
  }

  /**
   * A listener that blocks holds B's bus thread, never a publisher. While it does, A's changes and
   * B's own fill B's inbox (8 items) and the rest are dropped: the channel messages A's changes
   * sent are read from the log afterwards, so B ends with none of the old values and without
   * clearing anything else (no loss); B's own events of an L1-only namespace are replaced by one
   * whole-namespace event of B's origin, which B ignores.
   */
  @Test
  void aBlockedListenerBlocksNoPublisherAndAnOverflowedInboxIsMadeUpFromTheLog(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    NamespaceSpec<String, String> local =
        NamespaceSpec.builder("local", String.class, String.class).ttl(TtlProfile.builder().l1(TestNode.LONG).build())
            .build();
    try (TestNode a = TestNode.start(redis, prefix, PRICES);
        TestNode b = TestNode.start(redis, prefix, s -> s.busInboxCapacity(8).commandTimeout(TestNode.COMMAND_TIMEOUT),
            PRICES, local)) {
      Namespace<String, String> onA = a.cache.namespace(PRICES);
      Namespace<String, String> onB = b.cache.namespace(PRICES);
      for (int k = 0; k < 100; k++) {
        onA.put("k" + k, "old");
      }
      awaitDelivered(b, 100);
      for (int k = 0; k < 100; k++) {
        assertThat(onB.get("k" + k)).isEqualTo("old");
      }
      onB.put("unchanged", "kept");
      b.cache.namespace(local).put("mine", "kept");
      CountDownLatch blocked = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      List<dev.hotpath.cache.InvalidationEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      b.cache.addInvalidationListener(event -> {
        seen.add(event);
        if (event.keys().equals(List.of("block"))) {
          blocked.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      });
      long lostBefore = b.tier.stats().eventsPossiblyLost();
      try {
        onA.put("block", "x");
        assertThat(blocked.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        Thread writers = new Thread(() -> {
          for (int k = 0; k < 100; k++) {
            onA.put("k" + k, "new");
            b.cache.namespace(local).put("mine", "v" + k);
          }
        });
        writers.start();
        writers.join(PATIENCE.toMillis());
        assertThat(writers.isAlive()).as("a publisher waited for the blocked listener").isFalse();
        assertThat(b.tier.invalidationBus().counters().inboxDropped()).isPositive();
      } finally {
        release.countDown();
      }

      assertThat(eventually(PATIENCE, () -> {
        for (int k = 0; k < 100; k++) {
          if (onB.getIfPresent("k" + k) != null) {
            return false;
          }
        }
        return true;
      })).as("B dropped every old value").isTrue();
      for (int k = 0; k < 100; k++) {
        assertThat(onB.get("k" + k)).isEqualTo("new");
      }
      assertThat(eventually(PATIENCE, () -> seen.contains(dev.hotpath.cache.InvalidationEvent.ofNamespace("local", b.cache.nodeId()))))
          .as("B's dropped local events, replaced").isTrue();
      assertThat(b.cache.namespace(local).getIfPresent("mine")).as("B's own copy").isEqualTo("v99");
      assertThat(onB.getIfPresent("unchanged")).isEqualTo("kept");
      assertThat(b.tier.stats().eventsPossiblyLost()).as("the log covered every dropped message").isEqualTo(lostBefore);
    }
  }

  /** Calls of the commands a change costs, from {@code INFO commandstats} (scripts' commands included). */
  private static Map<String, Long> scriptCalls(RawRedis raw) {
    Map<String, Long> calls = new java.util.TreeMap<>(Map.of("evalsha", 0L, "eval", 0L, "incr", 0L, "xadd", 0L, "publish", 0L));
    for (String line : raw.sync().info("commandstats").split("\\r?\\n")) {
      for (String command : List.copyOf(calls.keySet())) {
        String head = "cmdstat_" + command + ":calls=";
        if (line.startsWith(head)) {
          calls.put(command, Long.parseLong(line.substring(head.length(), line.indexOf(',', head.length()))));
        }
      }
    }
    return calls;
  }

  /**
   * Without a namespace whose changes by other programs Redis reports, a dropped channel
   * connection costs no in-process entry: the bus resubscribes and reads what it missed from the
   * log. (It used to clear every namespace of every node whose connection dropped.)
   */
  @Test
  void aDroppedChannelConnectionClearsNothingTheLogCovered(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    NamespaceSpec<String, String> local =
        NamespaceSpec.builder("local", String.class, String.class).ttl(TtlProfile.builder().l1(TestNode.LONG).build())
            .loader(key -> "source-" + key).build();
    NamespaceSpec<String, String> prices =
        NamespaceSpec.builder("prices", String.class, String.class)
            .ttl(TtlProfile.builder().l1(TestNode.LONG).l2(TestNode.LONG).build())
            .loader(key -> "source-" + key).build();
    try (TestNode a = TestNode.start(redis, prefix, prices, local);
        TestNode b = TestNode.start(redis, prefix, prices, local);
        RawRedis raw = new RawRedis(redis.uri())) {
      for (TestNode node : List.of(a, b)) {
        for (int k = 0; k < 50; k++) {
          node.cache.namespace(prices).get("k" + k);
          node.cache.namespace(local).get("k" + k);
        }
      }
      assertThat(b.cache.namespace(prices).get("probe")).isEqualTo("source-probe");
      long lostOnA = a.tier.stats().eventsPossiblyLost();
      long lostOnB = b.tier.stats().eventsPossiblyLost();
      long deliveredOnA = a.tier.invalidationBus().counters().delivered();
      List<String> before = subscribedClients(raw);
      assertThat(before).hasSize(2);

      raw.sync().clientKill(KillArgs.Builder.typePubsub());
      assertThat(eventually(PATIENCE, () -> {
        List<String> now = subscribedClients(raw);
        return now.size() == 2 && java.util.Collections.disjoint(now, before);
      })).as("both buses resubscribed").isTrue();
      // A change made now reaches both buses through the log after the catch-up each resubscription
      // asked for (the bus thread runs them in that order), which is where a loss would be noticed.
      // A's bus delivers it twice: from A's publish and from the log.
      a.cache.namespace(prices).put("probe", "v");
      assertThat(eventually(PATIENCE, () -> b.cache.namespace(prices).getIfPresent("probe") == null)).isTrue();
      assertThat(eventually(PATIENCE, () -> a.tier.invalidationBus().counters().delivered() >= deliveredOnA + 2))
          .isTrue();

      for (TestNode node : List.of(a, b)) {
        assertThat(RedisTrackingTest.cached(node, prices)).as("prices on %s", node.cache.nodeId()).isEqualTo(50);
        assertThat(RedisTrackingTest.cached(node, local)).as("local on %s", node.cache.nodeId()).isEqualTo(50);
      }
      assertThat(a.tier.stats().eventsPossiblyLost()).isEqualTo(lostOnA);
      assertThat(b.tier.stats().eventsPossiblyLost()).isEqualTo(lostOnB);
    }
  }

  /** The ids of the connections subscribed to a channel. */
  private static List<String> subscribedClients(RawRedis raw) {
    return raw.sync().clientList().lines()
        .filter(line -> line.contains(" sub=1 "))
        .map(line -> line.substring(0, line.indexOf(' ')))
        .toList();
  }

  /**
   * The value Redis holds, read past every cache: cache-core's payload is a 4-byte header (magic,
   * format, flags, codec version) and, for strings, their UTF-8 bytes.
   */
  private static String redisValue(RawRedis raw, RedisKeyPrefix prefix, String key) {
    byte[] stored = raw.sync().get(RawRedis.utf8(prefix.value() + "prices:" + key));
    if (stored == null) {
      return null;
    }
    assertThat(stored[0]).isEqualTo((byte) 0xB7);
    return new String(stored, 4, stored.length - 4, java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void aValueRedisRefusesDropsTheOldValueFromRedisAndOtherNodes(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    try (TestNode a = TestNode.start(redis, prefix, s -> s.maxValueSize(100).commandTimeout(TestNode.COMMAND_TIMEOUT), PRICES);
        TestNode b = TestNode.start(redis, prefix, s -> s.maxValueSize(100).commandTimeout(TestNode.COMMAND_TIMEOUT), PRICES);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> onA = a.cache.namespace(PRICES);
      Namespace<String, String> onB = b.cache.namespace(PRICES);
      onA.put("put", "v0");
      onA.put("putAll", "v0");
      // Each put reaches B as its log record; wait for both, so neither drops B's copy below.
      awaitDelivered(b, 2);
      assertThat(onB.get("put")).isEqualTo("v0");
      assertThat(onB.get("putAll")).isEqualTo("v0");
      assertThat(onB.getIfPresent("put")).isEqualTo("v0");

      onA.put("put", "x".repeat(1000));

      assertThat(eventually(PATIENCE, () -> onB.getIfPresent("put") == null)).as("B's L1 dropped v0").isTrue();
      assertThat(raw.sync().exists(RawRedis.utf8(prefix.value() + "prices:put"))).isZero();
      assertThat(onB.get("put")).isNull();

      assertThat(onB.getIfPresent("putAll")).isEqualTo("v0");
      onA.putAll(Map.of("putAll", "x".repeat(1000), "small", "v1"));

      assertThat(eventually(PATIENCE, () -> onB.getIfPresent("putAll") == null)).as("B's L1 dropped v0").isTrue();
      assertThat(raw.sync().exists(RawRedis.utf8(prefix.value() + "prices:putAll"))).isZero();
      assertThat(onB.get("small")).as("the storable entry was written").isEqualTo("v1");
    }
  }

  @Test
  void aChannelConnectionMadeWhileTheBusClosesIsClosedToo(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    CountDownLatch connecting = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    AtomicReference<StatefulRedisPubSubConnection<?, ?>> made = new AtomicReference<>();
    ClientResources resources = DefaultClientResources.create();
    // Holds the bus's first channel connection back until the test closed the bus.
    RedisClient client =
        new RedisClient(resources, redis.uri()) {
          @Override
          public <K, V> StatefulRedisPubSubConnection<K, V> connectPubSub(RedisCodec<K, V> codec) {
            connecting.countDown();
            try {
              proceed.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            StatefulRedisPubSubConnection<K, V> c = super.connectPubSub(codec);
            made.set(c);
            return c;
          }
        };
    try {
      RedisTier tier =
          RedisTier.builder()
              .client(client)
              .keyPrefix(prefix.value())
              .commandTimeout(Duration.ofMillis(200))
              .reconcileInterval(Duration.ofMillis(200))
              .build();
      try {
        assertThat(connecting.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        tier.invalidationBus().close();
        proceed.countDown();

        assertThat(eventually(PATIENCE, () -> made.get() != null)).isTrue();
        assertThat(eventually(PATIENCE, () -> !made.get().isOpen())).as("channel connection closed").isTrue();
      } finally {
        proceed.countDown();
        tier.close();
      }
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  /** Waits until {@code node}'s bus handed {@code events} events from the log or Redis's reports to its cache. */
  /**
   * A puts "k" = v1; once B has been handed its record, B reads it from Redis and holds it in
   * process. Returns B's namespace.
   */
  private static Namespace<String, String> holdsAsPut(TestNode a, TestNode b) {
    Namespace<String, String> onB = b.cache.namespace(PRICES);
    a.cache.namespace(PRICES).put("k", "v1");
    awaitDelivered(b, 1); // the log record: a read before it could be undone by it
    assertThat(onB.get("k")).isEqualTo("v1");
    return onB;
  }

  /** The Redis key of log shard 0's {@code part} ("log", "seq") under the test's prefix. */
  private static byte[] logKey(RedisKeyPrefix prefix, String part) {
    return RawRedis.utf8(prefix.value() + "__inv:" + part);
  }

  private static void awaitDelivered(TestNode node, long events) {
    try {
      assertThat(eventually(PATIENCE, () -> node.tier.invalidationBus().counters().delivered() >= events)).isTrue();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static Thread worker(
      CountDownLatch start, AtomicBoolean stop, AtomicReference<Throwable> failure, Runnable step) {
    return new Thread(
        () -> {
          try {
            start.await();
            while (!stop.get()) {
              step.run();
            }
          } catch (InterruptedException e) {
            // done
          } catch (Throwable t) {
            failure.compareAndSet(null, t);
          }
        });
  }

  /** B counted events possibly lost (past {@code before}) and so dropped what it held of k. */
  private static void assertCountedLostAndClearedL1(TestNode b, Namespace<String, String> onB, long before)
      throws InterruptedException {
    assertThat(eventually(PATIENCE, () -> b.tier.stats().eventsPossiblyLost() > before)).isTrue();
    assertThat(onB.getIfPresent("k")).isNull();
  }
}
