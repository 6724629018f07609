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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A read that misses in process reads the shared tiers in the caller's thread, without a hop to a
 * load thread, and readers of the same key meanwhile join that read.
 */
class ReadThroughInCallerTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final int READERS = 16;

  private final FakeTicker ticker = new FakeTicker();
  private final ByteMapTier shared = new ByteMapTier("shared", ticker);
  private final AtomicInteger loads = new AtomicInteger();

  private NamespaceSpec<String, String> spec() {
    return NamespaceSpec.builder("quotes", String.class, String.class)
        .ttl(TtlProfile.builder().l1(MINUTE).l2(MINUTE).build())
        .loader(key -> key + "-loaded-" + loads.incrementAndGet())
        .build();
  }

  @Test
  void aSharedTierHitIsReadInTheCallersThread() {
    try (TieredCache writer = TieredCache.builder().ticker(ticker).tier(shared).namespace(spec()).build();
        TieredCache reader = TieredCache.builder().ticker(ticker).tier(shared).namespace(spec()).build()) {
      writer.namespace(spec()).put("BTCUSDT", "42000");

      assertThat(reader.namespace(spec()).get("BTCUSDT")).isEqualTo("42000");
      // Before, the cache's load pool read the tier and the caller waited for it.
      assertThat(shared.lastReader).isSameAs(Thread.currentThread());
      assertThat(loads).hasValue(0);

      // A key no tier holds still goes to the source on a load thread, once.
      assertThat(reader.namespace(spec()).get("ETHUSDT")).isEqualTo("ETHUSDT-loaded-1");
      assertThat(loads).hasValue(1);
      assertThat(reader.namespace(spec()).get("ETHUSDT")).isEqualTo("ETHUSDT-loaded-1");
      assertThat(loads).hasValue(1);
    }
  }

  @Test
  void readersOfAKeyWhoseSharedTierReadIsUnderWayJoinItInsteadOfReadingAgain() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(READERS);
    try (TieredCache writer = TieredCache.builder().ticker(ticker).tier(shared).namespace(spec()).build();
        TieredCache reader = TieredCache.builder().ticker(ticker).tier(shared).namespace(spec()).build()) {
      writer.namespace(spec()).put("BTCUSDT", "42000");
      Namespace<String, String> namespace = reader.namespace(spec());
      int readsBefore = shared.reads.get();
      CountDownLatch gate = new CountDownLatch(1);
      shared.readGate = gate;

      List<Thread> waiting = new ArrayList<>();
      List<Future<String>> answers = new ArrayList<>();
      answers.add(pool.submit(() -> namespace.get("BTCUSDT")));
      assertThat(shared.readStarted.tryAcquire(30, TimeUnit.SECONDS)).isTrue(); // the first read is in the tier
      for (int i = 1; i < READERS; i++) {
        answers.add(pool.submit(() -> {
          synchronized (waiting) {
            waiting.add(Thread.currentThread());
          }
          return namespace.get("BTCUSDT");
        }));
      }
      // Every other reader is parked (on the first read's future) before the tier answers.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!allParked(waiting, READERS - 1)) {
        assertThat(System.nanoTime()).as("the readers parked within 30 s").isLessThan(deadline);
        Thread.sleep(1);
      }
      gate.countDown();
      for (Future<String> answer : answers) {
        assertThat(answer.get(30, TimeUnit.SECONDS)).isEqualTo("42000");
      }
      assertThat(shared.reads.get() - readsBefore).isEqualTo(1);
      assertThat(loads).hasValue(0);
    } finally {
      shared.readGate = null;
      pool.shutdownNow();
    }
  }

  private static boolean allParked(List<Thread> threads, int expected) {
    synchronized (threads) {
      if (threads.size() < expected) {
        return false;
      }
      for (Thread t : threads) {
        Thread.State state = t.getState();
        if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
          return false;
        }
      }
      return true;
    }
  }
}
