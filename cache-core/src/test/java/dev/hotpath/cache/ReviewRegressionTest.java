package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.Tier;
import dev.hotpath.cache.spi.TierValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Behaviours a code review found broken, kept from coming back. */
class ReviewRegressionTest {

  @Test
  void aBatchThatFailsPastAFlushDeadlineStaysBufferedAndIsDeliveredInOrderLater() {
    AtomicBoolean writerUp = new AtomicBoolean(false);
    List<Map.Entry<String, Integer>> delivered = Collections.synchronizedList(new ArrayList<>());
    CacheWriter<String, Integer> writer =
        new CacheWriter<>() {
          @Override
          public void write(String key, Integer value) {}

          @Override
          public void writeAll(List<Map.Entry<String, Integer>> batch) {
            if (!writerUp.get()) {
              throw new IllegalStateException("database down");
            }
            delivered.addAll(batch);
          }
        };
    NamespaceSpec<String, Integer> spec =
        NamespaceSpec.builder("fills", String.class, Integer.class)
            .ttl(TtlProfile.API_RESPONSE)
            // Never given up, however long this thread waits before the writer comes back.
            .writeBehind(writer, WriteBehind.builder()
                .batchSize(2).retryBackoff(Duration.ofMillis(1)).maxAttempts(Integer.MAX_VALUE).build())
            .build();
    TieredCache cache = TieredCache.builder().namespace(spec).build();
    Namespace<String, Integer> ns = cache.namespace(spec);
    for (int i = 0; i < 6; i++) {
      ns.put("k" + (i % 2), i);
    }
    assertThat(ns.flush(Duration.ofMillis(50))).isFalse();
    writerUp.set(true);
    cache.close();
    // In order per key. Across keys a failed batch is sent again split, so a writer coming back
    // between two parts may take a later write of k1 before an earlier one of k0.
    assertThat(delivered).filteredOn(write -> write.getKey().equals("k0"))
        .extracting(Map.Entry::getValue).containsExactly(0, 2, 4);
    assertThat(delivered).filteredOn(write -> write.getKey().equals("k1"))
        .extracting(Map.Entry::getValue).containsExactly(1, 3, 5);
    assertThat(ns.stats().writeBehind().undelivered()).isZero();
  }

  @Test
  void putsAndLoadsOfOneKeyDoNotDeadlockWhenTheExecutorRunsTasksInTheCallersThread() throws Exception {
    ByteMapTier shared = new ByteMapTier("shared", Ticker.system());
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("prices", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofMillis(1)).l2(Duration.ofMinutes(1)).build())
            .loader(k -> "loaded")
            .build();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (TieredCache cache = TieredCache.builder().executor(Runnable::run).tier(shared).namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      long until = System.nanoTime() + Duration.ofMillis(300).toNanos();
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        boolean writer = t % 2 == 0;
        workers.add(pool.submit(() -> {
          while (System.nanoTime() < until) {
            if (writer) {
              ns.put("k", "written");
            } else {
              assertThat(ns.get("k")).isIn("loaded", "written");
            }
            if (ThreadLocalRandom.current().nextInt(8) == 0) {
              ns.invalidate("k");
            }
          }
          return null;
        }));
      }
      for (Future<?> w : workers) {
        // A deadlock never finishes; the bound only keeps a broken build from hanging.
        w.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void putAllWithAFailingWriterCachesExactlyTheEntriesTheRecordAccepted() {
    Map<String, String> record = new ConcurrentHashMap<>();
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("accounts", String.class, String.class)
            .ttl(TtlProfile.ACCOUNT)
            .writeThrough((k, v) -> {
              if (k.equals("c")) {
                throw new IllegalStateException("constraint violated");
              }
              record.put(k, v);
            })
            .build();
    try (TieredCache cache = TieredCache.builder().namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      Map<String, String> batch = new LinkedHashMap<>();
      for (String k : List.of("a", "b", "c", "d")) {
        batch.put(k, "v-" + k);
      }
      assertThatThrownBy(() -> ns.putAll(batch)).isInstanceOf(CacheWriteException.class);
      assertThat(record).containsOnlyKeys("a", "b");
      assertThat(ns.getIfPresent("a")).isEqualTo("v-a");
      assertThat(ns.getIfPresent("b")).isEqualTo("v-b");
      assertThat(ns.getIfPresent("c")).isNull();
      assertThat(ns.getIfPresent("d")).isNull();
    }
  }

  @Test
  void bulkWarmupCachesWithoutCallingTheWriterOrInvalidatingOtherNodes() throws Exception {
    AtomicInteger writes = new AtomicInteger();
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("symbols", String.class, String.class)
            .ttl(TtlProfile.SYMBOL_CONFIG)
            .writeThrough((k, v) -> writes.incrementAndGet())
            .build();
    WarmupPlan plan =
        WarmupPlan.builder().strategy(WarmupStrategy.bulk("all", spec, () -> Map.of("BTC", "x", "ETH", "y"))).build();
    List<InvalidationEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (TieredCache cache = TieredCache.builder().namespace(spec).warmup(plan).build();
        AutoCloseable subscription = cache.addInvalidationListener(events::add)) {
      assertThat(cache.warmUp().isComplete()).isTrue();
      assertThat(cache.namespace(spec).getIfPresent("ETH")).isEqualTo("y");
      assertThat(writes).hasValue(0);
      Buses.awaitDelivered(cache);
      assertThat(events).isEmpty();
    }
  }

  @Test
  void anInterruptedWaiterLeavesTheLoadToTheOtherReaders() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger loads = new AtomicInteger();
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("slow", String.class, String.class)
            .ttl(TtlProfile.SYMBOL_CONFIG)
            .loader(k -> {
              loads.incrementAndGet();
              release.await();
              return "v";
            })
            .build();
    try (TieredCache cache = TieredCache.builder().namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      AtomicReference<Throwable> interrupted = new AtomicReference<>();
      Thread waiter = new Thread(() -> {
        try {
          ns.get("k");
        } catch (Throwable t) {
          interrupted.set(t);
        }
      });
      waiter.start();
      while (loads.get() == 0) {
        Thread.sleep(1);
      }
      waiter.interrupt();
      waiter.join();
      assertThat(interrupted.get()).isInstanceOf(CacheLoadException.class);
      ExecutorService pool = Executors.newSingleThreadExecutor();
      try {
        Future<String> other = pool.submit(() -> ns.get("k"));
        release.countDown();
        assertThat(other.get(30, TimeUnit.SECONDS)).isEqualTo("v");
      } finally {
        pool.shutdownNow();
      }
      assertThat(loads).hasValue(1);
    }
  }

