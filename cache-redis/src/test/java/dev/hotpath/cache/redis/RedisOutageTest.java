package dev.hotpath.cache.redis;

import static dev.hotpath.cache.redis.TestNode.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.protocol.ProtocolVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
  private static final UnaryOperator<RedisTier.Builder> FAST =
      b -> b.commandTimeout(Duration.ofMillis(100)).probeInterval(Duration.ofMillis(100));

  @Test
  void callersSeeNoExceptionWhileRedisIsDownAndTheTierComesBackByItself(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    assumeTrue(redis.isRestartable(), "only a Redis this JVM started may be stopped");
    AtomicLong loads = new AtomicLong();
    NamespaceSpec<String, String> accounts =
        NamespaceSpec.builder("accounts", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofMillis(50)).l2(Duration.ofMinutes(5)).build())
            .loader(key -> {
              loads.incrementAndGet();
              return "source-" + key;
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
      for (int t = 0; t < 6; t++) {
        Namespace<String, String> ns = nodes.get(t % 2);
        workers.add(new Thread(() -> {
          while (!stop.get()) {
            String key = "acct" + ThreadLocalRandom.current().nextInt(200);
            try {
              if (ThreadLocalRandom.current().nextInt(4) == 0) {
                ns.put(key, "written");
              } else {
                assertThat(ns.get(key)).isIn("written", "source-" + key);
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
      // The workers' puts keep all 200 keys fresh in L1, so their reads may never miss; a key never
      // cached must come from the loader while Redis is down.
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
   * An invalidation of a namespace Redis does not store is recorded by the bus itself; while Redis
   * is down it cannot be, so the namespace is invalidated whole once Redis answers. B's tier is
   * built from a host's client configured for RESP2, so it cannot track Redis changes and nothing
   * else clears its L1 after the restart.
   */
  @Test
  void anL1OnlyInvalidationMadeWhileRedisIsDownReachesOtherNodesAfterwards(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    assumeTrue(redis.isRestartable(), "only a Redis this JVM started may be stopped");
    NamespaceSpec<String, String> sessions =
        NamespaceSpec.builder("sessions", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofMinutes(10)).build())
            .loader(key -> "source-" + key)
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
      assertThat(onB.getIfPresent("s2")).as("the whole namespace").isNull();
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
          .reconcileInterval(Duration.ofMinutes(1)).startWithoutRedis(true).build();
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
