package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link AsyncNamespace#getAll(java.util.Collection, java.util.function.Function)}: a per-call bulk loader. */
class BulkLoaderTest {
  private static final long PATIENCE_SECONDS = 30;
  private final FakeTicker ticker = new FakeTicker();
  private final ByteMapTier shared = new ByteMapTier("shared", ticker);
  private final NamespaceSpec<String, String> spec = NamespaceSpec.builder("prices", String.class, String.class)
      .ttl(TtlProfile.builder().l1(Duration.ofMinutes(1)).l2(Duration.ofMinutes(1)).negative(Duration.ofMinutes(1)).build())
      .build();

  /** Records every call and hands back a future the test completes. */
  static final class ManualLoader {
    final List<Set<String>> calls = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<Map<String, String>>> replies = new CopyOnWriteArrayList<>();

    CompletableFuture<Map<String, String>> load(Set<String> keys) {
      CompletableFuture<Map<String, String>> reply = new CompletableFuture<>();
      calls.add(keys);
      replies.add(reply);
      return reply;
    }
  }

  private static void awaitCalls(ManualLoader loader, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
    while (loader.calls.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(2);
    }
    assertThat(loader.calls).hasSize(count);
  }

  @Test
  void onlyKeysNoTierHoldsReachTheLoaderAndWhatItReturnsIsCachedEverywhere() throws Exception {
    try (TieredCache other = TieredCache.builder().ticker(ticker).tier(shared).namespace(spec).build();
        TieredCache cache = TieredCache.builder().ticker(ticker).tier(shared).namespace(spec).build()) {
      other.namespace(spec).put("inShared", "s");
      cache.namespace(spec).put("inProcess", "p");
      ManualLoader loader = new ManualLoader();
      CompletableFuture<Map<String, String>> read = cache.namespace(spec).async()
          .getAll(List.of("inProcess", "inShared", "a", "b"), loader::load);
      awaitCalls(loader, 1);
      assertThat(loader.calls.get(0)).containsExactlyInAnyOrder("a", "b");
      loader.replies.get(0).complete(Map.of("a", "A", "b", "B"));
      assertThat(read.get(PATIENCE_SECONDS, TimeUnit.SECONDS))
          .isEqualTo(Map.of("inProcess", "p", "inShared", "s", "a", "A", "b", "B"));
      assertThat(cache.namespace(spec).getIfPresent("a")).isEqualTo("A");
      Loads.awaitSettled(cache);
      assertThat(other.namespace(spec).get("b")).isEqualTo("B"); // from the shared tier
      assertThat(cache.namespace(spec).stats().loads()).isEqualTo(2);
    }
  }

