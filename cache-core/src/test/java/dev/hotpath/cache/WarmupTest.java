package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WarmupTest {
  private final AtomicInteger bulkCalls = new AtomicInteger();
  private final NamespaceSpec<String, String> symbols =
      NamespaceSpec.builder("symbols", String.class, String.class)
          .ttl(TtlProfile.SYMBOL_CONFIG)
          .maximumSize(100_000)
          .loader(
              new CacheLoader<>() {
                @Override
                public String load(String key) {
                  return "cfg-" + key;
                }

                @Override
                public Map<String, String> loadAll(Set<? extends String> keys) {
                  bulkCalls.incrementAndGet();
                  Map<String, String> m = new HashMap<>();
                  keys.forEach(k -> m.put(k, "cfg-" + k));
                  return m;
                }
              })
          .build();
  private final NamespaceSpec<Long, String> ohlc =
      NamespaceSpec.builder("ohlc", Long.class, String.class).ttl(TtlProfile.OHLC_HISTORICAL).build();

  @Test
  void strategiesRunInParallelReportProgressAndFillTheNamespaces() {
    List<String> keys = IntStream.range(0, 1_200).mapToObj(i -> "SYM" + i).toList();
    List<long[]> progress = new CopyOnWriteArrayList<>();
    WarmupPlan plan =
        WarmupPlan.builder()
            .strategy(WarmupStrategy.keys("symbols", symbols, () -> keys))
            .strategy(WarmupStrategy.bulk("candles", ohlc, () -> Map.of(1L, "o", 2L, "h")))
            .listener((name, done, total) -> progress.add(new long[] {done, total}))
            .build();
    try (TieredCache cache = TieredCache.builder().namespace(symbols).namespace(ohlc).warmup(plan).build()) {
      WarmupReport report = cache.warmUp();
      assertThat(report.isComplete()).isTrue();
      assertThat(report.entries()).isEqualTo(1_202);
      assertThat(cache.namespace(symbols).estimatedSize()).isEqualTo(1_200);
      assertThat(cache.namespace(symbols).getIfPresent("SYM7")).isEqualTo("cfg-SYM7");
      assertThat(cache.namespace(ohlc).getIfPresent(2L)).isEqualTo("h");
      // 1,200 keys in chunks of 500: three bulk loads.
      assertThat(bulkCalls).hasValue(3);
      assertThat(progress).anyMatch(p -> p[0] == 1_200 && p[1] == 1_200);
    }
  }

  @Test
  void aStrategyPastTheDeadlineIsReportedTimedOutAndAFailureFailed() {
    CountDownLatch never = new CountDownLatch(1);
    WarmupStrategy stuck =
        new WarmupStrategy() {
          @Override
          public String name() {
            return "stuck";
          }

          @Override
          public String namespace() {
            return "symbols";
          }

          @Override
          public void warm(TieredCache cache, WarmupProgress progress) throws Exception {
            progress.total(10);
            progress.completed(3);
            never.await();
          }
        };
    WarmupPlan plan =
        WarmupPlan.builder()
            .strategy(stuck)
            .strategy(WarmupStrategy.bulk("broken", ohlc, () -> { throw new IllegalStateException("no db"); }))
            // Long enough for a loaded machine to run both strategies up to where they stop.
            .deadline(Duration.ofSeconds(3))
            .build();
    try (TieredCache cache = TieredCache.builder().namespace(symbols).namespace(ohlc).warmup(plan).build()) {
      WarmupReport report = cache.warmUp();
      assertThat(report.isComplete()).isFalse();
      assertThat(report.results()).extracting(WarmupReport.Result::status)
          .containsExactly(WarmupReport.Status.TIMED_OUT, WarmupReport.Status.FAILED);
      assertThat(report.results().get(0).entries()).isEqualTo(3);
      assertThat(report.results().get(0).total()).isEqualTo(10);
      assertThat(report.results().get(1).failure()).hasMessage("no db");
    }
  }

  /**
   * A strategy cut off may take a moment to stop (here until the test lets it): the run returns
   * only after it stopped, so that a cache closed after warmUp() returned is never written to by
   * the run. The run is cut off by an interrupt (as Hotpath.close() does; a deadline could pass
   * before the strategy even started on a loaded machine), once the strategy runs; the test lets
   * the strategy finish only once the run is seen waiting for it.
   */
  @Test
  void aRunReturnsOnlyOnceItsCancelledStrategiesStopped() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    AtomicBoolean stopped = new AtomicBoolean();
    WarmupStrategy slowToStop =
        new WarmupStrategy() {
          @Override
          public String name() {
            return "slow-to-stop";
          }

          @Override
          public String namespace() {
            return "symbols";
          }

          @Override
          public void warm(TieredCache cache, WarmupProgress progress) {
            running.countDown();
            try {
              new CountDownLatch(1).await();
            } catch (InterruptedException e) {
              cancelled.countDown();
            }
            while (true) {
              try {
                finish.await();
                break;
              } catch (InterruptedException ignored) {
                // This strategy stops when the test says so.
              }
            }
            stopped.set(true);
          }
        };
    WarmupPlan plan = WarmupPlan.builder().strategy(slowToStop).deadline(Duration.ofHours(1)).build();
    try (TieredCache cache = TieredCache.builder().namespace(symbols).warmup(plan).build()) {
      AtomicBoolean stoppedWhenRunReturned = new AtomicBoolean();
      Thread run = new Thread(() -> {
        cache.warmUp();
        stoppedWhenRunReturned.set(stopped.get());
      });

      run.start();
      assertThat(running.await(30, TimeUnit.SECONDS)).as("the strategy runs").isTrue();
      run.interrupt();
      assertThat(cancelled.await(30, TimeUnit.SECONDS)).as("the interrupt cancelled the strategy").isTrue();
      long patience = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (run.getState() != Thread.State.TIMED_WAITING && run.getState() != Thread.State.WAITING
          && run.getState() != Thread.State.TERMINATED && System.nanoTime() < patience) {
        Thread.sleep(5);
      }
      finish.countDown();
      run.join(30_000);

      assertThat(run.isAlive()).isFalse();
      assertThat(stoppedWhenRunReturned).as("the strategy had stopped when the run returned").isTrue();
    }
  }

  @Test
  void repeatedWarmupRunsAgainOnItsInterval() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    WarmupPlan plan =
        WarmupPlan.builder()
            .strategy(WarmupStrategy.bulk("counted", ohlc, () -> Map.of((long) runs.incrementAndGet(), "x")))
            .repeatEvery(Duration.ofMillis(20))
            .build();
    try (TieredCache cache = TieredCache.builder().namespace(ohlc).warmup(plan).build()) {
      cache.warmUp();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      // The third run's entry proves two scheduled repetitions completed.
      while (cache.namespace(ohlc).getIfPresent(3L) == null && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(cache.namespace(ohlc).getIfPresent(3L)).isEqualTo("x");
      assertThat(runs.get()).isGreaterThanOrEqualTo(3);
    }
  }
}
