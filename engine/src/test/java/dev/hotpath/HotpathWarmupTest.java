package dev.hotpath;

import static dev.hotpath.TestSupport.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.hotpath.HotpathHealth.Kind;
import dev.hotpath.cache.CacheHealth.Status;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.WarmupPlan;
import dev.hotpath.cache.WarmupProgress;
import dev.hotpath.cache.WarmupReport;
import dev.hotpath.cache.WarmupStrategy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The start warmup in each {@link Hotpath.WarmupMode}. */
class HotpathWarmupTest {
  private final NamespaceSpec<String, String> prices = spec("prices");
  private final CountDownLatch gate = new CountDownLatch(1);

  /** Warms BTCUSDT once the test opens {@link #gate}; a deadline no test reaches, so only the test ends it. */
  private WarmupPlan gatedPlan() {
    WarmupStrategy gated = new WarmupStrategy() {
      @Override
      public String name() {
        return "gated";
      }

      @Override
      public String namespace() {
        return "prices";
      }

      @Override
      public void warm(TieredCache cache, WarmupProgress progress) throws InterruptedException {
        gate.await();
        cache.namespace(prices).put("BTCUSDT", "warm");
        progress.completed(1);
      }
    };
    return WarmupPlan.builder().strategy(gated).deadline(Duration.ofHours(1)).build();
  }

  private Hotpath build(WarmupPlan plan, Hotpath.WarmupMode mode) {
    return Hotpath.builder().namespace(prices).warmup(plan, mode).build();
  }

  private static Status cacheStatus(Hotpath hotpath) {
    return hotpath.health().part(Kind.CACHE, "cache").orElseThrow().status();
  }

  @Test
  void blockWarmsBeforeBuildReturns() {
    WarmupPlan plan = WarmupPlan.builder()
        .strategy(WarmupStrategy.keys("top", prices, () -> List.of("BTCUSDT", "ETHUSDT")))
        .build();

    try (Hotpath hotpath = build(plan, Hotpath.WarmupMode.BLOCK)) {
      assertThat(hotpath.cache().namespace(prices).getIfPresent("BTCUSDT")).isEqualTo("loaded:BTCUSDT");
      assertThat(hotpath.cache().namespace(prices).getIfPresent("ETHUSDT")).isEqualTo("loaded:ETHUSDT");
      WarmupReport report = hotpath.warmup().getNow(null);
      assertThat(report.isComplete()).isTrue();
      assertThat(report.entries()).isEqualTo(2);
      assertThat(cacheStatus(hotpath)).isEqualTo(Status.UP);
    }
  }

  @Test
  void anIncompleteStartWarmupDegradesTheCachesHealth() {
    WarmupStrategy broken = WarmupStrategy.keys("broken", prices, () -> {
      throw new IllegalStateException("symbol list unavailable");
    });

    try (Hotpath hotpath = build(WarmupPlan.builder().strategy(broken).build(), Hotpath.WarmupMode.BLOCK)) {
      assertThat(hotpath.warmup().getNow(null).isComplete()).isFalse();
      HotpathHealth.Part cache = hotpath.health().part(Kind.CACHE, "cache").orElseThrow();
      assertThat(cache.status()).isEqualTo(Status.DEGRADED);
      assertThat(cache.reason()).isEqualTo("start warmup incomplete: broken FAILED");
    }
  }

  @Test
  void backgroundWarmsAfterBuildReturnedAndTheCacheIsDegradedUntilThen() {
    try (Hotpath hotpath = build(gatedPlan(), Hotpath.WarmupMode.BACKGROUND)) {
      assertThat(hotpath.warmup()).isNotDone();
      assertThat(hotpath.health().part(Kind.CACHE, "cache").orElseThrow().reason()).isEqualTo("warmup running");
      assertThat(hotpath.health().status()).isEqualTo(Status.DEGRADED);

      gate.countDown();
      WarmupReport report = TestSupport.get(hotpath.warmup());

      assertThat(report.isComplete()).isTrue();
      assertThat(hotpath.cache().namespace(prices).getIfPresent("BTCUSDT")).isEqualTo("warm");
      assertThat(hotpath.health().status()).isEqualTo(Status.UP);
    }
  }

