package dev.hotpath.cache.redis;

import static dev.hotpath.cache.redis.TestNode.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hotpath.cache.Loads;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.protocol.ProtocolVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Redis stopped under load and started again; needs the embedded server (the only one we may stop). */
@ExtendWith(RedisExtension.class)
class RedisOutageTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  /** Kept ten minutes in process and in Redis: nothing expires during a test. */
  private static final NamespaceSpec<String, String> FEED = NamespaceSpec.builder("feed", String.class, String.class)
      .ttl(TtlProfile.builder().l1(Duration.ofMinutes(10)).l2(Duration.ofMinutes(10)).build())
      .build();
  private static final UnaryOperator<RedisTier.Builder> FAST =
      b -> b.commandTimeout(Duration.ofMillis(100)).probeInterval(Duration.ofMillis(100));

  /**
   * Each worker owns its keys and writes the source before the cache, as an application does, so
   * every read has one right answer: the worker's latest value (or the source's first one). That
   * holds on the writer's node through the outage and after it, when reads go to Redis again
   * (their L1 lives 50 ms): a change the outage kept from Redis must not be read back from it.
   */
  @Test
  void callersSeeNoExceptionWhileRedisIsDownAndTheTierComesBackByItself(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    assumeTrue(redis.isRestartable(), "only a Redis this JVM started may be stopped");
    AtomicLong loads = new AtomicLong();
    Map<String, String> source = new ConcurrentHashMap<>();
    NamespaceSpec<String, String> accounts =
        NamespaceSpec.builder("accounts", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofMillis(50)).l2(Duration.ofMinutes(5)).build())
            .loader(key -> {
              loads.incrementAndGet();
              return source.getOrDefault(key, "source-" + key);
            })
            .build();
    try (TestNode a = TestNode.start(redis, prefix, FAST, accounts);
        TestNode b = TestNode.start(redis, prefix, FAST, accounts)) {
      List<Namespace<String, String>> nodes = List.of(a.cache.namespace(accounts), b.cache.namespace(accounts));
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong calls = new AtomicLong();
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      AtomicLong exceptions = new AtomicLong();
      List<Thread> workers = new ArrayList<>();
      int keysPerWorker = 30;
      for (int t = 0; t < 6; t++) {
        Namespace<String, String> ns = nodes.get(t % 2);
        String owner = "acct" + t + "-";
        workers.add(new Thread(() -> {
          int writes = 0;
          while (!stop.get()) {
            String key = owner + ThreadLocalRandom.current().nextInt(keysPerWorker);
            try {
              if (ThreadLocalRandom.current().nextInt(4) == 0) {
                String value = owner + "written-" + ++writes;
                source.put(key, value);
                ns.put(key, value);
              } else {
                assertThat(ns.get(key)).isEqualTo(source.getOrDefault(key, "source-" + key));
              }
              calls.incrementAndGet();
            } catch (Throwable e) {
              exceptions.incrementAndGet();
              thrown.compareAndSet(null, e);
            }
          }
        }));
      }
      workers.forEach(Thread::start);
      assertThat(eventually(PATIENCE, () -> calls.get() > 2_000)).isTrue();

      redis.stop();
      assertThat(eventually(PATIENCE, () -> a.tier.isCircuitOpen() && b.tier.isCircuitOpen())).isTrue();
      long duringOutage = calls.get();
      long loadsBefore = loads.get();
      assertThat(eventually(PATIENCE, () -> calls.get() > duringOutage + 5_000)).isTrue();
      // The workers' puts may keep their keys fresh in L1, so their reads may never miss; a key
      // never cached must come from the loader while Redis is down.
      assertThat(nodes.get(0).get("never-cached")).isEqualTo("source-never-cached");
      assertThat(loads.get()).as("reads went to the loader").isGreaterThan(loadsBefore);
      assertThat(a.tier.stats().rejected()).as("calls refused at once").isPositive();
      assertThat(a.tier.stats().skippedWrites()).isPositive();

      redis.start();
      assertThat(eventually(PATIENCE, () -> !a.tier.isCircuitOpen() && !b.tier.isCircuitOpen())).isTrue();
      stop.set(true);
      for (Thread w : workers) {
        w.join();
      }
      assertThat(thrown.get()).as("first exception a caller saw").isNull();
      assertThat(exceptions.get()).isZero();
      // Every key, on both nodes, reads as its latest write: nothing older survived in Redis.
      for (int t = 0; t < 6; t++) {
        for (int k = 0; k < keysPerWorker; k++) {
          String key = "acct" + t + "-" + k;
          String latest = source.getOrDefault(key, "source-" + key);
          Namespace<String, String> other = nodes.get(1 - t % 2);
          assertThat(nodes.get(t % 2).get(key)).as("%s on its writer's node", key).isEqualTo(latest);
          assertThat(eventually(PATIENCE, () -> latest.equals(other.get(key)))).as("%s on the other node", key).isTrue();
        }
      }

      // L2 is used again: A's write reaches B through Redis, not through B's loader.
      long redisHits = nodes.get(1).stats().tier("redis").hits();
      // Written again until it arrives: with 100 ms commands, one write right after the restart may
      // still be skipped (the breaker can open once more), and then B's loader fills Redis instead.
      assertThat(eventually(PATIENCE, () -> {
        nodes.get(0).put("after-recovery", "from-a");
        return "from-a".equals(nodes.get(1).get("after-recovery"));
      })).isTrue();
      assertThat(nodes.get(1).stats().tier("redis").hits()).isGreaterThan(redisHits);
      // Reconciliation runs on the bus's thread once the circuit closes.
      assertThat(eventually(PATIENCE, () -> b.tier.stats().eventsPossiblyLost() > 0))
          .as("L1 reconciled after the restart").isTrue();
    } finally {
      if (!redis.isRunning()) {
        redis.start();
      }
    }
  }

  /**
   * Redis keeps its data through the outage (a partition, or a restart from disk), so the values
   * from before it are still there when it returns. A's changes made meanwhile must reach Redis
   * and B once it does, and A must never read its own old value back from Redis: A's L1 lives
   * 50 ms, so its reads go to Redis (or the loader) all the time; B's lives 10 minutes, so only
   * an invalidation record drops B's old copy.
   */
  @Test
  void changesMadeWhileRedisIsDownReachRedisAndOtherNodesAndTheWriterNeverReadsItsOldValue(
      TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    assumeTrue(redis.isRestartable(), "only a Redis this JVM started may be stopped");
    Map<String, String> source = new ConcurrentHashMap<>(Map.of("k1", "k1-old", "k2", "k2-old"));
    NamespaceSpec<String, String> onA =
        NamespaceSpec.builder("accounts", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofMillis(50)).l2(Duration.ofMinutes(10)).build())
            .loader(source::get)
            .build();
    NamespaceSpec<String, String> onB =
        NamespaceSpec.builder("accounts", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofMinutes(10)).l2(Duration.ofMinutes(10)).build())
            .loader(source::get)
            .build();
    UnaryOperator<RedisTier.Builder> settings =
        b -> b.commandTimeout(TestNode.COMMAND_TIMEOUT).probeInterval(Duration.ofMillis(100));
    try (TestNode a = TestNode.start(redis, prefix, settings, onA);
        TestNode b = TestNode.start(redis, prefix, settings, onB);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> nsA = a.cache.namespace(onA);
      Namespace<String, String> nsB = b.cache.namespace(onB);
      assertThat(nsA.get("k1")).isEqualTo("k1-old");
      assertThat(nsA.get("k2")).isEqualTo("k2-old");
      assertThat(nsB.get("k1")).isEqualTo("k1-old");
      assertThat(nsB.get("k2")).isEqualTo("k2-old");
      Loads.awaitSettled(a.cache); // reads write back after they return
      Loads.awaitSettled(b.cache);
      assertThat(storedValue(raw, prefix, "k2")).isEqualTo("k2-old");

      redis.stopKeepingData();
      assertThat(eventually(PATIENCE, a.tier::isCircuitOpen)).isTrue();
      long skipped = a.tier.stats().skippedWrites();
      source.put("k1", "k1-new");
      nsA.invalidate("k1");
      source.put("k2", "k2-new");
      nsA.put("k2", "k2-new");
      assertThat(a.tier.stats().skippedWrites()).as("both changes skipped in Redis").isEqualTo(skipped + 2);

      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> readOnA = new AtomicReference<>();
      AtomicLong readsOnA = new AtomicLong();
      Thread reader = new Thread(() -> {
        while (!stop.get()) {
          try {
            assertThat(nsA.get("k1")).isEqualTo("k1-new");
            assertThat(nsA.get("k2")).isEqualTo("k2-new");
            readsOnA.incrementAndGet();
          } catch (Throwable e) {
            readOnA.compareAndSet(null, e);
            return;
          }
        }
      });
      reader.start();
      try {
        redis.start();
        assertThat(eventually(PATIENCE, () -> !a.tier.isCircuitOpen())).isTrue();
        // A closes its circuit only once its changes from the outage are in Redis.
        assertThat(storedValue(raw, prefix, "k1")).isIn(null, "k1-new");
        assertThat(storedValue(raw, prefix, "k2")).isIn(null, "k2-new");
        assertThat(eventually(PATIENCE, () -> "k1-new".equals(nsB.get("k1")) && "k2-new".equals(nsB.get("k2"))))
            .as("B serves the new values").isTrue();
        long readsNow = readsOnA.get();
        assertThat(eventually(PATIENCE, () -> readsOnA.get() > readsNow + 100 || readOnA.get() != null)).isTrue();
      } finally {
        stop.set(true);
        reader.join();
      }
      assertThat(readOnA.get()).as("A read its own old value").isNull();
      for (int i = 0; i < 100; i++) {
        assertThat(nsB.get("k1")).isEqualTo("k1-new");
        assertThat(nsB.get("k2")).isEqualTo("k2-new");
      }
      assertThat(storedValue(raw, prefix, "k1")).isIn(null, "k1-new");
      assertThat(storedValue(raw, prefix, "k2")).isIn(null, "k2-new");
    } finally {
      if (!redis.isRunning()) {
        redis.start();
      }
    }
  }

  /**
   * The circuit closes again while the node keeps writing, fresh keys all the time, and a change
   * made while Redis was down still reaches the other node.
   */
  @Test
  void theCircuitClosesWhileTheNodeKeepsWritingAndItsChangesStillReachTheOtherNode(
      TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    assumeTrue(redis.isRestartable(), "only a Redis this JVM started may be stopped");
    try (TestNode a = TestNode.start(redis, prefix, FAST, FEED);
        TestNode b = TestNode.start(redis, prefix, FAST, FEED)) {
      Namespace<String, String> nsA = a.cache.namespace(FEED);
      Namespace<String, String> nsB = b.cache.namespace(FEED);
      nsA.put("k", "before");
      assertThat(nsB.get("k")).as("B holds it, from Redis").isEqualTo("before");

      redis.stopKeepingData();
      assertThat(eventually(PATIENCE, a.tier::isCircuitOpen)).isTrue();
      nsA.invalidate("k"); // kept from Redis by the open circuit: resent once Redis is back

      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong writes = new AtomicLong();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      Thread writer = new Thread(() -> {
        while (!stop.get()) {
          try {
            nsA.put("w" + writes.incrementAndGet(), "x");
          } catch (Throwable e) {
            failed.compareAndSet(null, e);
            return;
          }
        }
      });
      writer.start();
      try {
        assertThat(eventually(PATIENCE, () -> writes.get() > 1_000)).isTrue();
        redis.start();
        assertThat(eventually(PATIENCE, () -> !a.tier.isCircuitOpen()))
            .as("closed while the writer goes on").isTrue();
        assertThat(writer.isAlive()).isTrue();
        assertThat(eventually(PATIENCE, () -> nsB.getIfPresent("k") == null))
            .as("B dropped its copy: the invalidation reached Redis").isTrue();
        long now = writes.get();
        assertThat(eventually(PATIENCE, () -> writes.get() > now + 1_000)).isTrue();
      } finally {
        stop.set(true);
        writer.join();
      }
      assertThat(failed.get()).as("no put failed").isNull();
      assertThat(nsB.get("k")).isNull();
      assertThat(eventually(PATIENCE, () -> a.tier.stats().unsentChanges() == 0))
          .as("what waited was resent after the circuit closed").isTrue();
    } finally {
      if (!redis.isRunning()) {
        redis.start();
      }
    }
  }

  /**
   * A change of this node lands during every resend pass (as a node writing all the time makes
   * them): the circuit still closes, after one pass, and what came in during it is resent after.
   * Before, the circuit closed only in a pass that found nothing waiting, which never came: the
   * node stayed off Redis for as long as its writes went on.
   */
  @Test
  void theCircuitClosesThoughAChangeArrivesDuringEveryResendPass(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    assumeTrue(redis.isRestartable(), "only a Redis this JVM started may be stopped");
    try (TestNode a = TestNode.start(redis, prefix, FAST, FEED)) {
      RedisLink link = a.tier.link();
      redis.stop();
      assertThat(eventually(PATIENCE, a.tier::isCircuitOpen)).isTrue();
      AtomicLong passes = new AtomicLong();
      UnsentChanges.Target busy = new UnsentChanges.Target() {
        @Override
        public String namespace() {
          return "busy";
        }

        @Override
        public void resend(java.util.Collection<String> keys, boolean wholeNamespace) {
          // A write of the node made while this pass runs, the circuit still open.
          link.unsent.rememberIf(link.breaker::isOpen, this, List.of("key-" + passes.incrementAndGet()), false);
        }
      };
      link.unsent.remember(busy, List.of("key-0"), false);

      redis.start();

      assertThat(eventually(PATIENCE, () -> !a.tier.isCircuitOpen())).as("the circuit closed").isTrue();
      assertThat(eventually(PATIENCE, () -> link.unsent.size() == 0)).as("the rest was resent after").isTrue();
      assertThat(passes.get()).isPositive();
    } finally {
      if (!redis.isRunning()) {
        redis.start();
      }
    }
  }

  /**
   * More keys change during the outage than the tier remembers (10,000): the namespace is then
   * invalidated whole on every node and in Redis once Redis answers, including keys A never
   * touched, so nothing of the changed keys' old values survives anywhere.
   */
  @Test
  void pastTheBoundTheChangedNamespaceIsInvalidatedWholeEverywhere(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    assumeTrue(redis.isRestartable(), "only a Redis this JVM started may be stopped");
    Map<String, String> source = new ConcurrentHashMap<>(Map.of("k1", "k1-old", "untouched", "u-old"));
    NamespaceSpec<String, String> accounts =
        NamespaceSpec.builder("accounts", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofMinutes(10)).l2(Duration.ofMinutes(10)).build())
            .maximumSize(20_000)
            .loader(source::get)
            .build();
    UnaryOperator<RedisTier.Builder> settings =
        b -> b.commandTimeout(TestNode.COMMAND_TIMEOUT).probeInterval(Duration.ofMillis(100));
    try (TestNode a = TestNode.start(redis, prefix, settings, accounts);
        TestNode b = TestNode.start(redis, prefix, settings, accounts);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> nsA = a.cache.namespace(accounts);
      Namespace<String, String> nsB = b.cache.namespace(accounts);
      assertThat(nsA.get("k1")).isEqualTo("k1-old");
      assertThat(nsB.get("k1")).isEqualTo("k1-old");
      assertThat(nsB.get("untouched")).isEqualTo("u-old");

      redis.stopKeepingData();
      assertThat(eventually(PATIENCE, a.tier::isCircuitOpen)).isTrue();
      source.put("k1", "k1-new");
      nsA.put("k1", "k1-new");
      for (int i = 0; i < 10_000; i++) {
        nsA.put("bulk" + i, "b" + i);
      }
      assertThat(a.tier.stats().unsentChanges()).as("one namespace, invalidated whole").isEqualTo(1);
      source.put("untouched", "u-new"); // changed at the source without telling the cache

      redis.start();
      assertThat(eventually(PATIENCE, () -> !a.tier.isCircuitOpen())).isTrue();
      assertThat(a.tier.stats().unsentChanges()).isZero();
      assertThat(storedValue(raw, prefix, "k1")).isIn(null, "k1-new");
      assertThat(storedValue(raw, prefix, "untouched")).as("cleared in Redis too").isNull();
      assertThat(eventually(PATIENCE, () -> nsB.getIfPresent("k1") == null && nsB.getIfPresent("untouched") == null))
          .as("B dropped the whole namespace").isTrue();
      assertThat(nsB.get("k1")).isEqualTo("k1-new");
      assertThat(nsB.get("untouched")).isEqualTo("u-new");
      assertThat(nsA.get("k1")).isEqualTo("k1-new");
    } finally {
      if (!redis.isRunning()) {
        redis.start();
      }
    }
  }

  /**
   * A write that fails while the circuit stays closed (here Redis refuses writes over its
   * {@code maxmemory} and still answers reads; a timeout takes the same path) leaves the old value
   * in Redis: the writer must not read the key back from Redis until its change is made there.
   */
  @Test
  void aWriteRedisRefusedIsNotReadBackFromRedisAndIsMadeThereLater(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    assumeTrue(redis.isRestartable(), "changes the server's maxmemory: only a Redis this JVM started");
    Map<String, String> source = new ConcurrentHashMap<>(Map.of("k", "old"));
    NamespaceSpec<String, String> shortL1 =
        NamespaceSpec.builder("accounts", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofMillis(1)).l2(Duration.ofMinutes(10)).build())
            .loader(source::get)
            .build();
    try (TestNode a = TestNode.start(redis, prefix, shortL1);
        TestNode b = TestNode.start(redis, prefix, shortL1);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> nsA = a.cache.namespace(shortL1);
      Namespace<String, String> nsB = b.cache.namespace(shortL1);
      assertThat(nsA.get("k")).isEqualTo("old");
      Loads.awaitSettled(a.cache);
      assertThat(storedValue(raw, prefix, "k")).isEqualTo("old");

      raw.sync().configSet("maxmemory", "1");
      try {
        source.put("k", "new");
        nsA.put("k", "new");
        assertThat(a.tier.isCircuitOpen()).as("Redis answers: an error reply is no outage").isFalse();
        assertThat(a.tier.stats().unsentChanges()).as("the refused put").isEqualTo(1);
        assertThat(storedValue(raw, prefix, "k")).as("Redis still holds the old value").isEqualTo("old");
        for (int i = 0; i < 20; i++) {
          assertThat(nsA.get("k")).isEqualTo("new");
        }
      } finally {
        raw.sync().configSet("maxmemory", "0");
      }
      assertThat(eventually(PATIENCE, () -> a.tier.stats().unsentChanges() == 0)).as("resent").isTrue();
      assertThat(storedValue(raw, prefix, "k")).isIn(null, "new");
      assertThat(nsA.get("k")).isEqualTo("new");
      assertThat(nsB.get("k")).isEqualTo("new");
    }
  }

  /**
   * A write Redis refused while answering (the circuit stays closed) is made there soon after Redis
   * accepts writes again, not only at the next reconcile, which this test puts an hour away: until
   * then other nodes would read the replaced value from Redis.
   */
  @Test
  void aWriteRefusedWithTheCircuitClosedIsResentWithoutWaitingForTheReconcile(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    assumeTrue(redis.isRestartable(), "changes the server's maxmemory: only a Redis this JVM started");
    NamespaceSpec<String, String> accounts =
        NamespaceSpec.builder("accounts", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofMinutes(10)).l2(Duration.ofMinutes(10)).build())
            .build();
    RedisTier tier = RedisTier.builder().uri(redis.uri()).keyPrefix(prefix.value())
        .commandTimeout(TestNode.COMMAND_TIMEOUT).reconcileInterval(Duration.ofHours(1)).build();
    try (TestNode a = TestNode.of(tier, accounts);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> ns = a.cache.namespace(accounts);
      ns.put("k", "old");
      assertThat(storedValue(raw, prefix, "k")).isEqualTo("old");
      raw.sync().configSet("maxmemory", "1");
      try {
        ns.put("k", "new");
        assertThat(a.tier.isCircuitOpen()).isFalse();
        assertThat(a.tier.stats().unsentChanges()).isEqualTo(1);
      } finally {
        raw.sync().configSet("maxmemory", "0");
      }
      assertThat(eventually(PATIENCE, () -> a.tier.stats().unsentChanges() == 0)).as("resent").isTrue();
      assertThat(storedValue(raw, prefix, "k")).as("the old value is gone from Redis").isNull();
    }
  }

  /** The string Redis holds for an {@code accounts} key, read past every cache (see RedisInvalidationTest). */
  private static String storedValue(RawRedis raw, RedisKeyPrefix prefix, String key) {
    byte[] stored = raw.sync().get(RawRedis.utf8(prefix.value() + "accounts:" + key));
    return stored == null ? null : new String(stored, 4, stored.length - 4, StandardCharsets.UTF_8);
  }

  /**
   * An invalidation of a namespace Redis does not store, but which asks for cross-node
   * invalidation, is recorded by the bus itself; while Redis is down it cannot be, so its key is
   * recorded once Redis answers. B's tier is built from a host's client configured for RESP2, so
   * it could not track Redis changes even if asked, and nothing else clears its L1 after the
   * restart.
   */
  @Test
  void anL1OnlyInvalidationMadeWhileRedisIsDownReachesOtherNodesAfterwards(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    assumeTrue(redis.isRestartable(), "only a Redis this JVM started may be stopped");
    NamespaceSpec<String, String> sessions =
        NamespaceSpec.builder("sessions", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofMinutes(10)).build())
            .loader(key -> "source-" + key)
            .crossNodeInvalidation()
            .build();
    RedisClient client = RedisClient.create(redis.uri());
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .protocolVersion(ProtocolVersion.RESP2)
            .build());
    try (TestNode a = TestNode.start(redis, prefix, FAST, sessions);
        TestNode b = TestNode.of(
            FAST.apply(RedisTier.builder().client(client).keyPrefix(prefix.value())
                .reconcileInterval(Duration.ofMillis(200))).build(),
            sessions)) {
      Namespace<String, String> onA = a.cache.namespace(sessions);
      Namespace<String, String> onB = b.cache.namespace(sessions);
      assertThat(onB.get("s1")).isEqualTo("source-s1");
      assertThat(onB.get("s2")).isEqualTo("source-s2");
      assertThat(b.tier.invalidationBus().counters().trackingEnabled()).as("B tracks nothing").isZero();

      redis.stop();
      assertThat(eventually(PATIENCE, () -> a.tier.isCircuitOpen())).isTrue();
      onA.invalidate("s1");
      long lostOnB = b.tier.stats().eventsPossiblyLost();
      redis.start();

      assertThat(eventually(PATIENCE, () -> onB.getIfPresent("s1") == null)).as("B dropped s1").isTrue();
      assertThat(onB.getIfPresent("s2")).as("only the key A invalidated").isEqualTo("source-s2");
      assertThat(b.tier.stats().eventsPossiblyLost()).as("not by a loss B noticed itself").isEqualTo(lostOnB);
    } finally {
      if (!redis.isRunning()) {
        redis.start();
      }
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
  @Test
  void aTierBuiltWhileRedisIsDownServesWithoutItAndConnectsWhenRedisComesBack(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    assumeTrue(redis.isRestartable(), "only a Redis this JVM started may be stopped");
    NamespaceSpec<String, String> quotes =
        NamespaceSpec.builder("quotes", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofMinutes(10)).l2(Duration.ofMinutes(10)).build())
            .loader(key -> "source-" + key)
            .build();
    redis.stop();
    try {
      assertThatThrownBy(() -> FAST.apply(RedisTier.builder().uri(redis.uri()).keyPrefix(prefix.value())).build())
          .as("by default a missing server fails the build")
          .isInstanceOf(RedisTierException.class)
          .hasMessageContaining("startWithoutRedis");
      // B polls the log only once a minute: after it connects, A's changes reach it by pub/sub or
      // client tracking, which B switched on in the background.
      RedisTier tierOnB = RedisTier.builder().uri(redis.uri()).keyPrefix(prefix.value())
          .commandTimeout(TestNode.COMMAND_TIMEOUT).probeInterval(Duration.ofMillis(100))
          .reconcileInterval(Duration.ofMinutes(1)).startWithoutRedis(true).trackRedisChanges("quotes").build();
      try (TestNode b = TestNode.of(tierOnB, quotes)) {
        Namespace<String, String> onB = b.cache.namespace(quotes);
        assertThat(b.tier.isCircuitOpen()).isTrue();
        assertThat(onB.get("EURUSD")).isEqualTo("source-EURUSD");
        onB.put("GBPUSD", "written-on-b-while-down");
        assertThat(b.tier.stats().skippedWrites()).isPositive();

        redis.start();
        assertThat(eventually(PATIENCE, () -> !b.tier.isCircuitOpen())).as("connected in the background").isTrue();
        // B's copies from the outage are dropped once it connects: it cannot know what it missed.
        assertThat(eventually(PATIENCE, () -> onB.getIfPresent("EURUSD") == null)).isTrue();
        assertThat(eventually(PATIENCE, () -> b.tier.invalidationBus().counters().trackingEnabled() > 0)).isTrue();
        try (TestNode a = TestNode.start(redis, prefix, quotes)) {
          Namespace<String, String> onA = a.cache.namespace(quotes);
          onA.put("EURUSD", "from-a");
          assertThat(onB.get("EURUSD")).as("read from Redis, B's tier now").isEqualTo("from-a");
          assertThat(onB.stats().tier("redis").hits()).isPositive();
          onA.put("EURUSD", "from-a-again");
          assertThat(eventually(PATIENCE, () -> "from-a-again".equals(onB.get("EURUSD")))).isTrue();
        }
      }
    } finally {
      if (!redis.isRunning()) {
        redis.start();
      }
    }
  }
}
