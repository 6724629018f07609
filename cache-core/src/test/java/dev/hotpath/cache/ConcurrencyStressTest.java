package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.spi.TierValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Many threads, checked invariants: single flight, and no stale value after racing invalidations. */
class ConcurrencyStressTest {

  @Test
  void aThousandConcurrentMissesOfOneKeyLoadOnce() throws Exception {
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch allWaiting = new CountDownLatch(1);
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("symbols", String.class, String.class)
            .ttl(TtlProfile.SYMBOL_CONFIG)
            .loader(
                k -> {
                  loads.incrementAndGet();
                  allWaiting.await(10, TimeUnit.SECONDS);
                  return "config-of-" + k;
                })
            .build();
    int callers = 1_000;
    ExecutorService pool = Executors.newFixedThreadPool(64);
    try (TieredCache cache = TieredCache.builder().namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        results.add(pool.submit(() -> { start.await(); return ns.get("BTCUSDT"); }));
      }
      start.countDown();
      // Let the callers pile up on the in-flight load before it completes.
      Thread.sleep(200);
      allWaiting.countDown();
      for (Future<String> r : results) {
        assertThat(r.get(30, TimeUnit.SECONDS)).isEqualTo("config-of-BTCUSDT");
      }
      assertThat(loads).hasValue(1);
      assertThat(ns.stats().loads()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A source whose value per key is a version; writers bump the version and invalidate, readers
   * read through a slow loader and a shared tier. Once quiet, every tier must hold the latest
   * version or nothing: an older version would be a stale value put back by a racing load.
   */
  @Test
  void invalidationsRacingLoadsNeverLeaveAStaleValue() throws Exception {
    for (int iteration = 0; iteration < 60; iteration++) {
      runInvalidationRace(iteration, false);
    }
  }

  /**
   * The same race with bulk readers, which read the shared tier in their own thread and fill the
   * in-process tier without registering a load first.
   */
  @Test
  void invalidationsRacingBulkReadsNeverLeaveAStaleValue() throws Exception {
    for (int iteration = 0; iteration < 60; iteration++) {
      runInvalidationRace(iteration, true);
    }
  }

  /**
   * Bulk reads and single reads of overlapping keys, half of them in the shared tier and half
   * only at the source, all started at once: each key the tier lacks is loaded exactly once (the
   * bulk read registers no load while it reads the tier, but goes to the source only through a
   * registered one), a key the tier holds never, and every reader gets every value.
   */
  @Test
  void concurrentBulkAndSingleReadsOfMissingKeysLoadEachKeyOnce() throws Exception {
    for (int iteration = 0; iteration < 40; iteration++) {
      Map<String, AtomicInteger> loadsByKey = new ConcurrentHashMap<>();
      ByteMapTier shared = new ByteMapTier("shared", Ticker.system());
      NamespaceSpec<String, String> spec =
          NamespaceSpec.builder("symbols", String.class, String.class)
              .ttl(TtlProfile.builder().l1(Duration.ofMinutes(5)).l2(Duration.ofMinutes(5)).build())
              .loader(
                  k -> {
                    loadsByKey.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet();
                    Thread.sleep(0, ThreadLocalRandom.current().nextInt(500_000)); // widen the window
                    return "v-" + k;
                  })
              .build();
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        keys.add("k" + i);
      }
      for (int i = 0; i < keys.size(); i += 2) {
        // The tier holds the even keys.
        shared.putRaw("symbols", keys.get(i), PayloadFormat.encode(TierValue.of("v-" + keys.get(i)), Codec.utf8()));
      }
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try (TieredCache cache = TieredCache.builder().tier(shared).namespace(spec).build()) {
        Namespace<String, String> ns = cache.namespace(spec);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> readers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          int reader = t;
          readers.add(pool.submit(() -> {
            start.await();
            for (int round = 0; round < 5; round++) {
              int from = (reader * 7 + round * 11) % keys.size();
              List<String> some = new ArrayList<>();
              for (int i = 0; i < 20; i++) {
                some.add(keys.get((from + i) % keys.size()));
              }
              if (reader % 4 == 3) {
                for (String key : some) {
                  assertThat(ns.get(key)).isEqualTo("v-" + key);
                }
              } else {
                Map<String, String> values = ns.getAll(some);
                assertThat(values).hasSize(some.size());
                values.forEach((k, v) -> assertThat(v).isEqualTo("v-" + k));
              }
            }
            return null;
          }));
        }
        start.countDown();
        for (Future<?> r : readers) {
          r.get(30, TimeUnit.SECONDS);
        }
        for (int i = 0; i < keys.size(); i++) {
          AtomicInteger loads = loadsByKey.get(keys.get(i));
          assertThat(loads == null ? 0 : loads.get())
              .as("iteration %d, loads of %s", iteration, keys.get(i))
              .isEqualTo(i % 2 == 0 ? 0 : 1);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private void runInvalidationRace(int iteration, boolean bulkReads) throws Exception {
    Map<String, AtomicLong> source = new ConcurrentHashMap<>();
    List<String> keys = List.of("k0", "k1", "k2", "k3");
    keys.forEach(k -> source.put(k, new AtomicLong()));
    ByteMapTier shared = new ByteMapTier("shared", Ticker.system());
    NamespaceSpec<String, Long> spec =
        NamespaceSpec.builder("versions", String.class, Long.class)
            .ttl(TtlProfile.builder().l1(Duration.ofMinutes(5)).l2(Duration.ofMinutes(5)).build())
            .loader(
                k -> {
                  long version = source.get(k).get();
                  // Widen the window between reading the source and caching the result.
                  if (ThreadLocalRandom.current().nextInt(4) == 0) {
                    Thread.sleep(0, ThreadLocalRandom.current().nextInt(200_000));
                  } else {
                    Thread.yield();
                  }
                  return version;
                })
            .build();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (TieredCache cache = TieredCache.builder().tier(shared).namespace(spec).build()) {
      Namespace<String, Long> ns = cache.namespace(spec);
      long until = System.nanoTime() + Duration.ofMillis(150).toNanos();
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        workers.add(pool.submit(() -> {
          while (System.nanoTime() < until) {
            if (bulkReads) {
              Map<String, Long> seen = ns.getAll(keys);
              assertThat(seen).hasSize(keys.size());
              seen.forEach((key, version) -> assertThat(version).isLessThanOrEqualTo(source.get(key).get()));
              continue;
            }
            String key = keys.get(ThreadLocalRandom.current().nextInt(keys.size()));
            Long seen = ns.get(key);
            assertThat(seen).isNotNull().isLessThanOrEqualTo(source.get(key).get());
          }
          return null;
        }));
      }
      for (int t = 0; t < 2; t++) {
        workers.add(pool.submit(() -> {
          while (System.nanoTime() < until) {
            String key = keys.get(ThreadLocalRandom.current().nextInt(keys.size()));
            source.get(key).incrementAndGet();
            ns.invalidate(key);
          }
          return null;
        }));
      }
      for (Future<?> w : workers) {
        w.get(30, TimeUnit.SECONDS);
      }
      // Quiet: wait for loads still in flight to finish, write-backs included, then check every tier.
      Loads.awaitSettled(cache);
      for (String key : keys) {
        long latest = source.get(key).get();
        Long inProcess = ns.getIfPresent(key);
        assertThat(inProcess).as("iteration %d, L1 of %s", iteration, key).isIn(null, latest);
        byte[] stored = shared.raw("versions", key);
        if (stored != null) {
          assertThat(PayloadFormat.decode(stored, Codec.longs()).value())
              .as("iteration %d, shared tier of %s", iteration, key)
              .isEqualTo(latest);
        }
        assertThat(ns.get(key)).isEqualTo(latest);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Concurrent puts of one key on one node leave L1 and the shared tier holding the same value. */
  @Test
  void concurrentPutsOfOneKeyLeaveTheTiersAgreeing() throws Exception {
    for (int iteration = 0; iteration < 60; iteration++) {
      ByteMapTier shared = new ByteMapTier("shared", Ticker.system());
      shared.slowWrites = true;
      NamespaceSpec<String, Long> spec =
          NamespaceSpec.builder("prices", String.class, Long.class)
              .ttl(TtlProfile.builder().l1(Duration.ofMinutes(5)).l2(Duration.ofMinutes(5)).build())
              .build();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try (TieredCache cache = TieredCache.builder().tier(shared).namespace(spec).build()) {
        Namespace<String, Long> ns = cache.namespace(spec);
        AtomicLong next = new AtomicLong();
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          writers.add(pool.submit(() -> {
            for (int i = 0; i < 500; i++) {
              ns.put("BTCUSDT", next.incrementAndGet());
            }
            return null;
          }));
        }
        for (Future<?> w : writers) {
          w.get(30, TimeUnit.SECONDS);
        }
        Long inProcess = ns.getIfPresent("BTCUSDT");
        Long stored = PayloadFormat.decode(shared.raw("prices", "BTCUSDT"), Codec.longs()).value();
        assertThat(inProcess).as("iteration %d", iteration).isEqualTo(stored);
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