  @Test
  void closeCutsABackgroundWarmupShort() {
    Hotpath hotpath = build(gatedPlan(), Hotpath.WarmupMode.BACKGROUND); // the gate never opens

    // Bounded far above what an interrupt takes, only so that a regression fails instead of hanging.
    assertTimeoutPreemptively(TestSupport.PATIENCE, hotpath::close);

    WarmupReport report = TestSupport.get(hotpath.warmup());
    assertThat(report.results()).extracting(WarmupReport.Result::status).containsExactly(WarmupReport.Status.TIMED_OUT);
    assertThat(hotpath.closedParts()).containsExactly("warmup", "cache");
  }

  /**
   * A strategy that takes a while to stop once interrupted (it finishes a write) still runs while
   * close() interrupts the warmup: close() waits for it before it closes the cache the strategy
   * writes to. The test lets the strategy finish only once close() is seen waiting.
   */
  @Test
  void closeWaitsForACancelledStrategyToStopBeforeClosingTheCache() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    AtomicReference<Throwable> lastWrite = new AtomicReference<>();
    WarmupStrategy slowToStop = new WarmupStrategy() {
      @Override
      public String name() {
        return "slow-to-stop";
      }

      @Override
      public String namespace() {
        return "prices";
      }

      @Override
      public void warm(TieredCache cache, WarmupProgress progress) {
        running.countDown();
        try {
          new CountDownLatch(1).await();
        } catch (InterruptedException e) {
          interrupted.countDown();
        }
        awaitUninterruptibly(finish);
        try {
          cache.namespace(prices).put("BTCUSDT", "last");
          lastWrite.set(new AssertionError("none: the write went through"));
        } catch (RuntimeException e) {
          lastWrite.set(e);
        }
      }
    };
    Hotpath hotpath = build(WarmupPlan.builder().strategy(slowToStop).deadline(Duration.ofHours(1)).build(),
        Hotpath.WarmupMode.BACKGROUND);
    Thread closing = new Thread(hotpath::close, "close");

    // Closed once the strategy runs: an interrupt before it started would cancel it unstarted.
    assertThat(running.await(TestSupport.PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the strategy runs").isTrue();
    closing.start();
    assertThat(interrupted.await(TestSupport.PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("close interrupted the warmup").isTrue();
    TestSupport.await("close waits (or returned)", () -> closing.getState() == Thread.State.WAITING
        || closing.getState() == Thread.State.TIMED_WAITING || closing.getState() == Thread.State.TERMINATED);
    finish.countDown();
    closing.join(TestSupport.PATIENCE.toMillis());

    assertThat(closing.isAlive()).isFalse();
    assertThat(lastWrite.get()).as("what the strategy's last write met").hasMessage("none: the write went through");
    assertThat(hotpath.closedParts()).containsExactly("warmup", "cache");
  }

  /** Waits for {@code latch}, ignoring interrupts: a strategy slow to stop. */
  private static void awaitUninterruptibly(CountDownLatch latch) {
    while (true) {
      try {
        latch.await();
        return;
      } catch (InterruptedException ignored) {
        // Stopping takes this strategy until the test says so.
      }
    }
  }

  @Test
  void offLeavesTheWarmupToTheHost() {
    try (Hotpath hotpath = build(gatedPlan(), Hotpath.WarmupMode.OFF)) {
      assertThat(hotpath.warmup().getNow(null).results()).isEmpty();
      assertThat(hotpath.cache().namespace(prices).getIfPresent("BTCUSDT")).isNull();
      assertThat(cacheStatus(hotpath)).isEqualTo(Status.UP);

      gate.countDown();
      assertThat(hotpath.cache().warmUp().isComplete()).isTrue();
      assertThat(hotpath.cache().namespace(prices).getIfPresent("BTCUSDT")).isEqualTo("warm");
    }
  }
}
