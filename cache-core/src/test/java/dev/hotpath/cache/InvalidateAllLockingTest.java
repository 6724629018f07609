package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A whole-namespace invalidation scans every shared tier over the network; it must not hold every
 * write lock meanwhile, and it must still keep values read before it out of every tier.
 */
class InvalidateAllLockingTest {
  private static final long PATIENCE_SECONDS = 30;
  private final FakeTicker ticker = new FakeTicker();

  @Test
  void putsAndInvalidationsGoOnWhileASharedTierIsCleared() throws Exception {
    ByteMapTier upper = new ByteMapTier("upper", ticker);
    ByteMapTier lower = new ByteMapTier("lower", ticker);
    Duration minute = Duration.ofMinutes(1);
    NamespaceSpec<String, String> spec = NamespaceSpec.builder("prices", String.class, String.class)
        .ttl(TtlProfile.builder().l1(minute).l2(minute).build())
        .build();
    try (TieredCache writer = TieredCache.builder().ticker(ticker).tier(lower).namespace(spec).build();
        TieredCache cache = TieredCache.builder().ticker(ticker).tier(upper).tier(lower).namespace(spec).build()) {
      // "k" is only in the lower tier, with a value the invalidation must remove.
      writer.namespace(spec).put("k", "old");
      Namespace<String, String> ns = cache.namespace(spec);
      // The lower tier is cleared first (tiers are emptied bottom up): hold its scan.
      lower.clearGate = new CountDownLatch(1);
      CompletableFuture<Void> clearing = CompletableFuture.runAsync(ns::invalidateAll);
      assertThat(lower.clearStarted.tryAcquire(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();

      // While the lower tier's scan runs: other writes are not held up by it ...
      CompletableFuture.runAsync(() -> ns.put("other", "new")).get(PATIENCE_SECONDS, TimeUnit.SECONDS);
      CompletableFuture.runAsync(() -> ns.invalidate("x")).get(PATIENCE_SECONDS, TimeUnit.SECONDS);
      // ... and a read still finds the old value below, but must not copy it upwards.
      assertThat(ns.get("k")).isEqualTo("old");
      Loads.awaitSettled(cache); // its write-back ran (and skipped) while the scan still runs
      assertThat(upper.raw("prices", "k")).isNull();
      assertThat(ns.stats().writeBacksSkipped()).isEqualTo(1);

      lower.clearGate.countDown();
      clearing.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
      assertThat(ns.getIfPresent("k")).isNull();
      assertThat(upper.raw("prices", "k")).isNull();
      assertThat(lower.raw("prices", "k")).isNull();
      assertThat(ns.get("k")).isNull();
      assertThat(ns.stats().writeBacksSkipped()).isEqualTo(1);
    }
  }

  /**
   * Readers load through two shared tiers while a writer changes the source and invalidates the
   * whole namespace, over and over (cache-aside). Once everything stops, no tier may hold a
   * version older than the source's: a value read before an invalidation never outlives it.
   */
  @Test
  void noTierKeepsAValueReadBeforeAWholeNamespaceInvalidation() throws Exception {
    ByteMapTier upper = new ByteMapTier("upper", ticker);
    ByteMapTier lower = new ByteMapTier("lower", ticker);
    upper.slowWrites = true;
    lower.slowWrites = true;
    AtomicLong version = new AtomicLong();
    Duration minute = Duration.ofMinutes(1);
    NamespaceSpec<String, Long> spec = NamespaceSpec.builder("prices", String.class, Long.class)
        .ttl(TtlProfile.builder().l1(minute).l2(minute).build())
        .loader(key -> version.get())
        .build();
    int keys = 8;
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(upper).tier(lower).namespace(spec).build()) {
      Namespace<String, Long> ns = cache.namespace(spec);
      AtomicBoolean stop = new AtomicBoolean();
      List<Future<?>> readers = new ArrayList<>();
      for (int r = 0; r < 6; r++) {
        int seed = r;
        readers.add(pool.submit(() -> {
          int i = seed;
          while (!stop.get()) {
            ns.get("k" + (i++ % keys));
          }
          return null;
        }));
      }
      for (int round = 0; round < 300; round++) {
        version.incrementAndGet();
        ns.invalidateAll();
      }
      stop.set(true);
      for (Future<?> reader : readers) {
        reader.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
      }
      Loads.awaitSettled(cache);
      long latest = version.get();
      for (int k = 0; k < keys; k++) {
        String key = "k" + k;
        Long inProcess = ns.getIfPresent(key);
        assertThat(inProcess == null || inProcess == latest).as("L1 %s = %s, source %s", key, inProcess, latest).isTrue();
        for (ByteMapTier tier : List.of(upper, lower)) {
          byte[] raw = tier.raw("prices", key);
          Long stored = raw == null ? null : PayloadFormat.decode(raw, spec.valueCodec()).value();
          assertThat(stored == null || stored == latest)
              .as("%s %s = %s, source %s", tier.name(), key, stored, latest).isTrue();
        }
        assertThat(ns.get(key)).isEqualTo(latest);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
