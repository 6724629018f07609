package dev.hotpath.cache.redis;

import static dev.hotpath.cache.redis.TestNode.LONG;
import static dev.hotpath.cache.redis.TestNode.PATIENCE;
import static dev.hotpath.cache.redis.TestNode.PRICES;
import static dev.hotpath.cache.redis.TestNode.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hotpath.cache.Loads;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisURI;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Changes made in Redis by other programs reach the nodes' L1 (client tracking, standalone), for
 * the namespaces that ask for it ({@code RedisTier.Builder#trackRedisChanges}).
 */
@ExtendWith(RedisExtension.class)
class RedisTrackingTest {
  @Test
  void aDelSetOrExpiryByAnotherProgramDropsTheKeyFromL1(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    try (TestNode node = TestNode.start(redis, prefix, TestNode.tracking("prices"), PRICES);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> ns = node.cache.namespace(PRICES);
      ns.put("deleted", "v");
      ns.put("overwritten", "v");
      ns.put("expiring", "v");
      ns.put("kept", "v");

      raw.sync().del(key(prefix, "deleted"));
      assertThat(eventually(PATIENCE, () -> ns.getIfPresent("deleted") == null)).isTrue();

      raw.sync().set(key(prefix, "overwritten"), RawRedis.utf8("another program's"));
      assertThat(eventually(PATIENCE, () -> ns.getIfPresent("overwritten") == null)).isTrue();

      raw.sync().pexpire(key(prefix, "expiring"), 50);
      assertThat(eventually(PATIENCE, () -> ns.getIfPresent("expiring") == null)).isTrue();
      // Reported twice: the PEXPIRE (a change of the key), then the expiry itself.
      assertThat(eventually(PATIENCE, () -> raw.sync().exists(key(prefix, "expiring")) == 0)).isTrue();

      assertThat(ns.getIfPresent("kept")).isEqualTo("v");
      // At least one report per key (the PEXPIRE and the expiry are reported each).
      assertThat(node.tier.stats().keysChangedInRedis()).isGreaterThanOrEqualTo(3);
    }
  }

  @Test
  void theNodesOwnWritesAreNotReportedBackToIt(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    NamespaceSpec<String, String> loaded =
        NamespaceSpec.builder("loaded", String.class, String.class)
            .ttl(TtlProfile.builder().l1(LONG).l2(LONG).build())
            .loader(key -> "source-" + key)
            .build();
    try (TestNode node = TestNode.start(redis, prefix, TestNode.tracking("prices", "loaded"), PRICES, loaded);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> ns = node.cache.namespace(PRICES);
      Map<String, String> bulk = new HashMap<>();
      for (int i = 0; i < 300; i++) {
        ns.put("k" + i, "v" + i);
        bulk.put("b" + i, "v" + i);
        if (i % 10 == 0) {
          ns.invalidate("k" + i);
        }
        node.cache.namespace(loaded).get("l" + i); // a load and its fill
      }
      ns.putAll(bulk);
      ns.put("probe", "v");
      Loads.awaitSettled(node.cache); // the loads' fills are made after their reads return

      // Another program's change, after all of ours: once it is in, ours would have been too.
      raw.sync().del(key(prefix, "probe"));
      assertThat(eventually(PATIENCE, () -> ns.getIfPresent("probe") == null)).isTrue();

      assertThat(node.tier.stats().keysChangedInRedis()).isEqualTo(1);
      assertThat(ns.getIfPresent("k1")).isEqualTo("v1");
      assertThat(ns.getIfPresent("b299")).isEqualTo("v299");
      assertThat(node.cache.namespace(loaded).getIfPresent("l7")).isEqualTo("source-l7");
    }
  }

  @Test
  void anotherNodesWriteIsReportedButANodeKeepsItsOwnFreshValue(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    try (TestNode a = TestNode.start(redis, prefix, TestNode.tracking("prices"), PRICES);
        TestNode b = TestNode.start(redis, prefix, TestNode.tracking("prices"), PRICES)) {
      Namespace<String, String> onA = a.cache.namespace(PRICES);
      Namespace<String, String> onB = b.cache.namespace(PRICES);
      onB.put("k", "old");
      assertThat(onA.get("k")).isEqualTo("old");

      onB.put("k", "new");

      assertThat(eventually(PATIENCE, () -> a.tier.stats().keysChangedInRedis() >= 1)).isTrue();
      assertThat(eventually(PATIENCE, () -> onA.getIfPresent("k") == null)).isTrue();
      assertThat(onA.get("k")).isEqualTo("new");
      assertThat(onB.getIfPresent("k")).isEqualTo("new");
      assertThat(b.tier.stats().keysChangedInRedis()).isZero();
    }
  }

  @Test
  void aFlushClearsL1(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    assumeTrue(redis.isRestartable(), "flushes a database: only on a server this JVM started");
    RedisURI db9 = RedisURI.builder(redis.uri()).withDatabase(9).build();
    try (TestNode node = TestNode.of(
            RedisTier.builder().uri(db9).keyPrefix(prefix.value()).reconcileInterval(Duration.ofMillis(200))
                .commandTimeout(TestNode.COMMAND_TIMEOUT).trackRedisChanges("prices").build(),
            PRICES);
        RawRedis raw = new RawRedis(db9)) {
      Namespace<String, String> ns = node.cache.namespace(PRICES);
      ns.put("k", "v");
      long before = node.tier.stats().eventsPossiblyLost();

      raw.sync().flushdb();

      assertThat(eventually(PATIENCE, () -> node.tier.stats().eventsPossiblyLost() > before)).isTrue();
      assertThat(ns.getIfPresent("k")).isNull();
    }
  }

  @Test
  void trackingIsSwitchedOnAgainAfterEitherConnectionReconnects(TestRedis redis, RedisKeyPrefix prefix)
      throws Exception {
    try (TestNode node = TestNode.start(redis, prefix, TestNode.tracking("prices"), PRICES);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> ns = node.cache.namespace(PRICES);
      RedisInvalidationBus bus = node.tier.invalidationBus();
      assertThat(bus.counters().trackingEnabled()).isEqualTo(1);
      long lostBefore = node.tier.stats().eventsPossiblyLost();

      raw.sync().clientKill(KillArgs.Builder.typePubsub());
      assertThat(eventually(PATIENCE, () -> bus.counters().trackingEnabled() == 2)).isTrue();
      // Counted when the reconcile that switched tracking on ends, a round trip later.
      assertThat(eventually(PATIENCE, () -> node.tier.stats().eventsPossiblyLost() > lostBefore)).isTrue();
      assertDeleteReachesL1(ns, raw, prefix, "after-channel-reconnect");

      long tracking = trackingClientId(raw);
      raw.sync().clientKill(KillArgs.Builder.id(tracking));
      assertThat(eventually(PATIENCE, () -> bus.counters().trackingEnabled() == 3)).isTrue();
      assertThat(trackingClientId(raw)).isNotEqualTo(tracking);
      assertDeleteReachesL1(ns, raw, prefix, "after-command-reconnect");
    }
  }

  /**
   * The channel connection reconnects between the bus's CLIENT ID and its CLIENT TRACKING, so Redis
   * refuses the redirect to the old id; that must not switch tracking off for good. The race is
   * forced: the bus thread is held while the command connection is replaced (tracking must be
   * switched on again) and blocked by a BLPOP, so the bus's CLIENT GETREDIR waits behind it; the
   * channel is killed once the bus asked for its id.
   */
  @Test
  void aStaleRedirectIdIsRetriedNotTakenAsARefusal(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    try (TestNode node = TestNode.start(redis, prefix, TestNode.tracking("prices"), PRICES);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> ns = node.cache.namespace(PRICES);
      RedisInvalidationBus bus = node.tier.invalidationBus();
      assertThat(bus.counters().trackingEnabled()).isEqualTo(1);
      RedisLink link = field(bus, "link", RedisLink.class);
      @SuppressWarnings("unchecked")
      StatefulRedisPubSubConnection<byte[], byte[]> channel = field(bus, "pubSub", StatefulRedisPubSubConnection.class);
      String tracking = trackingClient(raw);
      long channelId = Long.parseLong(field(tracking, "redir"));

      CountDownLatch held = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      link.background.execute(() -> {
        held.countDown();
        try {
          release.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      try {
        assertThat(held.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        raw.sync().clientKill(KillArgs.Builder.id(Long.parseLong(field(tracking, "id"))));
        assertThat(eventually(PATIENCE, () -> answers(link))).as("command connection back").isTrue();
        byte[] blocker = RawRedis.utf8(prefix.value() + "blocker");
        link.commands().blpop(5, blocker);
        assertThat(eventually(PATIENCE, () -> client(raw, "cmd=blpop") != null)).isTrue();
        channel.async().ping().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(clientById(raw, channelId)).contains("cmd=ping");

        release.countDown();
        // The bus asked the channel for its id; its CLIENT GETREDIR now waits behind the BLPOP.
        assertThat(eventually(PATIENCE, () -> clientById(raw, channelId).contains("cmd=client"))).isTrue();
        raw.sync().clientKill(KillArgs.Builder.id(channelId));
        raw.sync().lpush(blocker, RawRedis.utf8("go"));
      } finally {
        release.countDown();
      }

      assertThat(eventually(PATIENCE, () -> bus.counters().trackingEnabled() == 2)).as("tracking on again").isTrue();
      assertDeleteReachesL1(ns, raw, prefix, "after-stale-redirect");
      raw.sync().del(RawRedis.utf8(prefix.value() + "blocker"));
    }
  }

  /**
   * A dropped channel connection leaves changes made in Redis meanwhile unreported for the tracked
   * namespace only: each node clears that namespace, and keeps the namespace whose changes all go
   * through the log (which covered the gap) and the one kept in process.
   */
  @Test
  void aDroppedChannelConnectionClearsOnlyTheTrackedNamespace(TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    NamespaceSpec<String, String> quotes = loading("quotes", TtlProfile.builder().l1(LONG).l2(LONG).build());
    NamespaceSpec<String, String> prices = loading("prices", TtlProfile.builder().l1(LONG).l2(LONG).build());
    NamespaceSpec<String, String> local = loading("local", TtlProfile.builder().l1(LONG).build());
    List<NamespaceSpec<String, String>> all = List.of(quotes, prices, local);
    try (TestNode a = TestNode.start(redis, prefix, TestNode.tracking("quotes"), quotes, prices, local);
        TestNode b = TestNode.start(redis, prefix, TestNode.tracking("quotes"), quotes, prices, local);
        RawRedis raw = new RawRedis(redis.uri())) {
      for (NamespaceSpec<String, String> spec : all) {
        for (int k = 0; k < 50; k++) {
          a.cache.namespace(spec).get("k" + k);
        }
      }
      // A's fills of quotes are reported to B; let them land before B caches anything.
      assertThat(eventually(PATIENCE, () -> b.tier.stats().keysChangedInRedis() >= 50)).isTrue();
      for (NamespaceSpec<String, String> spec : all) {
        for (int k = 0; k < 50; k++) {
          b.cache.namespace(spec).get("k" + k);
        }
      }
      for (TestNode node : List.of(a, b)) {
        for (NamespaceSpec<String, String> spec : all) {
          assertThat(cached(node, spec)).as("%s on %s", spec.name(), node.cache.nodeId()).isEqualTo(50);
        }
      }
      long lostOnA = a.tier.stats().eventsPossiblyLost();
      long lostOnB = b.tier.stats().eventsPossiblyLost();

      raw.sync().clientKill(KillArgs.Builder.typePubsub());

      assertThat(eventually(PATIENCE, () -> a.tier.stats().eventsPossiblyLost() > lostOnA
          && b.tier.stats().eventsPossiblyLost() > lostOnB)).isTrue();
      for (TestNode node : List.of(a, b)) {
        assertThat(node.tier.invalidationBus().counters().trackingEnabled()).isEqualTo(2);
        assertThat(cached(node, quotes)).as("quotes on %s", node.cache.nodeId()).isZero();
        assertThat(cached(node, prices)).as("prices on %s", node.cache.nodeId()).isEqualTo(50);
        assertThat(cached(node, local)).as("local on %s", node.cache.nodeId()).isEqualTo(50);
      }
    }
  }

  private static NamespaceSpec<String, String> loading(String name, TtlProfile ttl) {
    return NamespaceSpec.builder(name, String.class, String.class).ttl(ttl).loader(key -> "source-" + key).build();
  }

  /** How many of the keys k0..k49 the node holds in process. */
  static int cached(TestNode node, NamespaceSpec<String, String> spec) {
    int present = 0;
    for (int k = 0; k < 50; k++) {
      present += node.cache.namespace(spec).getIfPresent("k" + k) != null ? 1 : 0;
    }
    return present;
  }

  @Test
  void onlyPermanentRefusalsSwitchTrackingOffForGood() {
    assertThat(RedisInvalidationBus.refusesTrackingForGood("ERR unknown subcommand 'TRACKING'. Try CLIENT HELP.")).isTrue();
    assertThat(RedisInvalidationBus.refusesTrackingForGood(
        "ERR Unknown subcommand or wrong number of arguments for 'tracking'. Try CLIENT HELP")).isTrue();
    assertThat(RedisInvalidationBus.refusesTrackingForGood("ERR unknown command 'CLIENT'")).isTrue();
    assertThat(RedisInvalidationBus.refusesTrackingForGood(
        "NOPERM User app has no permissions to run the 'client|tracking' command")).isTrue();
    assertThat(RedisInvalidationBus.refusesTrackingForGood("ERR Command not allowed in this context")).isTrue();

    assertThat(RedisInvalidationBus.refusesTrackingForGood("ERR The client ID you want redirect to does not exist"))
        .isFalse();
    assertThat(RedisInvalidationBus.refusesTrackingForGood("LOADING Redis is loading the dataset in memory")).isFalse();
    assertThat(RedisInvalidationBus.refusesTrackingForGood("BUSY Redis is busy running a script.")).isFalse();
    assertThat(RedisInvalidationBus.refusesTrackingForGood(
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")).isFalse();
  }

  private static boolean answers(RedisLink link) {
    try {
      link.commands().ping().get(1, TimeUnit.SECONDS);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /** The CLIENT LIST line containing {@code marker}, or null. */
  private static String client(RawRedis raw, String marker) {
    return raw.sync().clientList().lines().filter(line -> line.contains(marker)).findFirst().orElse(null);
  }

  private static String clientById(RawRedis raw, long id) {
    return raw.sync().clientList().lines().filter(line -> line.startsWith("id=" + id + " ")).findFirst().orElse("");
  }

  /** The one connection with client tracking on (flag 't' in CLIENT LIST). */
  private static String trackingClient(RawRedis raw) {
    List<String> tracking = raw.sync().clientList().lines()
        .filter(line -> line.matches(".*\\bflags=\\S*t\\S*\\b.*"))
        .toList();
    assertThat(tracking).hasSize(1);
    return tracking.get(0);
  }

  /** A field of a CLIENT LIST line. */
  private static String field(String clientLine, String name) {
    int at = clientLine.indexOf(" " + name + "=") + name.length() + 2;
    if (clientLine.startsWith(name + "=")) {
      at = name.length() + 1;
    }
    int end = clientLine.indexOf(' ', at);
    return clientLine.substring(at, end < 0 ? clientLine.length() : end);
  }

  /** A private field of the bus: the test steers its threads and connections. */
  private static <T> T field(Object owner, String name, Class<T> type) throws ReflectiveOperationException {
    Field f = owner.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return type.cast(f.get(owner));
  }

  private static void assertDeleteReachesL1(Namespace<String, String> ns, RawRedis raw, RedisKeyPrefix prefix, String k)
      throws InterruptedException {
    ns.put(k, "v");
    assertThat(ns.getIfPresent(k)).isEqualTo("v");
    raw.sync().del(key(prefix, k));
    assertThat(eventually(PATIENCE, () -> ns.getIfPresent(k) == null)).isTrue();
  }

  /** The id of the one connection with client tracking on (flag 't' in CLIENT LIST). */
  private static long trackingClientId(RawRedis raw) {
    List<String> tracking = raw.sync().clientList().lines()
        .filter(line -> line.matches(".*\\bflags=\\S*t\\S*\\b.*"))
        .toList();
    assertThat(tracking).hasSize(1);
    String line = tracking.get(0);
    int at = line.indexOf("id=") + 3;
    return Long.parseLong(line.substring(at, line.indexOf(' ', at)));
  }

  private static byte[] key(RedisKeyPrefix prefix, String key) {
    return RawRedis.utf8(prefix.value() + "prices:" + key);
  }
}
