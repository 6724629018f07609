package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.Tier;
import dev.hotpath.cache.spi.TierValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Tier} keeps, run against the in-process tier here and against real
 * Redis and PostgreSQL servers in their modules: subclass it and implement {@link #createTier()}.
 * Each test uses namespaces of its own, so tiers on shared servers need no flushing.
 */
public abstract class TierContractTest {
  private static final Duration TTL = Duration.ofMinutes(5);

  protected Tier tier;
  private String prefix;

  /** A tier to test; closed after each test. */
  protected abstract Tier createTier() throws Exception;

  /**
   * Lets {@code duration} pass for the tier's clock. Tiers with an injectable clock advance it;
   * the default waits in real time.
   */
  protected void passTime(Duration duration) throws InterruptedException {
    Thread.sleep(duration.toMillis());
  }

  /** The shortest TTL the tier keeps exactly enough for the expiry test; default 1 second. */
  protected Duration shortTtl() {
    return Duration.ofSeconds(1);
  }

  @BeforeEach
  void openTier() throws Exception {
    tier = createTier();
    prefix = "ct" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFL);
  }

  @AfterEach
  void closeTier() {
    tier.close();
  }

  protected NamespaceStore<String, String> open(String namespace) {
    return open(namespace, TTL);
  }

  protected NamespaceStore<String, String> open(String namespace, Duration ttl) {
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder(prefix + "-" + namespace, String.class, String.class)
            .ttl(TtlProfile.builder().l1(ttl).l2(ttl).negative(ttl).build())
            .build();
    return tier.open(TestContexts.of(spec, ttl, "contract-node"));
  }

  @Test
  void getOfUnknownKeyIsNull() {
    assertThat(open("a").get("nope")).isNull();
  }

  @Test
  void putThenGetReturnsTheValue() {
    NamespaceStore<String, String> store = open("a");
    store.put("BTCUSDT", TierValue.of("tick=0.01"), TTL);
    assertThat(store.get("BTCUSDT")).isEqualTo(TierValue.of("tick=0.01"));
  }

  @Test
  void absenceIsStoredAndDistinctFromMiss() {
    NamespaceStore<String, String> store = open("a");
    store.put("gone", TierValue.absent(), TTL);
    assertThat(store.get("gone")).isNotNull();
    assertThat(store.get("gone").isAbsent()).isTrue();
    assertThat(store.get("other")).isNull();
  }

  @Test
  void fillStoresLikePut() {
    NamespaceStore<String, String> store = open("a");
    store.fill("loaded", TierValue.of("from-source"), TTL);
    store.fill("gone", TierValue.absent(), TTL);
    store.fillAll(Map.of("x", TierValue.of("1"), "y", TierValue.of("2")), TTL);
    assertThat(store.get("loaded")).isEqualTo(TierValue.of("from-source"));
    assertThat(store.get("gone").isAbsent()).isTrue();
    assertThat(store.getAll(List.of("x", "y"))).containsOnly(
        Map.entry("x", TierValue.of("1")), Map.entry("y", TierValue.of("2")));
  }

  @Test
  void putReplacesTheValue() {
    NamespaceStore<String, String> store = open("a");
    store.put("k", TierValue.of("v1"), TTL);
    store.put("k", TierValue.of("v2"), TTL);
    assertThat(store.get("k")).isEqualTo(TierValue.of("v2"));
  }

  @Test
  void getAllReturnsOnlyTheKeysHeldAndToleratesDuplicates() {
    NamespaceStore<String, String> store = open("a");
    store.put("a", TierValue.of("1"), TTL);
    store.put("c", TierValue.absent(), TTL);
    Map<String, TierValue<String>> found = store.getAll(List.of("a", "b", "c", "a"));
    assertThat(found)
        .containsOnly(Map.entry("a", TierValue.of("1")), Map.entry("c", TierValue.<String>absent()));
  }

  @Test
  void putAllStoresEveryEntryForGetAll() {
    NamespaceStore<String, String> store = open("a");
    Map<String, TierValue<String>> entries = new LinkedHashMap<>();
    for (int i = 0; i < 1000; i++) {
      entries.put("sym" + i, TierValue.of("value-" + i));
    }
    store.putAll(entries, TTL);
    assertThat(store.getAll(new ArrayList<>(entries.keySet()))).isEqualTo(entries);
  }

  @Test
  void invalidateRemovesOnlyThatKey() {
    NamespaceStore<String, String> store = open("a");
    store.put("a", TierValue.of("1"), TTL);
    store.put("b", TierValue.of("2"), TTL);
    store.invalidate("a");
    store.invalidate("never-stored");
    assertThat(store.get("a")).isNull();
    assertThat(store.get("b")).isEqualTo(TierValue.of("2"));
  }

  @Test
  void invalidateAllRemovesTheListedKeys() {
    NamespaceStore<String, String> store = open("a");
    for (String k : List.of("a", "b", "c")) {
      store.put(k, TierValue.of(k), TTL);
    }
    store.invalidateAll(List.of("a", "c", "zz"));
    assertThat(store.getAll(List.of("a", "b", "c"))).containsOnlyKeys("b");
  }

  @Test
  void clearRemovesThisNamespaceOnly() {
    NamespaceStore<String, String> mine = open("a");
    NamespaceStore<String, String> other = open("b");
    mine.put("k", TierValue.of("mine"), TTL);
    other.put("k", TierValue.of("other"), TTL);
    mine.clear();
    assertThat(mine.get("k")).isNull();
    assertThat(other.get("k")).isEqualTo(TierValue.of("other"));
  }

  @Test
  void namespacesDoNotShareKeys() {
    NamespaceStore<String, String> a = open("a");
    NamespaceStore<String, String> b = open("b");
    a.put("k", TierValue.of("a"), TTL);
    assertThat(b.get("k")).isNull();
    b.put("k", TierValue.of("b"), TTL);
    assertThat(a.get("k")).isEqualTo(TierValue.of("a"));
  }

  @Test
  void awkwardKeysAreDistinctAndHarmless() {
    NamespaceStore<String, String> store = open("a");
    List<String> keys =
        List.of(
            "a", "a:b", "a:", ":a", "a b", "a\nb", "a\u0000b", "ключ", "😀", "*", "a*", "?",
            "'; DROP TABLE hotpath_cache; --", "%", "_", "\\", "{tag}", "");
    for (int i = 0; i < keys.size(); i++) {
      store.put(keys.get(i), TierValue.of("v" + i), TTL);
    }
    for (int i = 0; i < keys.size(); i++) {
      assertThat(store.get(keys.get(i))).as("key %s", keys.get(i)).isEqualTo(TierValue.of("v" + i));
    }
    assertThat(store.getAll(keys)).hasSize(keys.size());
  }

  @Test
  void entryExpiresAfterItsTtl() throws Exception {
    Duration ttl = shortTtl();
    NamespaceStore<String, String> store = open("a", ttl);
    store.put("short", TierValue.of("v"), ttl);
    store.put("long", TierValue.of("v"), TTL);
    assertThat(store.get("short")).isNotNull();
    passTime(ttl.multipliedBy(2).plusMillis(100));
    assertThat(store.get("short")).isNull();
    assertThat(store.getAll(List.of("short", "long"))).containsOnlyKeys("long");
  }

  @Test
  void largeValuesRoundTrip() {
    NamespaceStore<String, String> store = open("a");
    char[] chars = new char[256 * 1024];
    Arrays.fill(chars, 'x');
    String big = new String(chars);
    store.put("big", TierValue.of(big), TTL);
    assertThat(store.get("big")).isEqualTo(TierValue.of(big));
  }

  @Test
  void asyncOperationsAgreeWithSyncOnes() throws Exception {
    NamespaceStore<String, String> store = open("a");
    store.putAsync("k", TierValue.of("v"), TTL).get();
    assertThat(store.getAsync("k").get()).isEqualTo(TierValue.of("v"));
    assertThat(store.getAllAsync(List.of("k", "x")).get()).containsOnlyKeys("k");
    store.invalidateAsync("k").get();
    assertThat(store.getAsync("k").get()).isNull();
  }

  @Test
  void concurrentWritersLeaveOneOfTheirValues() throws Exception {
    NamespaceStore<String, String> store = open("a");
    int threads = 8;
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      workers.add(
          new Thread(
              () -> {
                for (int i = 0; i < 200; i++) {
                  store.put("shared", TierValue.of("w" + id), TTL);
                  store.put("own" + id, TierValue.of("i" + i), TTL);
                }
              }));
    }
    workers.forEach(Thread::start);
    for (Thread w : workers) {
      w.join();
    }
    assertThat(store.get("shared").value()).matches("w[0-7]");
    for (int t = 0; t < threads; t++) {
      assertThat(store.get("own" + t)).isEqualTo(TierValue.of("i199"));
    }
  }
}