  @Test
  void concurrentCallsShareTheLoadsOfTheKeysTheyHaveInCommon() throws Exception {
    try (TieredCache cache = TieredCache.builder().ticker(ticker).namespace(spec).build()) {
      AsyncNamespace<String, String> ns = cache.namespace(spec).async();
      ManualLoader first = new ManualLoader();
      ManualLoader second = new ManualLoader();
      CompletableFuture<Map<String, String>> one = ns.getAll(List.of("a", "b"), first::load);
      awaitCalls(first, 1);
      CompletableFuture<Map<String, String>> two = ns.getAll(List.of("b", "c"), second::load);
      awaitCalls(second, 1);
      assertThat(second.calls.get(0)).containsExactly("c");
      first.replies.get(0).complete(Map.of("a", "A", "b", "B"));
      second.replies.get(0).complete(Map.of("c", "C"));
      assertThat(one.get(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo(Map.of("a", "A", "b", "B"));
      assertThat(two.get(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo(Map.of("b", "B", "c", "C"));
    }
  }

  @Test
  void keysTheLoaderLeavesOutAreNeitherCachedNorReturnedEvenWithNegativeCaching() throws Exception {
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(shared).namespace(spec).build()) {
      AsyncNamespace<String, String> ns = cache.namespace(spec).async();
      ManualLoader loader = new ManualLoader();
      CompletableFuture<Map<String, String>> read = ns.getAll(List.of("ok", "failed"), loader::load);
      awaitCalls(loader, 1);
      loader.replies.get(0).complete(Map.of("ok", "OK"));
      assertThat(read.get(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo(Map.of("ok", "OK"));
      Loads.awaitSettled(cache);
      assertThat(shared.raw("prices", "ok")).isNotNull();
      assertThat(shared.raw("prices", "failed")).isNull();
      // Asked again, the left-out key goes to the loader again.
      CompletableFuture<Map<String, String>> again = ns.getAll(List.of("ok", "failed"), loader::load);
      awaitCalls(loader, 2);
      assertThat(loader.calls.get(1)).containsExactly("failed");
      loader.replies.get(1).complete(Map.of("failed", "F"));
      assertThat(again.get(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo(Map.of("ok", "OK", "failed", "F"));
    }
  }

  @Test
  void aFailedLoaderFailsTheReadWithACacheLoadExceptionAndCachesNothing() throws Exception {
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(shared).namespace(spec).build()) {
      AsyncNamespace<String, String> ns = cache.namespace(spec).async();
      ManualLoader loader = new ManualLoader();
      CompletableFuture<Map<String, String>> read = ns.getAll(List.of("a"), loader::load);
      awaitCalls(loader, 1);
      loader.replies.get(0).completeExceptionally(new IllegalStateException("exchange down"));
      assertThatThrownBy(() -> read.get(PATIENCE_SECONDS, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(CacheLoadException.class)
          .hasRootCauseMessage("exchange down");
      assertThat(ns.synchronous().getIfPresent("a")).isNull();
      Loads.awaitSettled(cache);
      assertThat(shared.raw("prices", "a")).isNull();
      assertThat(cache.namespace(spec).stats().loadFailures()).isEqualTo(1);
      assertThatThrownBy(() -> ns.getAll(List.of("b"), keys -> { throw new IllegalStateException("bad"); }).join())
          .isInstanceOf(CompletionException.class)
          .cause()
          .isInstanceOf(CacheLoadException.class);
    }
  }

  @Test
  void aFillCachesWhatWasFetchedAfterTheMarkUnlessTheKeyChangedSince() throws Exception {
    InvalidationBus bus = InvalidationBus.inProcess();
    try (TieredCache other = TieredCache.builder().ticker(ticker).tier(shared).invalidationBus(bus).namespace(spec).build();
        TieredCache cache = TieredCache.builder().ticker(ticker).tier(shared).invalidationBus(bus).namespace(spec).build()) {
      AsyncNamespace<String, String> ns = cache.namespace(spec).async();
      ChangeMark mark = ns.mark(List.of("kept", "invalidatedHere", "changedElsewhere"));
      ns.synchronous().invalidate("invalidatedHere");
      other.namespace(spec).invalidate("changedElsewhere");
      Buses.awaitDelivered(bus); // the bus delivers off the publishing thread

      ns.fill(Map.of("kept", "K", "invalidatedHere", "old", "changedElsewhere", "old", "unmarked", "U"), mark)
          .get(PATIENCE_SECONDS, TimeUnit.SECONDS);

      assertThat(ns.synchronous().getIfPresent("kept")).isEqualTo("K");
      assertThat(other.namespace(spec).get("kept")).isEqualTo("K"); // from the shared tier
      for (String key : List.of("invalidatedHere", "changedElsewhere", "unmarked")) {
        assertThat(ns.synchronous().getIfPresent(key)).as(key).isNull();
        assertThat(shared.raw("prices", key)).as(key).isNull();
      }
      ChangeMark foreign = other.namespace(spec).async().mark(List.of("kept"));
      assertThatThrownBy(() -> ns.fill(Map.of("kept", "x"), foreign)).isInstanceOf(IllegalArgumentException.class);
    }
  }



  @Test
  void aBulkReadAnsweredInProcessCountsEveryKeyAsAnInProcessHit() throws Exception {
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(shared).namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      ns.putAll(Map.of("a", "A", "b", "B", "c", "C"));
      assertThat(ns.getAll(List.of("a", "b", "c"))).isEqualTo(Map.of("a", "A", "b", "B", "c", "C"));
      assertThat(ns.async().getAll(List.of("a", "b"), keys -> { throw new AssertionError("all in process"); })
          .get(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo(Map.of("a", "A", "b", "B"));
      NamespaceStats stats = ns.stats();
      assertThat(stats.hits()).isEqualTo(5);
      assertThat(stats.requests()).isEqualTo(5);
      assertThat(stats.tier("memory").hits()).isEqualTo(5);
      assertThat(stats.tier("shared").hits() + stats.tier("shared").misses()).as("shared tier not read").isZero();
      // One key missing: the read goes the usual way and counts as Caffeine counts it.
      assertThat(ns.getAll(List.of("a", "z"))).isEqualTo(Map.of("a", "A"));
      assertThat(ns.stats().hits()).isEqualTo(6);
      assertThat(ns.stats().misses()).isEqualTo(1);
    }
  }
}
