package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The cache's own load pool is bounded, and a miss past its bound fails at once, saying why. */
class LoadBoundsTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  /** A loader that blocks until released and records how many of its calls ran at once. */
  static final class BlockingLoader implements CacheLoader<String, String> {
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger peak = new AtomicInteger();
    final AtomicInteger started = new AtomicInteger();

    @Override
    public String load(String key) throws InterruptedException {
      int now = running.incrementAndGet();
      peak.accumulateAndGet(now, Math::max);
      started.incrementAndGet();
      try {
        release.await();
        return "v-" + key;
      } finally {
        running.decrementAndGet();
      }
    }
  }

  private static NamespaceSpec<String, String> spec(BlockingLoader loader) {
    return NamespaceSpec.builder("prices", String.class, String.class)
        .ttl(TtlProfile.builder().l1(Duration.ofMinutes(1)).build())
        .maximumSize(100_000)
        .loader(loader)
        .build();
  }

  private static void awaitStarted(BlockingLoader loader, int count) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (loader.started.get() < count && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(loader.started.get()).isEqualTo(count);
  }

  @Test
  void aMissStormRunsAtMostLoadThreadsLoadsAndRefusesWhatTheQueueCannotHold() throws Exception {
    BlockingLoader loader = new BlockingLoader();
    NamespaceSpec<String, String> spec = spec(loader);
    try (TieredCache cache =
        TieredCache.builder().loadThreads(8).loadQueueCapacity(16).namespace(spec).build()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      cache.bindTo(registry);
      AsyncNamespace<String, String> ns = cache.namespace(spec).async();
      List<CompletableFuture<String>> reads = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        reads.add(ns.get("k" + i));
      }
      // 8 loads run, 16 wait, and the other 76 misses failed before returning.
      List<CompletableFuture<String>> refused =
          reads.stream().filter(CompletableFuture::isCompletedExceptionally).toList();
      assertThat(refused).hasSize(76);
      assertThatThrownBy(() -> refused.get(0).join())
          .isInstanceOf(CompletionException.class)
          .cause()
          .isInstanceOf(LoadRejectedException.class)
          .isInstanceOf(CacheLoadException.class)
          .hasMessageContaining("no load thread free: 8 threads busy and 16 loads waiting");
      awaitStarted(loader, 8);
      assertThat(registry.get("hotpath.cache.load.threads").gauge().value()).isEqualTo(8.0);
      assertThat(registry.get("hotpath.cache.load.queued").gauge().value()).isEqualTo(16.0);
      assertThat(registry.get("hotpath.cache.load.rejected").functionCounter().count()).isEqualTo(76.0);

      loader.release.countDown();
      for (int i = 0; i < 100; i++) {
        if (!reads.get(i).isCompletedExceptionally()) {
          assertThat(reads.get(i).get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo("v-k" + i);
        }
      }
      assertThat(loader.peak.get()).isEqualTo(8);
      // A refused key is not remembered as failed: it loads on the next read.
      String refusedKey = "k" + reads.indexOf(refused.get(0));
      assertThat(cache.namespace(spec).get(refusedKey)).isEqualTo("v-" + refusedKey);
    }
  }

  @Test
  void twoThousandConcurrentMissesUseAtMostTheDefaultSixtyFourThreads() throws Exception {
    BlockingLoader loader = new BlockingLoader();
    NamespaceSpec<String, String> spec = spec(loader);
    try (TieredCache cache = TieredCache.builder().namespace(spec).build()) {
      AsyncNamespace<String, String> ns = cache.namespace(spec).async();
      List<CompletableFuture<String>> reads = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        reads.add(ns.get("k" + i));
      }
      awaitStarted(loader, 64);
      loader.release.countDown();
      for (int i = 0; i < 2_000; i++) {
        assertThat(reads.get(i).get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo("v-k" + i);
      }
      // Before the bound, each distinct miss had a thread of its own: the peak was the storm's size.
      assertThat(loader.peak.get()).isEqualTo(64);
    }
  }

  @Test
  void sizingTheOwnPoolAndGivingAnExecutorFailTheBuild() {
    TieredCache.Builder builder = TieredCache.builder()
        .executor(Runnable::run)
        .loadThreads(4)
        .namespace(spec(new BlockingLoader()));
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("loadThreads and loadQueueCapacity size the cache's own pool");
  }
}
