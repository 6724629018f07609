package dev.hotpath;

import static org.assertj.core.api.Assertions.fail;

import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.engine.Source;
import dev.hotpath.engine.SourceReply;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/** What the builder's tests share: namespaces, a source, and patient waiting. */
final class TestSupport {
  /** How long a test waits for something that should happen; generous for a loaded machine. */
  static final Duration PATIENCE = Duration.ofSeconds(30);
  /**
   * The Redis timeout of tests that assert what Redis answered: a loaded machine can stall one
   * command longer than the 250 ms default, which would be a miss or an undecided limit.
   */
  static final Duration REDIS_TIMEOUT = Duration.ofSeconds(10);

  private TestSupport() {}

  /** A namespace in process and in every shared tier for ten minutes, loading {@code "loaded:" + key}. */
  static NamespaceSpec<String, String> spec(String name) {
    return NamespaceSpec.builder(name, String.class, String.class)
        .ttl(TtlProfile.builder().l1(Duration.ofMinutes(10)).l2(Duration.ofMinutes(10)).build())
        .loader(key -> "loaded:" + key)
        .build();
  }

  /** Polls {@code condition} until it holds, failing after {@link #PATIENCE}. No timing is asserted. */
  static void await(String what, BooleanSupplier condition) {
    await(what, PATIENCE, condition);
  }

  /** {@link #await(String, BooleanSupplier)} for what takes longer: failing after {@code patience}. */
  static void await(String what, Duration patience, BooleanSupplier condition) {
    long deadline = System.nanoTime() + patience.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("waited " + patience + " for: " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted while waiting for: " + what);
      }
    }
  }

  /**
   * The live threads of Hotpath's parts and of Lettuce clients, by their names ({@code hotpath-*},
   * {@code lettuce-*}), except the rate limiters' scheduler, which serves the whole JVM and never
   * stops.
   */
  static Set<Thread> partThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("hotpath-") || t.getName().startsWith("lettuce-"))
        .filter(t -> !t.getName().equals("hotpath-ratelimit-scheduler"))
        .collect(Collectors.toSet());
  }

  /** The {@link #partThreads()} alive now that were not in {@code before}. */
  static Set<Thread> partThreadsStartedSince(Set<Thread> before) {
    Set<Thread> started = partThreads();
    started.removeAll(before);
    return started;
  }

  /** Waits until every one of {@code threads} has ended, failing after {@link #PATIENCE} with those alive. */
  static void awaitEnded(Set<Thread> threads) {
    try {
      await("every thread has ended", () -> threads.stream().noneMatch(Thread::isAlive));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; still alive: "
          + threads.stream().filter(Thread::isAlive).map(Thread::getName).sorted().toList(), e);
    }
  }

  static <T> T get(CompletableFuture<T> future) {
    try {
      return future.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the future did not complete normally within " + PATIENCE, e);
    }
  }

  /** A source that finds every key ({@code "fetched:" + key}) and counts its calls. */
  static final class CountingSource implements Source<String, String> {
    final AtomicInteger calls = new AtomicInteger();
    private final String name;

    CountingSource(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int maxKeysPerCall() {
      return 10;
    }

    @Override
    public CompletableFuture<SourceReply<String, String>> fetch(List<String> keys) {
      calls.incrementAndGet();
      Map<String, String> values = new HashMap<>();
      keys.forEach(k -> values.put(k, "fetched:" + k));
      return CompletableFuture.completedFuture(SourceReply.of(values));
    }
  }
}
