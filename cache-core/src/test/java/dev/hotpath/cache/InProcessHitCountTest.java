package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** In-process hits are counted by the namespace, not by Caffeine: the count must stay exact. */
class InProcessHitCountTest {
  private static final int THREADS = 8;
  private static final int READS_PER_THREAD = 20_000;
  private static final int KEYS = 64;

  private TieredCache cache;
  private final ExecutorService readers = Executors.newFixedThreadPool(THREADS);

  @AfterEach
  void close() {
    readers.shutdownNow();
    if (cache != null) {
      cache.close();
    }
  }

  @Test
  void hitsFromEightThreadsAreCountedExactlyOnceEach() throws Exception {
    NamespaceSpec<String, String> spec = NamespaceSpec.builder("hits", String.class, String.class)
        .ttl(TtlProfile.builder().l1(Duration.ofHours(1)).build())
        .build();
    cache = TieredCache.builder().namespace(spec).build();
    Namespace<String, String> namespace = cache.namespace(spec);
    for (int i = 0; i < KEYS; i++) {
      namespace.put("k" + i, "v" + i);
    }
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> wrong = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int offset = t;
      wrong.add(readers.submit(() -> {
        start.await();
        int mismatches = 0;
        for (int i = 0; i < READS_PER_THREAD; i++) {
          int k = (i + offset) % KEYS;
          if (!("v" + k).equals(namespace.get("k" + k))) {
            mismatches++;
          }
        }
        return mismatches;
      }));
    }
    start.countDown();
    for (Future<Integer> f : wrong) {
      assertThat(f.get(60, TimeUnit.SECONDS)).isZero();
    }

    NamespaceStats stats = namespace.stats();
    long reads = (long) THREADS * READS_PER_THREAD;
    assertThat(stats.tier(MemoryTier.NAME).hits()).isEqualTo(reads);
    assertThat(stats.requests()).isEqualTo(reads);
    assertThat(stats.hits()).isEqualTo(reads);
  }
}
