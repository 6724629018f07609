package dev.hotpath.engine;

import static dev.hotpath.engine.Fixtures.await;
import static dev.hotpath.engine.Fixtures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.TieredCache;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Bounded queues refuse at once; priorities order the calls, and LOW still gets its turns. */
class QueueAndPriorityTest {

  @Test
  void aBatchThatDoesNotFitItsQueueIsRefusedAtOnceNamingTheQueueAndItsSize() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    source.hold();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .queue(Priority.NORMAL, 10).queue(Priority.HIGH, 5).build()) {
      CompletableFuture<BatchResult<String, String>> first = engine.submit(BatchRequest.of(keys("A", 8)));
      assertThat(engine.snapshot().queueLength(Priority.NORMAL)).isEqualTo(8);

      assertThatThrownBy(() -> engine.submit(BatchRequest.of(keys("B", 5))))
          .isInstanceOfSatisfying(BatchRejectedException.class, e -> {
            assertThat(e.priority()).isEqualTo(Priority.NORMAL);
            assertThat(e.capacity()).isEqualTo(10);
          })
          .hasMessageContaining("queue NORMAL is full (capacity 10 items, 8 queued)")
          .hasMessageContaining("a batch of 5 items does not fit");
      assertThatThrownBy(() -> engine.process(BatchRequest.of(keys("C", 11)).priority(Priority.NORMAL)))
          .isInstanceOf(BatchRejectedException.class);
      CompletableFuture<BatchResult<String, String>> high =
          engine.submit(BatchRequest.of(keys("H", 5)).priority(Priority.HIGH)); // its own queue has room

      // Calls reach the source from the engine's threads: wait for one to be held before
      // answering the rest at once, and release again any call that took the holding answer just
      // before the switch (releasing a released call does nothing).
      await("the held calls", () -> !source.held.isEmpty());
      source.answer(Fixtures.ScriptedSource::found);
      await("both batches", () -> {
        source.releaseAll();
        return first.isDone() && high.isDone();
      });
      assertThat(get(first).isComplete()).isTrue();
      assertThat(get(high).isComplete()).isTrue();
      assertThat(engine.snapshot().queueLength()).isZero();
      assertThat(engine.process(BatchRequest.of(keys("B", 5))).isComplete()).isTrue(); // fits now
    }
  }

  @Test
  void highGoesFirstButNormalGetsOneCallInFourAndLowOneInEight() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    source.hold();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source)
            .concurrency(Concurrency.fixed(1)).build()) {
      CompletableFuture<BatchResult<String, String>> blocker = engine.submit(BatchRequest.of(List.of("BLOCKER")));
      await("the blocking call", () -> source.held.size() == 1);
      List<CompletableFuture<BatchResult<String, String>>> batches = new ArrayList<>();
      batches.add(engine.submit(BatchRequest.of(keys("H", 20)).priority(Priority.HIGH)));
      batches.add(engine.submit(BatchRequest.of(keys("N", 3)).priority(Priority.NORMAL)));
      batches.add(engine.submit(BatchRequest.of(keys("L", 3)).priority(Priority.LOW)));
      await("26 queued calls", () -> engine.core().queuedCalls() == 26);

      source.answer(Fixtures.ScriptedSource::found);
      source.release(0);
      for (CompletableFuture<BatchResult<String, String>> batch : batches) {
        assertThat(get(batch).isComplete()).isTrue();
      }
      assertThat(get(blocker).isComplete()).isTrue();

      StringBuilder order = new StringBuilder();
      source.calls.subList(1, source.calls.size()).forEach(call -> order.append(call.get(0).charAt(0)));
      // NORMAL waits at most 3 turns, LOW at most 7; HIGH takes the rest.
      assertThat(order.toString()).startsWith("HHHNHHHLN").hasSize(26);
      assertThat(order.lastIndexOf("L")).as("LOW done while HIGH still queued").isLessThan(order.lastIndexOf("H"));
    }
  }

  @Test
  void aCallQueueLeftWithStaleEntriesStaysBoundedAndKeepsItsOrder() {
    CallQueue<String> queue = new CallQueue<>();
    List<Call<String>> live = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      Call<String> call = new Call<>(i, List.of("k" + i), Priority.LOW);
      queue.addLast(call);
      if (i % 10 == 0) {
        live.add(call);
      } else {
        queue.remove(call); // dropped: nobody waits for it
      }
    }
    assertThat(queue.size()).isEqualTo(100);
    Call<String> promoted = live.get(50);
    queue.promote(promoted, Priority.HIGH);
    assertThat(queue.poll()).isSameAs(promoted);
    for (Call<String> call : live) {
      if (call != promoted) {
        assertThat(queue.poll()).isSameAs(call);
      }
    }
    assertThat(queue.poll()).isNull();
    assertThat(queue.size()).isZero();
  }

  private static List<String> keys(String prefix, int n) {
    return IntStream.range(0, n).mapToObj(i -> String.format("%s%02d", prefix, i)).toList();
  }
}
