package dev.hotpath.engine;

import static org.assertj.core.api.Assertions.fail;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.ratelimit.NanoClock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/** What the engine's tests share: a scripted source, a manual clock, a cache, and patient waiting. */
final class Fixtures {
  /** How long a test waits for something that should happen; generous for a loaded machine. */
  static final long PATIENCE_SECONDS = 30;

  private Fixtures() {
  }

  static NamespaceSpec<String, String> spec(String name) {
    return NamespaceSpec.builder(name, String.class, String.class)
        .ttl(TtlProfile.builder().l1(Duration.ofMinutes(10)).l2(Duration.ofMinutes(10)).build())
        .maximumSize(100_000)
        .build();
  }

  /** An in-process-only cache with one namespace, "prices". */
  static TieredCache inProcessCache() {
    return TieredCache.builder().namespace(spec("prices")).build();
  }

  static Namespace<String, String> prices(TieredCache cache) {
    return cache.namespace(spec("prices"));
  }

  /** The value the scripted source answers for {@code key}. */
  static String valueOf(String key) {
    return "v:" + key;
  }

  /** Polls {@code condition} until it holds, failing after {@link #PATIENCE_SECONDS}. No timing is asserted. */
  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("waited " + PATIENCE_SECONDS + " s for: " + what);
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted while waiting for: " + what);
      }
    }
  }

  static <T> T get(CompletableFuture<T> future) {
    try {
      return future.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the future did not complete normally within " + PATIENCE_SECONDS + " s", e);
    }
  }

  /** A clock the test moves. */
  static final class ManualClock implements NanoClock {
    private final AtomicLong nanos = new AtomicLong(1_700_000_000_000_000_000L);

    @Override
    public long nanos() {
      return nanos.get();
    }

    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }
  }

  /**
   * A scheduler whose timers fire only when the test says ({@link #fireWithin}); the engine uses
   * only {@code schedule(Runnable, long, TimeUnit)}. Lets a test decide when a deadline passes.
   */
  static final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final List<Timer> timers = new CopyOnWriteArrayList<>();

    /** Runs, in the calling thread, every live timer set to fire within {@code delay} of being set. */
    void fireWithin(Duration delay) {
      for (Timer timer : timers) {
        if (timer.delayNanos <= delay.toNanos() && timer.claim()) {
          timer.task.run();
        }
      }
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      Timer timer = new Timer(command, unit.toNanos(delay));
      timers.add(timer);
      return timer;
    }

    @Override
    public <T> ScheduledFuture<T> schedule(Callable<T> callable, long delay, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void execute(Runnable command) {
      command.run();
    }

    @Override
    public void shutdown() {
    }

    @Override
    public List<Runnable> shutdownNow() {
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }

    private static final class Timer implements ScheduledFuture<Object> {
      private final Runnable task;
      private final long delayNanos;
      private final AtomicInteger state = new AtomicInteger();

      Timer(Runnable task, long delayNanos) {
        this.task = task;
        this.delayNanos = delayNanos;
      }

      /** 0 waiting, 1 fired, 2 cancelled. */
      boolean claim() {
        return state.compareAndSet(0, 1);
      }

      @Override
      public long getDelay(TimeUnit unit) {
        return unit.convert(delayNanos, TimeUnit.NANOSECONDS);
      }

      @Override
      public int compareTo(Delayed o) {
        return Long.compare(delayNanos, o.getDelay(TimeUnit.NANOSECONDS));
      }

      @Override
      public boolean cancel(boolean mayInterruptIfRunning) {
        return state.compareAndSet(0, 2);
      }

      @Override
      public boolean isCancelled() {
        return state.get() == 2;
      }

      @Override
      public boolean isDone() {
        return state.get() != 0;
      }

      @Override
      public Object get() {
        return null;
      }

      @Override
      public Object get(long timeout, TimeUnit unit) {
        return null;
      }
    }
  }

  /**
   * A source whose answers the test scripts: by default every key is found at once ({@link
   * #valueOf}); {@link #hold()} makes calls wait for the test. Records every call.
   */
  static final class ScriptedSource implements Source<String, String> {
    final List<List<String>> calls = new CopyOnWriteArrayList<>();
    final List<Held> held = new CopyOnWriteArrayList<>();
    private final int maxKeysPerCall;
    private final long weightPerCall;
    private volatile Function<List<String>, CompletableFuture<SourceReply<String, String>>> answer = ScriptedSource::found;

    ScriptedSource() {
      this(1, 1);
    }

    ScriptedSource(int maxKeysPerCall, long weightPerCall) {
      this.maxKeysPerCall = maxKeysPerCall;
      this.weightPerCall = weightPerCall;
    }

    static CompletableFuture<SourceReply<String, String>> found(List<String> keys) {
      Map<String, String> values = new HashMap<>();
      keys.forEach(k -> values.put(k, valueOf(k)));
      return CompletableFuture.completedFuture(SourceReply.of(values));
    }

    @Override
    public String name() {
      return "scripted";
    }

    @Override
    public int maxKeysPerCall() {
      return maxKeysPerCall;
    }

    @Override
    public long weight(List<String> keys) {
      return weightPerCall;
    }

    @Override
    public CompletableFuture<SourceReply<String, String>> fetch(List<String> keys) {
      calls.add(List.copyOf(keys));
      return answer.apply(keys);
    }

    void answer(Function<List<String>, CompletableFuture<SourceReply<String, String>>> answer) {
      this.answer = answer;
    }

    /** A call waiting for the test. */
    record Held(List<String> keys, CompletableFuture<SourceReply<String, String>> reply) {}

    /** From now on calls wait: they are in {@link #held}, in call order. */
    void hold() {
      answer(keys -> {
        Held h = new Held(List.copyOf(keys), new CompletableFuture<>());
        held.add(h);
        return h.reply();
      });
    }

    /** Answers held call {@code i} with every key found. */
    void release(int i) {
      Held h = held.get(i);
      h.reply().complete(found(h.keys()).join());
    }

    /** Answers every held call not answered yet with every key found. */
    void releaseAll() {
      for (int i = 0; i < held.size(); i++) {
        release(i);
      }
    }

    int callCount() {
      return calls.size();
    }

    long callsFor(String key) {
      return calls.stream().filter(c -> c.contains(key)).count();
    }
  }
}
