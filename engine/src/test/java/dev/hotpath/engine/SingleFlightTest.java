package dev.hotpath.engine;

import static dev.hotpath.engine.Fixtures.await;
import static dev.hotpath.engine.Fixtures.get;
import static dev.hotpath.engine.Fixtures.valueOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.TieredCache;
import dev.hotpath.testing.exchange.SimulatedExchange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** However many batches ask for a missing key at once, the source is called once for it. */
class SingleFlightTest {

  @Test
  void aThousandConcurrentBatchesOverOverlappingKeysMakeOneSourceCallPerDistinctKey() throws Exception {
    try (SimulatedExchange exchange = SimulatedExchange.builder().latency(Duration.ofMillis(20)).start();
        TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), exchange.source(1))
            .concurrency(Concurrency.adaptive(4, 32))
            .queue(Priority.NORMAL, 20_000)
            .defaultDeadline(Duration.ofSeconds(60))
            .build()) {
      Random random = new Random(42);
      List<List<String>> batches = new ArrayList<>();
      Set<String> distinct = new TreeSet<>();
      for (int b = 0; b < 1_000; b++) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          keys.add(String.format("K%03d", random.nextInt(200)));
        }
        batches.add(keys);
        distinct.addAll(keys);
      }
      List<CompletableFuture<BatchResult<String, String>>> futures = new CopyOnWriteArrayList<>();
      ExecutorService submitters = Executors.newFixedThreadPool(8);
      CountDownLatch start = new CountDownLatch(1);
      for (int t = 0; t < 8; t++) {
        int first = t;
        submitters.execute(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          for (int b = first; b < batches.size(); b += 8) {
            futures.add(engine.submit(BatchRequest.of(batches.get(b))));
          }
        });
      }
      start.countDown();
      submitters.shutdown();
      assertThat(submitters.awaitTermination(Fixtures.PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();

      assertThat(futures).hasSize(1_000);
      for (CompletableFuture<BatchResult<String, String>> future : futures) {
        BatchResult<String, String> result = get(future);
        assertThat(result.isComplete()).as(result.toString()).isTrue();
      }
      assertThat(exchange.requestsBySymbol().keySet()).isEqualTo(distinct);
      assertThat(exchange.requestsBySymbol().values()).allMatch(n -> n == 1);
      assertThat(exchange.requests()).isEqualTo(distinct.size());
      Fixtures.await("the key table to empty", () -> engine.core().trackedKeys() == 0);
    }
  }

  /**
   * A batch that registers for a key a call has just settled, while the cache load that asked for
   * it is still open, gets the settled value at once: that call delivered it, so it counts.
   */
  @Test
  void aBatchGivenAKeyAlreadySettledCountsTheCallThatSettledIt() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource(1, 7);
    source.hold();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .concurrency(Concurrency.fixed(2)).defaultDeadline(Duration.ofMinutes(5)).build()) {
      AtomicInteger done = new AtomicInteger();
      CompletableFuture<BatchResult<String, String>> first =
          engine.submit(BatchRequest.of(List.of("A", "B")).listener((d, total) -> done.set(d)));
      await("both calls made", () -> source.held.size() == 2);
      int callOfA = source.held.get(0).keys().contains("A") ? 0 : 1;
      source.release(callOfA);
      await("A settled; the load still waits for B", () -> done.get() == 1);

      BatchResult<String, String> second = get(engine.submit(BatchRequest.of(List.of("A"))));

      assertThat(second.values()).containsEntry("A", valueOf("A"));
      assertThat(second.fromSource()).isEqualTo(1);
      assertThat(second.sourceCalls()).as(second.toString()).isEqualTo(1);
      assertThat(second.weightUsed()).isEqualTo(7);
      assertThat(source.callsFor("A")).isEqualTo(1);
      source.releaseAll();
      assertThat(get(first).sourceCalls()).isEqualTo(2);
    }
  }
}
