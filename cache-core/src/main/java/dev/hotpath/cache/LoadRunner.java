package dev.hotpath.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one namespace's loads (the reads behind its in-process tier) and hands their outcome to
 * Caffeine, and through it to every reader waiting on the key.
 *
 * <p><b>Write-backs after the value.</b> A load copies what it found or loaded into the shared
 * tiers above where it found it. Those writes are handed to {@link WriteBacks} and run on the load
 * thread only after the load's future is completed: a reader waits for the lookups and the loader,
 * never for a write to a tier that may be as slow as the lookup was. They keep their order against
 * changes of the key the way they always did: each one checks the key's stamp under its write lock
 * when it runs (see {@link InvalidationStamps}), so a put or invalidation made meanwhile on this
 * node makes it skip, and one made on another node is undone by the check after writing once its
 * event has arrived. What is new is only that another node's change made after the reader got its
 * value can now land before the write-back: the Redis and PostgreSQL tiers' fills never replace a
 * live value, so they refuse it; on a tier whose fill is a plain put, the check after writing is
 * what removes it (see {@link dev.hotpath.cache.spi.NamespaceStore#fill}). With an executor that runs tasks in the calling
 * thread, the caller runs them too.
 *
 * <p><b>Failures logged once.</b> Caffeine logs every load whose future fails at WARNING, with the
 * stack trace, on {@code System.Logger} (JUL unless the host routes it), and leaves cancellations
 * out. A failed load is therefore logged here as one line on the SLF4J logger {@value #LOGGER} (at
 * WARN; the stack trace is added at DEBUG), whose level the host sets, and its future fails with a
 * {@link QuietFailure}, a cancellation whose cause is the failure; readers are given the cause
 * (see {@link #unwrap}).
 */
final class LoadRunner {
  /** The logger of failed loads, named for hosts to configure. */
  static final String LOGGER = "dev.hotpath.cache.load";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
  private static final Logger WRITE_BACK_LOG = LoggerFactory.getLogger(LoadRunner.class);

  private final String namespace;
  private final Executor executor;
  private final BooleanSupplier closed;
  /** Loads started and not finished, their write-backs included. */
  private final AtomicInteger running = new AtomicInteger();

  /** Write-backs not made; this runner adds those the executor refused to run. */
  private final LongAdder skipped;

  LoadRunner(String namespace, Executor executor, BooleanSupplier closed, LongAdder skipped) {
    this.namespace = namespace;
    this.executor = executor;
    this.closed = closed;
    this.skipped = skipped;
  }

  /**
   * {@link #load} into {@code outcome}, a future already registered for its readers, whose first
   * stage runs in the calling thread: when {@code inCaller} answers (not null), {@code outcome} is
   * complete when this returns and no load thread was involved; when it answers null, {@code
   * onPool} runs as {@link #load} runs a load. The write-backs each stage defers run after {@code
   * outcome} is complete. Whatever this throws or meets, {@code outcome} is completed: a future
   * left pending would hold every later reader of its key.
   *
   * @param keys the key or keys, for the message when the executor refuses the load
   */
  <T> void load(CompletableFuture<T> outcome, Object keys, Function<WriteBacks, T> inCaller,
      Function<WriteBacks, T> onPool) {
    try {
      WriteBacks later = new WriteBacks();
      T value;
      try {
        value = inCaller.apply(later);
      } catch (Throwable failure) {
        fail(outcome, failure);
        return;
      }
      if (value == null) {
        loadInto(outcome, keys, onPool);
        return;
      }
      outcome.complete(value);
      writeBackLater(later);
    } catch (Throwable unexpected) {
      outcome.completeExceptionally(new QuietFailure(unexpected));
      throw unexpected;
    }
  }

  /**
   * Runs {@code load} on the executor for Caffeine: the future completes with its result and the
   * write-backs it deferred run after that, or it fails quietly (logged once) with what it threw.
   *
   * @param keys the key or keys, for the message when the executor refuses the load
   */
  <T> CompletableFuture<T> load(Object keys, Function<WriteBacks, T> load) {
    CompletableFuture<T> outcome = new CompletableFuture<>();
    loadInto(outcome, keys, load);
    return outcome;
  }

  private <T> void loadInto(CompletableFuture<T> outcome, Object keys, Function<WriteBacks, T> load) {
    WriteBacks later = new WriteBacks();
    running.incrementAndGet();
    try {
      executor.execute(() -> {
        try {
          T value;
          try {
            value = load.apply(later);
          } catch (Throwable failure) {
            fail(outcome, failure);
            return;
          }
          outcome.complete(value);
          writeBack(later);
        } finally {
          running.decrementAndGet();
        }
      });
    } catch (RejectedExecutionException e) {
      fail(outcome, new LoadRejectedException(namespace, keys, e));
      running.decrementAndGet();
    }
  }

  /**
   * {@link #load} for a load made of stages ({@code stages} gets the write-backs to defer and
   * returns the last stage's future): completes like {@link #load} once that future does.
   */
  <T> CompletableFuture<T> loadInStages(Function<WriteBacks, CompletableFuture<T>> stages) {
    CompletableFuture<T> outcome = new CompletableFuture<>();
    WriteBacks later = new WriteBacks();
    running.incrementAndGet();
    CompletableFuture<T> last;
    try {
      last = stages.apply(later);
    } catch (Throwable failure) {
      fail(outcome, failure);
      running.decrementAndGet();
      return outcome;
    }
    last.whenComplete((value, failure) -> {
      if (failure != null) {
        fail(outcome, failure);
        running.decrementAndGet();
        return;
      }
      outcome.complete(value);
      // The last stage may complete on the host's thread (a bulk loader's future): the write-backs
      // go to a load thread rather than hold that one.
      handOff(later);
    });
    return outcome;
  }

  /**
   * Runs the write-backs of a read made outside this runner (in its caller's thread) on the
   * executor, so that caller does not wait for them; counted as a running load until done.
   */
  void writeBackLater(WriteBacks later) {
    if (!later.isEmpty()) {
      running.incrementAndGet();
      handOff(later);
    }
  }

  /** Runs {@code later} on the executor and then ends the running load it belongs to. */
  private void handOff(WriteBacks later) {
    if (later.isEmpty()) {
      running.decrementAndGet();
      return;
    }
    Runnable writeBacks = () -> {
      try {
        writeBack(later);
      } finally {
        running.decrementAndGet();
      }
    };
    try {
      executor.execute(writeBacks);
    } catch (RejectedExecutionException e) {
      // Not run here: this may be the thread of a Lettuce reply, and a write-back is optional.
      skipped.add(later.size());
      running.decrementAndGet();
    }
  }

  /** Runs {@code step} on the executor: one stage of a {@link #loadInStages} load, or a fill. */
  <T> CompletableFuture<T> submit(Object keys, Supplier<T> step) {
    try {
      return CompletableFuture.supplyAsync(step, executor);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new LoadRejectedException(namespace, keys, e));
    }
  }

  /** Loads started and not finished yet, their write-backs included; for tests. */
  int running() {
    return running.get();
  }

  private void writeBack(WriteBacks later) {
    if (closed.getAsBoolean()) {
      return; // the tiers are closing: nothing to write back to
    }
    try {
      later.run();
    } catch (RuntimeException e) {
      // Tier failures are the tier guard's to count; this would be a bug, not to be lost silently.
      WRITE_BACK_LOG.error("namespace '{}': a write-back failed", namespace, e);
    }
  }

  private void fail(CompletableFuture<?> outcome, Throwable failure) {
    Throwable cause = unwrap(failure);
    String message = cause instanceof CacheException ? cause.getMessage()
        : "namespace '" + namespace + "': load failed: " + cause;
    if (LOG.isDebugEnabled()) {
      LOG.warn("{}", message, cause);
    } else {
      LOG.warn("{}", message);
    }
    outcome.completeExceptionally(new QuietFailure(cause));
  }

  /**
   * What a reader is told when a load failed: the failure itself, without the {@link
   * CompletionException}, {@link ExecutionException} and {@link QuietFailure} around it.
   */
  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException || t instanceof QuietFailure)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * The write-backs of one load, run once its readers have the value. Not thread-safe: the stages
   * of one load run one after another.
   */
  static final class WriteBacks {
    private List<Runnable> pending;

    void add(Runnable writeBack) {
      if (pending == null) {
        pending = new ArrayList<>(2);
      }
      pending.add(writeBack);
    }

    boolean isEmpty() {
      return pending == null;
    }

    int size() {
      return pending == null ? 0 : pending.size();
    }

    void run() {
      if (pending != null) {
        pending.forEach(Runnable::run);
      }
    }
  }

  /**
   * A failed load as Caffeine sees it: a cancellation (which Caffeine does not log) whose cause is
   * the failure. Never reaches a caller. No stack trace: the cause has one.
   */
  static final class QuietFailure extends CancellationException {
    private static final long serialVersionUID = 1L;

    QuietFailure(Throwable cause) {
      super(cause.toString());
      initCause(cause);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
