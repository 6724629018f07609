package dev.hotpath.engine;

import static dev.hotpath.engine.Fixtures.get;
import static dev.hotpath.engine.Fixtures.valueOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.TieredCache;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The engine over an in-process-only namespace: cache first, only misses to the source, cached after. */
class CacheFirstTest {

  @Test
  void onlyKeysTheCacheLacksReachTheSourceAndWhatItReturnsIsCached() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource(10, 1);
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source).build()) {
      Namespace<String, String> ns = Fixtures.prices(cache);
      ns.put("A", "cached-A");

      BatchResult<String, String> first = engine.process(BatchRequest.of(List.of("A", "B", "C")));

      assertThat(first.values()).containsExactly(Map.entry("A", "cached-A"), Map.entry("B", valueOf("B")),
          Map.entry("C", valueOf("C")));
      assertThat(first.fromCache()).isEqualTo(1);
      assertThat(first.fromSource()).isEqualTo(2);
      assertThat(first.cacheHitRate()).isEqualTo(1.0 / 3);
      assertThat(first.sourceCalls()).isEqualTo(1);
      assertThat(first.weightUsed()).isEqualTo(1);
      assertThat(source.calls).containsExactly(List.of("B", "C"));
      assertThat(ns.getIfPresent("B")).isEqualTo(valueOf("B"));

      BatchResult<String, String> second = get(engine.submit(BatchRequest.of(List.of("A", "B", "C"))));

      assertThat(second.isComplete()).isTrue();
      assertThat(second.fromCache()).isEqualTo(3);
      assertThat(second.cacheHitRate()).isEqualTo(1.0);
      assertThat(second.sourceCalls()).isZero();
      assertThat(source.callCount()).isEqualTo(1);
      Fixtures.await("the key table to empty", () -> engine.core().trackedKeys() == 0);
    }
  }

  @Test
  void keysTheSourceDoesNotKnowAreNotFoundAndNotCached() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource(10, 1);
    source.answer(keys -> Fixtures.ScriptedSource.found(keys.stream().filter(k -> !k.startsWith("X")).toList()));
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source).build()) {
      BatchResult<String, String> result = engine.process(BatchRequest.of(List.of("A", "X1")));

      assertThat(result.values()).containsOnlyKeys("A");
      assertThat(result.failures().get("X1").kind()).isEqualTo(FailureKind.NOT_FOUND);
      engine.process(BatchRequest.of(List.of("X1")));
      assertThat(source.callsFor("X1")).isEqualTo(2); // absences are not cached
    }
  }

  @Test
  void aBatchTheInProcessTierHoldsWholeIsAnsweredInTheCallerWithoutTrackingItsKeys() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource(10, 1);
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source).build()) {
      Namespace<String, String> ns = Fixtures.prices(cache);
      ns.putAll(Map.of("A", "a", "B", "b", "C", "c"));
      long requestsBefore = ns.stats().requests();
      List<String> progress = new CopyOnWriteArrayList<>();

      CompletableFuture<BatchResult<String, String>> future = engine.submit(BatchRequest.of(List.of("C", "A", "C", "B"))
          .listener((done, total) -> progress.add(done + "/" + total)));

      assertThat(future).isDone();
      assertThat(engine.core().trackedKeys()).isZero();
      BatchResult<String, String> result = future.get();
      assertThat(result.values()).containsExactly(Map.entry("C", "c"), Map.entry("A", "a"), Map.entry("B", "b"));
      assertThat(result.size()).isEqualTo(3);
      assertThat(result.fromCache()).isEqualTo(3);
      assertThat(result.sourceCalls()).isZero();
      assertThat(progress).as("told in the submitting thread, before submit returned").containsExactly("3/3");
      assertThat(engine.core().stats.itemsFromCache.sum()).isEqualTo(3);
      assertThat(engine.core().stats.batches.sum()).isEqualTo(1);
      assertThat(engine.snapshot().queueLength()).isZero();
      assertThat(ns.stats().requests() - requestsBefore).as("each distinct key read once").isEqualTo(3);
      assertThat(ns.stats().misses()).isZero();
      assertThat(source.callCount()).isZero();
    }
  }

  @Test
  void aBatchLargerThanItsQueueIsRefusedEvenWhenTheCacheHoldsIt() {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource(10, 1);
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .queue(Priority.NORMAL, 2).build()) {
      Namespace<String, String> ns = Fixtures.prices(cache);
      ns.putAll(Map.of("A", "a", "B", "b", "C", "c"));
      long requestsBefore = ns.stats().requests();

      assertThatThrownBy(() -> engine.submit(BatchRequest.of(List.of("A", "B", "C"))))
          .isInstanceOf(BatchRejectedException.class);
      assertThat(engine.core().stats.batchesRejected.sum()).isEqualTo(1);
      assertThat(ns.stats().requests()).as("a refused batch reads nothing").isEqualTo(requestsBefore);
      assertThat(engine.submit(BatchRequest.of(List.of("A", "B", "A", "B")))).as("duplicates do not count against the queue")
          .isDone();
      assertThat(engine.submit(BatchRequest.of(List.of("A", "B")))).isDone();
    }
  }

  @Test
  void anEmptyBatchCompletesAtOnce() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source).build()) {
      BatchResult<String, String> result = engine.process(BatchRequest.of(List.of()));
      assertThat(result.size()).isZero();
      assertThat(result.isComplete()).isTrue();
      assertThat(result.cacheHitRate()).isZero();
    }
  }
}
