package dev.hotpath.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.benchmarks.LocalLimiterBenchmark.AtomicGcra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The benchmark's floor must be a correct limiter, or the ratio against it means nothing. */
class AtomicGcraTest {
  /** One permit an hour: no permit refills while a test runs, so the burst is all there is. */
  private static final Duration HOUR = Duration.ofHours(1);

  @Test
  void grantsTheWholeBurstAtOnceAndNothingMore() {
    AtomicGcra limiter = new AtomicGcra(1, HOUR, 1_000);
    int granted = 0;
    for (int i = 0; i < 1_500; i++) {
      if (limiter.tryAcquire()) {
        granted++;
      }
    }
    assertThat(granted).isEqualTo(1_000);
  }

  @Test
  void concurrentCallersShareExactlyTheBurst() throws Exception {
    int threads = 4;
    AtomicGcra limiter = new AtomicGcra(1, HOUR, 10_000);
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> grants = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        grants.add(pool.submit(() -> {
          start.await();
          int granted = 0;
          for (int i = 0; i < 10_000; i++) {
            if (limiter.tryAcquire()) {
              granted++;
            }
          }
          return granted;
        }));
      }
      start.countDown();
      int total = 0;
      for (Future<Integer> g : grants) {
        total += g.get(60, TimeUnit.SECONDS);
      }
      assertThat(total).isEqualTo(10_000);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void grantsAgainOnceAnIntervalHasPassed() {
    AtomicGcra limiter = new AtomicGcra(1, Duration.ofMillis(10), 1);
    assertThat(limiter.tryAcquire()).isTrue();
    long after = System.nanoTime() + Duration.ofMillis(10).toNanos();
    while (System.nanoTime() - after < 0) {
      Thread.onSpinWait();
    }
    assertThat(limiter.tryAcquire()).isTrue();
  }

  @Test
  void refusesASecondPermitWithinTheIntervalWhenTheBurstIsOne() {
    AtomicGcra limiter = new AtomicGcra(1, HOUR, 1);
    assertThat(limiter.tryAcquire()).isTrue();
    assertThat(limiter.tryAcquire()).isFalse();
  }
}
