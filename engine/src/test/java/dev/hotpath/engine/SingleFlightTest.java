package dev.hotpath.engine;

import static dev.hotpath.engine.Fixtures.get;
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
}
