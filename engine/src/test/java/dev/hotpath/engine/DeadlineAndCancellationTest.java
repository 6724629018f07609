package dev.hotpath.engine;

import static dev.hotpath.engine.Fixtures.await;
import static dev.hotpath.engine.Fixtures.get;
import static dev.hotpath.engine.Fixtures.valueOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.TieredCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Deadlines end batches with what they have; cancelling drops what only the batch needed. */
class DeadlineAndCancellationTest {

  @Test
  void atTheDeadlineHitsAreValuesTheRestTimesOutAndALateReplyStillFillsTheCache() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    source.hold();
    Fixtures.ManualScheduler timers = new Fixtures.ManualScheduler();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source).scheduler(timers).build()) {
      Namespace<String, String> ns = Fixtures.prices(cache);
      ns.put("HIT", "cached");
      BatchResult<String, String> result = pastItsDeadline(engine, source, timers, List.of("HIT", "SLOW"));

      assertThat(result.values()).containsOnlyKeys("HIT");
      assertThat(result.fromCache()).isEqualTo(1);
      assertThat(result.failures().get("SLOW").kind()).isEqualTo(FailureKind.TIMED_OUT);
      assertThat(source.calls).containsExactly(List.of("SLOW"));

      source.release(0); // the reply comes after the batch gave up on it
      await("the late reply to fill the cache", () -> valueOf("SLOW").equals(ns.getIfPresent("SLOW")));
      await("the key table to empty", () -> engine.core().trackedKeys() == 0);
    }
  }

  @Test
  void aLateReplyIsNotCachedWhenTheKeyWasInvalidatedWhileItsCallWasOut() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    source.hold();
    Fixtures.ManualScheduler timers = new Fixtures.ManualScheduler();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source).scheduler(timers).build()) {
      Namespace<String, String> ns = Fixtures.prices(cache);
      BatchResult<String, String> result = pastItsDeadline(engine, source, timers, List.of("SLOW"));
      assertThat(result.failures().get("SLOW").kind()).isEqualTo(FailureKind.TIMED_OUT);

      ns.invalidate("SLOW"); // the source changed after the call went out: its reply is stale
      source.release(0);
      await("the key table to empty", () -> engine.core().trackedKeys() == 0);

      assertThat(ns.getIfPresent("SLOW")).isNull();
    }
  }

  /**
   * Submits {@code keys} with a 300 ms deadline, waits for the one call for the miss, and fires
   * the deadline while that call is still out; returns the batch's result.
   */
  private static BatchResult<String, String> pastItsDeadline(BatchEngine<String, String> engine,
      Fixtures.ScriptedSource source, Fixtures.ManualScheduler timers, List<String> keys) {
    CompletableFuture<BatchResult<String, String>> pending =
        engine.submit(BatchRequest.of(keys).deadline(Duration.ofMillis(300)));
    await("the call for the miss", () -> source.callCount() == 1);
    timers.fireWithin(Duration.ofMillis(300)); // the deadline passes; the call is still out
    return get(pending);
  }

  @Test
  void aCallStillQueuedAtTheDeadlineIsNeverMade() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    source.hold();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .concurrency(Concurrency.fixed(1)).build()) {
      CompletableFuture<BatchResult<String, String>> first = engine.submit(BatchRequest.of(List.of("A")));
      await("the first call", () -> source.callCount() == 1);

      BatchResult<String, String> second = engine.process(BatchRequest.of(List.of("B")).deadline(Duration.ofMillis(200)));

      assertThat(second.failures().get("B").kind()).isEqualTo(FailureKind.TIMED_OUT);
      source.release(0);
      assertThat(get(first).values()).containsOnlyKeys("A");
      await("the engine to go idle", () -> engine.snapshot().activeWorkers() == 0);
      assertThat(source.callsFor("B")).isZero();
    }
  }

  @Test
  void cancellingABatchDropsItsQueuedCallsButNotThoseAnotherBatchWaitsFor() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    source.hold();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .concurrency(Concurrency.fixed(1)).build()) {
      Namespace<String, String> ns = Fixtures.prices(cache);
      CompletableFuture<BatchResult<String, String>> a = engine.submit(BatchRequest.of(List.of("K1", "K2", "K3")));
      await("the first call", () -> source.callCount() == 1);
      String inFlight = source.calls.get(0).get(0);
      List<String> queued = new ArrayList<>(List.of("K1", "K2", "K3"));
      queued.remove(inFlight);
      String shared = queued.get(0);
      String onlyA = queued.get(1);
      CompletableFuture<BatchResult<String, String>> b = engine.submit(BatchRequest.of(List.of(shared)));

      assertThat(a.cancel(true)).isTrue();
      source.release(0);
      await("the shared key's call", () -> source.callCount() == 2);
      source.release(1);

      assertThat(get(b).values()).containsExactly(java.util.Map.entry(shared, valueOf(shared)));
      assertThat(source.calls).containsExactly(List.of(inFlight), List.of(shared));
      await("the abandoned call's reply to fill the cache", () -> valueOf(inFlight).equals(ns.getIfPresent(inFlight)));
      await("the key table to empty", () -> engine.core().trackedKeys() == 0);
      assertThat(source.callsFor(onlyA)).isZero();
      assertThat(engine.snapshot().queueLength()).isZero();
    }
  }

  @Test
  void interruptingTheBlockingFormCancelsTheBatch() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    source.hold();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .concurrency(Concurrency.fixed(1)).build()) {
      CompletableFuture<Throwable> thrown = new CompletableFuture<>();
      Thread caller = new Thread(() -> {
        try {
          engine.process(BatchRequest.of(List.of("A", "B")));
          thrown.complete(null);
        } catch (Throwable t) {
          thrown.complete(t);
        }
      });
      caller.start();
      await("the first call", () -> source.callCount() == 1);

      caller.interrupt();

      assertThat(get(thrown)).isInstanceOf(InterruptedException.class);
      await("the batch to end", () -> engine.snapshot().batchesInProgress() == 0);
      source.releaseAll();
      await("the key table to empty", () -> engine.core().trackedKeys() == 0);
      assertThat(source.callCount()).as("the queued call was dropped").isEqualTo(1);
    }
  }
}
