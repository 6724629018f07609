package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Write-behind when the writer fails: a write it keeps refusing is given up after its attempts
 * while the rest is delivered, and a writer that is down for a while loses nothing.
 */
class WriteBehindFailuresTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  /** One settled write, as the writer or the dead-letter handler saw it. */
  record Settled(String key, int value, boolean given) {}

  /** A writer whose {@code writeAll} throws when the batch holds a write it refuses, like a constraint. */
  static class RefusingWriter implements CacheWriter<String, Integer> {
    final List<Settled> log = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger calls = new AtomicInteger();
    final Predicate<Map.Entry<String, Integer>> refuses;

    RefusingWriter(Predicate<Map.Entry<String, Integer>> refuses) {
      this.refuses = refuses;
    }

    @Override
    public void write(String key, Integer value) {
      throw new AssertionError("write-behind must use writeAll");
    }

    @Override
    public void writeAll(List<Map.Entry<String, Integer>> batch) {
      calls.incrementAndGet();
      for (Map.Entry<String, Integer> write : batch) {
        if (refuses.test(write)) {
          throw new IllegalArgumentException("constraint violated by " + write.getKey());
        }
      }
      for (Map.Entry<String, Integer> write : batch) {
        log.add(new Settled(write.getKey(), write.getValue(), false));
      }
    }

    DeadLetterHandler<String, Integer> deadLetters(List<Exception> causes) {
      return (namespace, key, value, lastFailure) -> {
        assertThat(namespace).isEqualTo("orders");
        causes.add(lastFailure);
        log.add(new Settled(key, value, true));
      };
    }

    List<Settled> delivered() {
      synchronized (log) {
        return log.stream().filter(s -> !s.given()).toList();
      }
    }

    List<Settled> givenUp() {
      synchronized (log) {
        return log.stream().filter(Settled::given).toList();
      }
    }
  }

  private static NamespaceSpec<String, Integer> orders(
      RefusingWriter writer, List<Exception> causes, WriteBehind settings) {
    return NamespaceSpec.builder("orders", String.class, Integer.class)
        .ttl(TtlProfile.POSITION)
        .writeBehind(writer, settings)
        .deadLetters(writer.deadLetters(causes))
        .build();
  }

  /** Per key, written and given-up writes settle in the order they were accepted (values rise). */
  private static void assertSettledInOrderPerKey(List<Settled> log) {
    Map<String, Integer> last = new HashMap<>();
    for (Settled s : log) {
      Integer previous = last.put(s.key(), s.value());
      if (previous != null) {
        assertThat(s.value()).as("order of writes to %s", s.key()).isGreaterThan(previous);
      }
    }
  }

  @Test
  void aPoisonWriteIsGivenUpAfterMaxAttemptsWhileEveryOtherWriteIsDelivered() {
    RefusingWriter writer = new RefusingWriter(write -> write.getKey().equals("poison"));
    List<Exception> causes = Collections.synchronizedList(new ArrayList<>());
    int maxAttempts = 5;
    int batchSize = 10;
    NamespaceSpec<String, Integer> spec = orders(writer, causes,
        WriteBehind.builder()
            .capacity(100)
            .batchSize(batchSize)
            .flushInterval(Duration.ofMillis(5))
            .retryBackoff(Duration.ofMillis(1))
            .maxAttempts(maxAttempts)
            // Generous: before the fix the buffer stopped for good and a put failed after this.
            .blockTimeout(PATIENCE)
            .build());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TieredCache cache = TieredCache.builder().namespace(spec).build();
    cache.bindTo(registry);
    Namespace<String, Integer> ns = cache.namespace(spec);
    int writes = 1_000;
    for (int i = 0; i < writes; i++) {
      // Ten times the buffer's capacity: every put returns only if the buffer keeps draining.
      ns.put(i == 100 ? "poison" : "k" + (i % 20), i);
    }
    assertThat(ns.flush(PATIENCE)).isTrue();

    assertThat(writer.delivered()).hasSize(writes - 1);
    assertThat(writer.delivered()).extracting(Settled::key).doesNotContain("poison");
    assertThat(writer.givenUp()).containsExactly(new Settled("poison", 100, true));
    assertThat(causes).singleElement().satisfies(
        e -> assertThat(e).isInstanceOf(IllegalArgumentException.class).hasMessage("constraint violated by poison"));
    assertSettledInOrderPerKey(writer.log);
    WriteBehindStats stats = ns.stats().writeBehind();
    assertThat(stats.accepted()).isEqualTo(writes);
    assertThat(stats.written()).isEqualTo(writes - 1);
    assertThat(stats.deadLetters()).isEqualTo(1);
    assertThat(stats.pending()).isZero();
    // Bounded: each of the poison's rounds splits a batch at most down to it (log2(10) + 1 calls).
    assertThat(stats.failedAttempts()).isBetween((long) maxAttempts, (long) maxAttempts * 5);
    assertThat(registry.get("hotpath.cache.writebehind.deadletters").tags("cache", "orders")
        .functionCounter().count()).isEqualTo(1.0);
    cache.close();
    assertThat(ns.stats().writeBehind().undelivered()).isZero();
  }

  @Test
  void aRefusedValueHoldsBackOnlyLaterWritesOfItsKeyWhichFollowOnceItIsGivenUp() {
    // The writer refuses one value of k3; the other writes of k3 are fine.
    RefusingWriter writer = new RefusingWriter(write -> write.getValue() == 43);
    List<Exception> causes = Collections.synchronizedList(new ArrayList<>());
    NamespaceSpec<String, Integer> spec = orders(writer, causes,
        WriteBehind.builder()
            .capacity(50)
            .batchSize(8)
            .flushInterval(Duration.ofMillis(5))
            .retryBackoff(Duration.ofMillis(1))
            .maxAttempts(3)
            .blockTimeout(PATIENCE)
            .build());
    TieredCache cache = TieredCache.builder().namespace(spec).build();
    Namespace<String, Integer> ns = cache.namespace(spec);
    int writes = 400;
    putRoundRobin(ns, writes, 10);
    assertThat(ns.flush(PATIENCE)).isTrue();
    cache.close();

    assertThat(writer.givenUp()).containsExactly(new Settled("k3", 43, true));
    assertThat(writer.delivered()).hasSize(writes - 1);
    // Every later write of k3 came after 43 was given up, and in order.
    assertSettledInOrderPerKey(writer.log);
    List<Integer> k3 = writer.log.stream().filter(s -> s.key().equals("k3")).map(Settled::value).toList();
    assertThat(k3).startsWith(3, 13, 23, 33, 43, 53).hasSize(writes / 10);
  }

  /**
   * Down for 30 calls, more than maxAttempts: attempts are counted per round (a failed batch split
   * and sent again counts once), and an outage costs a handful of calls per round, so the writes
   * are not given up. Only this test's explicit flush sends anything (no timer, no full batch), so
   * the calls are the same on every run.
   */
  @Test
  void aWriterThatIsDownForAWhileLosesNothingAndGetsEveryWriteInOrder() {
    AtomicInteger failures = new AtomicInteger();
    int downFor = 30;
    RefusingWriter writer = new RefusingWriter(write -> false) {
      @Override
      public void writeAll(List<Map.Entry<String, Integer>> batch) {
        if (failures.get() < downFor) {
          failures.incrementAndGet();
          calls.incrementAndGet();
          throw new IllegalStateException("connection refused");
        }
        super.writeAll(batch);
      }
    };
    List<Exception> causes = Collections.synchronizedList(new ArrayList<>());
    int maxAttempts = 10;
    NamespaceSpec<String, Integer> spec = orders(writer, causes,
        flushedByHand(maxAttempts));
    TieredCache cache = TieredCache.builder().namespace(spec).build();
    Namespace<String, Integer> ns = cache.namespace(spec);
    int writes = 40;
    putRoundRobin(ns, writes, 8);
    assertThat(ns.flush(PATIENCE)).isTrue();
    cache.close();

    assertThat(writer.givenUp()).isEmpty();
    assertThat(causes).isEmpty();
    assertThat(writer.delivered()).extracting(Settled::value).containsExactlyInAnyOrderElementsOf(
        IntStream.range(0, writes).boxed().toList());
    assertSettledInOrderPerKey(writer.log);
    WriteBehindStats stats = ns.stats().writeBehind();
    assertThat(stats.failedAttempts()).isEqualTo(downFor);
    assertThat(stats.deadLetters()).isZero();
    assertThat(stats.written()).isEqualTo(writes);
  }

  /**
   * Down for good: after maxAttempts rounds each write goes to the dead-letter handler, in order
   * per key, and a round stops splitting once two writes failed alone with nothing written, so the
   * outage costs a few calls per round rather than one per write (40 writes split down to single
   * writes would be 79 calls a round).
   */
  @Test
  void aWriterDownLongerThanMaxAttemptsHandsEveryWriteOverInOrderAfterFewCalls() {
    RefusingWriter writer = new RefusingWriter(write -> false) {
      @Override
      public void writeAll(List<Map.Entry<String, Integer>> batch) {
        calls.incrementAndGet();
        throw new IllegalStateException("connection refused");
      }
    };
    List<Exception> causes = Collections.synchronizedList(new ArrayList<>());
    NamespaceSpec<String, Integer> spec = orders(writer, causes,
        flushedByHand(2));
    TieredCache cache = TieredCache.builder().namespace(spec).build();
    Namespace<String, Integer> ns = cache.namespace(spec);
    int writes = 40;
    putRoundRobin(ns, writes, 8);
    assertThat(ns.flush(PATIENCE)).isTrue();
    cache.close();

    assertThat(writer.delivered()).isEmpty();
    assertThat(writer.givenUp()).hasSize(writes);
    assertSettledInOrderPerKey(writer.log);
    assertThat(causes).allSatisfy(e -> assertThat(e).hasMessage("connection refused"));
    WriteBehindStats stats = ns.stats().writeBehind();
    assertThat(stats.deadLetters()).isEqualTo(writes);
    assertThat(stats.pending()).isZero();
    assertThat(stats.failedAttempts()).isEqualTo(writer.calls.get()).isLessThanOrEqualTo(30);
  }

  @Test
  void aDeadLetterHandlerThatThrowsDoesNotStopTheBuffer() {
    RefusingWriter writer = new RefusingWriter(write -> write.getKey().equals("poison"));
    NamespaceSpec<String, Integer> spec = NamespaceSpec.builder("orders", String.class, Integer.class)
        .ttl(TtlProfile.POSITION)
        .writeBehind(writer, WriteBehind.builder().retryBackoff(Duration.ofMillis(1)).maxAttempts(2).build())
        .deadLetters((namespace, key, value, cause) -> {
          throw new IllegalStateException("dead-letter table missing");
        })
        .build();
    TieredCache cache = TieredCache.builder().namespace(spec).build();
    Namespace<String, Integer> ns = cache.namespace(spec);
    ns.put("a", 1);
    ns.put("poison", 2);
    ns.put("b", 3);
    assertThat(ns.flush(PATIENCE)).isTrue();
    ns.put("c", 4);
    assertThat(ns.flush(PATIENCE)).isTrue();
    cache.close();
    assertThat(writer.delivered()).extracting(Settled::key).containsExactlyInAnyOrder("a", "b", "c");
    assertThat(ns.stats().writeBehind().deadLetters()).isEqualTo(1);
  }

  /**
   * Many writers, a writer refusing about one value in a hundred: every accepted write is settled
   * once, written or given up, the given-up ones are exactly the refused ones, and per key the
   * settling follows acceptance order.
   */
  @Test
  void underConcurrentWritersEveryWriteIsWrittenOrGivenUpOnceInOrderPerKey() throws Exception {
    RefusingWriter writer = new RefusingWriter(write -> write.getValue() % 101 == 7);
    List<Exception> causes = Collections.synchronizedList(new ArrayList<>());
    NamespaceSpec<String, Integer> spec = orders(writer, causes,
        WriteBehind.builder()
            .capacity(300)
            .batchSize(32)
            .flushInterval(Duration.ofMillis(2))
            .retryBackoff(Duration.ofMillis(1))
            .maxAttempts(3)
            .blockTimeout(PATIENCE)
            .build());
    int threads = 8;
    int writesPerThread = 2_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    TieredCache cache = TieredCache.builder().namespace(spec).build();
    Namespace<String, Integer> ns = cache.namespace(spec);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        writers.add(pool.submit(() -> {
          for (int i = 0; i < writesPerThread; i++) {
            // Values rise per key: each thread owns its keys.
            ns.put("t" + id + "-" + (i % 7), id * writesPerThread + i);
          }
          return null;
        }));
      }
      for (Future<?> w : writers) {
        w.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(ns.flush(PATIENCE)).isTrue();
    cache.close();

    int total = threads * writesPerThread;
    List<Integer> refused = IntStream.range(0, total).filter(v -> v % 101 == 7).boxed().toList();
    assertThat(writer.givenUp()).extracting(Settled::value).containsExactlyInAnyOrderElementsOf(refused);
    assertThat(writer.delivered()).hasSize(total - refused.size());
    List<Integer> settled = new ArrayList<>(writer.log.stream().map(Settled::value).toList());
    Collections.sort(settled);
    assertThat(settled).isEqualTo(IntStream.range(0, total).boxed().toList());
    assertSettledInOrderPerKey(writer.log);
    WriteBehindStats stats = ns.stats().writeBehind();
    assertThat(stats.accepted()).isEqualTo(total);
    assertThat(stats.written() + stats.deadLetters()).isEqualTo(total);
    assertThat(stats.pending()).isZero();
    assertThat(stats.undelivered()).isZero();
  }

  /** Settings that flush only when the test calls flush, retrying at once, up to {@code maxAttempts}. */
  private static WriteBehind flushedByHand(int maxAttempts) {
    return WriteBehind.builder()
        .capacity(100)
        .batchSize(64)
        .flushInterval(Duration.ofHours(1))
        .retryBackoff(Duration.ofMillis(1))
        .maxAttempts(maxAttempts)
        .build();
  }

  /** Puts 0 .. writes-1, value i under key "k" + (i % keys). */
  private static void putRoundRobin(Namespace<String, Integer> ns, int writes, int keys) {
    for (int i = 0; i < writes; i++) {
      ns.put("k" + (i % keys), i);
    }
  }
}
