package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WriteModesTest {

  @Test
  void writeThroughWritesTheRecordFirstAndCachesNothingWhenItFails() {
    Map<String, String> record = new ConcurrentHashMap<>();
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("accounts", String.class, String.class)
            .ttl(TtlProfile.ACCOUNT)
            .writeThrough(
                (k, v) -> {
                  if (v.startsWith("bad")) {
                    throw new IllegalStateException("rejected by database");
                  }
                  record.put(k, v);
                })
            .build();
    try (TieredCache cache = TieredCache.builder().namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      ns.put("acct-1", "balance=10");
      assertThat(record).containsEntry("acct-1", "balance=10");
      assertThat(ns.getIfPresent("acct-1")).isEqualTo("balance=10");
      assertThatThrownBy(() -> ns.put("acct-2", "bad"))
          .isInstanceOf(CacheWriteException.class)
          .hasMessageContaining("accounts")
          .hasRootCauseMessage("rejected by database");
      assertThat(ns.getIfPresent("acct-2")).isNull();
    }
  }

  /** Every accepted write reaches the writer by the end of close(), in order per key. */
  @Test
  void writeBehindUnderConcurrentWritersDeliversEveryWriteInOrderPerKeyOnClose() throws Exception {
    List<Map.Entry<String, Integer>> delivered = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger batches = new AtomicInteger();
    CacheWriter<String, Integer> writer =
        new CacheWriter<>() {
          @Override
          public void write(String key, Integer value) {
            throw new AssertionError("write-behind must use writeAll");
          }

          @Override
          public void writeAll(List<Map.Entry<String, Integer>> batch) throws Exception {
            batches.incrementAndGet();
            Thread.sleep(1);
            delivered.addAll(batch);
          }
        };
    NamespaceSpec<String, Integer> spec =
        NamespaceSpec.builder("orders", String.class, Integer.class)
            .ttl(TtlProfile.POSITION)
            .writeBehind(
                writer,
                WriteBehind.builder()
                    .capacity(500)
                    .batchSize(64)
                    .flushInterval(Duration.ofMillis(20))
                    .blockTimeout(Duration.ofSeconds(30))
                    .build())
            .build();
    int threads = 8;
    int writesPerThread = 2_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    TieredCache cache = TieredCache.builder().namespace(spec).build();
    Namespace<String, Integer> ns = cache.namespace(spec);
    List<Future<?>> writers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      writers.add(pool.submit(() -> {
        for (int i = 0; i < writesPerThread; i++) {
          ns.put("order-" + id + "-" + (i % 10), i);
        }
        return null;
      }));
    }
    for (Future<?> w : writers) {
      w.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    cache.close();

    assertThat(delivered).hasSize(threads * writesPerThread);
    Map<String, Integer> last = new ConcurrentHashMap<>();
    for (Map.Entry<String, Integer> write : delivered) {
      Integer previous = last.put(write.getKey(), write.getValue());
      if (previous != null) {
        assertThat(write.getValue()).as("order of writes to %s", write.getKey()).isGreaterThan(previous);
      }
    }
    assertThat(batches.get()).isLessThan(threads * writesPerThread);
    WriteBehindStats stats = ns.stats().writeBehind();
    assertThat(stats.accepted()).isEqualTo(threads * writesPerThread);
    assertThat(stats.written()).isEqualTo(threads * writesPerThread);
    assertThat(stats.undelivered()).isZero();
  }

  @Test
  void fullBufferUnderRejectThrowsAndCountsTheOverflow() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<Map.Entry<String, String>> delivered = Collections.synchronizedList(new ArrayList<>());
    CacheWriter<String, String> stuck =
        new CacheWriter<>() {
          @Override
          public void write(String key, String value) {}

          @Override
          public void writeAll(List<Map.Entry<String, String>> batch) throws Exception {
            release.await();
            delivered.addAll(batch);
          }
        };
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("logs", String.class, String.class)
            .ttl(TtlProfile.API_RESPONSE)
            .writeBehind(
                stuck,
                WriteBehind.builder()
                    .capacity(4)
                    .batchSize(1)
                    .flushInterval(Duration.ofMillis(1))
                    .overflowPolicy(WriteBehind.OverflowPolicy.REJECT)
                    .build())
            .build();
    TieredCache cache = TieredCache.builder().namespace(spec).build();
    Namespace<String, String> ns = cache.namespace(spec);
    int accepted = 0;
    CacheWriteException refused = null;
    for (int i = 0; i < 50 && refused == null; i++) {
      try {
        ns.put("k" + i, "v" + i);
        accepted++;
      } catch (CacheWriteException e) {
        refused = e;
        assertThat(ns.getIfPresent("k" + i)).as("a refused write is not cached").isNull();
      }
    }
    assertThat(refused).isNotNull();
    assertThat(refused).hasMessageContaining("write-behind buffer full").hasMessageContaining("REJECT");
    assertThat(ns.stats().writeBehind().overflows()).isEqualTo(1);
    release.countDown();
    cache.close();
    assertThat(delivered).hasSize(accepted);
  }

  @Test
  void failingWriterIsRetriedUntilItSucceeds() {
    AtomicInteger attempts = new AtomicInteger();
    List<Map.Entry<String, String>> delivered = Collections.synchronizedList(new ArrayList<>());
    CacheWriter<String, String> flaky =
        new CacheWriter<>() {
          @Override
          public void write(String key, String value) {}

          @Override
          public void writeAll(List<Map.Entry<String, String>> batch) {
            if (attempts.incrementAndGet() <= 3) {
              throw new IllegalStateException("database restarting");
            }
            delivered.addAll(batch);
          }
        };
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("fills", String.class, String.class)
            .ttl(TtlProfile.API_RESPONSE)
            .writeBehind(flaky, WriteBehind.builder().retryBackoff(Duration.ofMillis(1)).build())
            .build();
    TieredCache cache = TieredCache.builder().namespace(spec).build();
    Namespace<String, String> ns = cache.namespace(spec);
    ns.put("a", "1");
    ns.put("b", "2");
    assertThat(ns.flush(Duration.ofSeconds(30))).isTrue();
    // Two keys: their order is kept only per key (a failed batch is retried split).
    assertThat(delivered).containsExactlyInAnyOrder(Map.entry("a", "1"), Map.entry("b", "2"));
    assertThat(ns.stats().writeBehind().failedAttempts()).isEqualTo(3);
    cache.close();
  }
}