  @Test
  void configurationThatCannotWorkIsRefused() {
    assertThatThrownBy(
            () -> TtlProfile.builder().l1(Duration.ofSeconds(10)).refreshAfter(Duration.ofSeconds(9)).jitter(0.2).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refreshAfter (PT9S) must be shorter than l1 × (1 − jitter)");
    Codec<String> bad =
        new Codec<>() {
          @Override
          public byte[] encode(String value) {
            return value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
          }

          @Override
          public String decode(byte[] bytes) {
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
          }

          @Override
          public int version() {
            return 256;
          }
        };
    assertThatThrownBy(
            () -> NamespaceSpec.builder("s", String.class, String.class).ttl(TtlProfile.ACCOUNT).valueCodec(bad).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("valueCodec.version() must be in [0, 255] but was 256");
  }

  /**
   * Another node's invalidation lands in the shared tier just before this node's fill of the value
   * it read earlier, and its event reaches this node just after: the fill must not survive.
   */
  @Test
  void aFillOverlappingAnotherNodesInvalidationIsRemoved() {
    ByteMapTier backing = new ByteMapTier("shared", Ticker.system());
    InvalidationBus bus = InvalidationBus.inProcess();
    AtomicBoolean raceOnNextFill = new AtomicBoolean(true);
    Tier racing =
        new Tier() {
          @Override
          public String name() {
            return "shared";
          }

          @Override
          public <K, V> NamespaceStore<K, V> open(NamespaceContext<K, V> binding) {
            NamespaceStore<K, V> store = backing.open(binding);
            return new NamespaceStore<>() {
              @Override
              public TierValue<V> get(K key) {
                return store.get(key);
              }

              @Override
              public Map<K, TierValue<V>> getAll(java.util.Collection<? extends K> keys) {
                return store.getAll(keys);
              }

              @Override
              public void put(K key, TierValue<V> value, Duration ttl) {
                store.put(key, value, ttl);
              }

              @Override
              public void putAll(Map<? extends K, TierValue<V>> entries, Duration ttl) {
                store.putAll(entries, ttl);
              }

              @Override
              public void fill(K key, TierValue<V> value, Duration ttl) {
                if (!raceOnNextFill.getAndSet(false)) {
                  store.fill(key, value, ttl);
                  return;
                }
                store.invalidate(key); // node A's invalidation reaches the tier first
                store.fill(key, value, ttl); // then this node's stale fill lands
                bus.publish(InvalidationEvent.ofKeys(binding.namespace(), List.of(binding.encodeKey(key)), "node-A"));
                Buses.awaitDelivered(bus); // it reaches this node before the fill's re-check
              }

              @Override
              public void invalidate(K key) {
                store.invalidate(key);
              }

              @Override
              public void invalidateAll(java.util.Collection<? extends K> keys) {
                store.invalidateAll(keys);
              }

              @Override
              public void clear() {
                store.clear();
              }
            };
          }
        };
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("accounts", String.class, String.class)
            .ttl(TtlProfile.ACCOUNT)
            .loader(k -> "stale")
            .build();
    try (TieredCache cache =
        TieredCache.builder().nodeId("node-B").tier(racing).invalidationBus(bus).namespace(spec).build()) {
      cache.namespace(spec).get("k");
      Loads.awaitSettled(cache);
      assertThat(backing.raw("accounts", "k")).as("the stale fill was removed").isNull();
    }
  }
}
