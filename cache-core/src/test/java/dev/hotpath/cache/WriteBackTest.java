package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a read found below or loaded is written back to the shared tiers after the reader has it:
 * a shared tier slow to take writes holds no reader, and a change made before the write-back runs
 * is not overwritten by it.
 */
class WriteBackTest {
  private static final long PATIENCE_SECONDS = 20;
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private final FakeTicker ticker = new FakeTicker();
  private final ByteMapTier shared = new ByteMapTier("shared", ticker);
  private final NamespaceSpec<String, String> spec =
      NamespaceSpec.builder("prices", String.class, String.class)
          .ttl(TtlProfile.builder().l1(MINUTE).l2(MINUTE).build())
          .loader(key -> "loaded-" + key)
          .build();

  /** The ways a read reaches the loader. */
  enum Read {
    GET(ns -> CompletableFuture.supplyAsync(() -> ns.get("k"))),
    GET_ALL(ns -> CompletableFuture.supplyAsync(() -> ns.getAll(List.of("k")).get("k"))),
    BULK_LOADER(ns -> ns.async()
        .getAll(List.of("k"), keys -> CompletableFuture.completedFuture(Map.of("k", "loaded-k")))
        .thenApply(values -> values.get("k")));

    final Function<Namespace<String, String>, CompletableFuture<String>> read;

    Read(Function<Namespace<String, String>, CompletableFuture<String>> read) {
      this.read = read;
    }
  }

  @ParameterizedTest
  @EnumSource(Read.class)
  void aReadReturnsWhileTheSharedTierHoldsItsWriteBack(Read read) throws Exception {
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(shared).namespace(spec).build()) {
      shared.writeGate = new CountDownLatch(1);
      try {
        // Before the change the reader waited here until the gate opened.
        assertThat(read.read.apply(cache.namespace(spec)).get(PATIENCE_SECONDS, TimeUnit.SECONDS))
            .isEqualTo("loaded-k");
        assertThat(shared.writeStarted.tryAcquire(PATIENCE_SECONDS, TimeUnit.SECONDS))
            .as("the write-back was made, and is held")
            .isTrue();
        assertThat(shared.raw("prices", "k")).isNull();
      } finally {
        shared.writeGate.countDown();
      }
      Loads.awaitSettled(cache);
      assertThat(shared.raw("prices", "k")).as("written back once the tier took writes").isNotNull();
    }
  }

  /** A value found in a lower tier is copied to the tiers above it after the read, too. */
  @Test
  void aPromotionToAnUpperTierIsMadeAfterTheRead() throws Exception {
    ByteMapTier lower = new ByteMapTier("lower", ticker);
    try (TieredCache writer = TieredCache.builder().ticker(ticker).tier(lower).namespace(spec).build();
        TieredCache cache = TieredCache.builder().ticker(ticker).tier(shared).tier(lower).namespace(spec).build()) {
      writer.namespace(spec).put("k", "below");
      shared.writeGate = new CountDownLatch(1);
      try {
        assertThat(Read.GET.read.apply(cache.namespace(spec)).get(PATIENCE_SECONDS, TimeUnit.SECONDS))
            .isEqualTo("below");
        assertThat(shared.writeStarted.tryAcquire(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
      } finally {
        shared.writeGate.countDown();
      }
      Loads.awaitSettled(cache);
      assertThat(shared.raw("prices", "k")).isEqualTo(lower.raw("prices", "k"));
    }
  }

  /**
   * A blocking bulk read takes each key from the first tier that holds it (the upper tier's value
   * wins), loads the keys none holds, answers in the order asked, keeps all of it in process, and
   * copies what it found below to the tier above.
   */
  @Test
  void aBulkReadTakesEachKeyFromTheFirstTierHoldingItAndPromotesWhatItFoundBelow() {
    ByteMapTier lower = new ByteMapTier("lower", ticker);
    try (TieredCache lowerWriter = TieredCache.builder().ticker(ticker).tier(lower).namespace(spec).build();
        TieredCache upperWriter = TieredCache.builder().ticker(ticker).tier(shared).namespace(spec).build();
        TieredCache cache = TieredCache.builder().ticker(ticker).tier(shared).tier(lower).namespace(spec).build()) {
      lowerWriter.namespace(spec).put("low", "below");
      lowerWriter.namespace(spec).put("both", "below-both");
      upperWriter.namespace(spec).put("both", "above");
      upperWriter.namespace(spec).put("up", "above-up");
      Namespace<String, String> ns = cache.namespace(spec);

      assertThat(ns.getAll(List.of("up", "low", "both", "none")))
          .containsExactly(
              Map.entry("up", "above-up"), Map.entry("low", "below"),
              Map.entry("both", "above"), Map.entry("none", "loaded-none"));

      Loads.awaitSettled(cache);
      assertThat(shared.raw("prices", "low")).isEqualTo(lower.raw("prices", "low"));
      assertThat(ns.async().getAllIfInProcess(List.of("up", "low", "both", "none")))
          .containsExactly(
              Map.entry("up", "above-up"), Map.entry("low", "below"),
              Map.entry("both", "above"), Map.entry("none", "loaded-none"));
    }
  }

  enum Change { PUT, INVALIDATE }

  /**
   * The load thread is held after the reader got "loaded-k" and before the write-back (by a
   * callback on the reader's future, which runs on that thread when the value is handed over):
   * the change made meanwhile must be what the shared tier keeps.
   */
  @ParameterizedTest
  @EnumSource(Change.class)
  void aChangeMadeBeforeTheWriteBackRunsIsNotOverwrittenByIt(Change change) throws Exception {
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch loadMayEnd = new CountDownLatch(1);
    NamespaceSpec<String, String> slowLoad =
        NamespaceSpec.builder("prices", String.class, String.class)
            .ttl(TtlProfile.builder().l1(MINUTE).l2(MINUTE).build())
            .loader(key -> {
              loading.countDown();
              loadMayEnd.await(PATIENCE_SECONDS, TimeUnit.SECONDS);
              return "loaded-" + key;
            })
            .build();
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(shared).namespace(slowLoad).build()) {
      Namespace<String, String> ns = cache.namespace(slowLoad);
      CompletableFuture<String> read = ns.async().get("k");
      CountDownLatch handedOver = new CountDownLatch(1);
      CountDownLatch writeBackMayRun = new CountDownLatch(1);
      assertThat(loading.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
      // Registered while the load still runs, so it runs on the load thread, before the write-back.
      read.thenRun(() -> {
        handedOver.countDown();
        await(writeBackMayRun);
      });
      loadMayEnd.countDown();
      assertThat(handedOver.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
      assertThat(read.getNow(null)).isEqualTo("loaded-k");

      if (change == Change.PUT) {
        ns.put("k", "put");
      } else {
        ns.invalidate("k");
      }
      byte[] afterChange = shared.raw("prices", "k");
      writeBackMayRun.countDown();
      Loads.awaitSettled(cache);

      assertThat(shared.raw("prices", "k")).isEqualTo(afterChange);
      assertThat(ns.stats().writeBacksSkipped()).isEqualTo(1);
      assertThat(ns.get("k")).isEqualTo(change == Change.PUT ? "put" : "loaded-k");
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(PATIENCE_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
