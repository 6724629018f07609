package dev.hotpath.engine;

import dev.hotpath.cache.AsyncNamespace;
import dev.hotpath.ratelimit.NanoClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch side of the engine: batches, their cache reads, their ends, and the engine's
 * lifecycle. Single flight is the {@link KeyTable}'s; source calls are the {@link CallRunner}'s.
 *
 * <p>How a batch runs: a batch whose every key the in-process tier holds is answered at once, in
 * the caller, and never registers (see {@link #answerFromMemory}). Any other batch registers as a
 * waiter on each of its keys in the {@link KeyTable}, then reads them through the namespace's
 * {@code getAll(keys, bulkLoader)}. Keys no tier holds reach
 * {@link #load}, which puts those nobody is fetching yet into calls and hands the cache a {@link
 * Sink} to be completed with the values. When a call settles a key, every waiting batch gets the
 * outcome directly (value or typed failure), whether its own read asked for the key or joined
 * another batch's load; the sinks get the value, and the cache stores it. A batch ends when every
 * key has an outcome, at its deadline, or when cancelled.
 *
 * <p>One lock guards everything; work that can run long or call out (completing futures, the
 * cache's writes, the rate limiter, the source, listeners) is collected while it is held and run
 * after it is released.
 */
final class EngineCore<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(EngineCore.class);

  final String name;
  final Source<K, V> source;
  final AsyncNamespace<K, V> cache;
  final NanoClock clock;
  final Executor executor;
  final ScheduledExecutorService scheduler;
  final Admission admission;
  final EngineStats stats = new EngineStats();
  final ReentrantLock lock = new ReentrantLock();
  final CallRunner<K, V> runner;
  final KeyTable<K, V> table;
  private final long defaultDeadlineNanos;

  private final Set<BatchRun<K, V>> runs = new LinkedHashSet<>();
  private long batchIds;
  private volatile boolean closed;

  EngineCore(EngineConfig<K, V> config) {
    this.name = config.source.name();
    this.source = config.source;
    this.cache = config.namespace.async();
    this.clock = config.clock;
    this.executor = config.executor;
    this.scheduler = config.scheduler;
    this.admission = new Admission(name, config.queueCapacity);
    this.defaultDeadlineNanos = config.defaultDeadlineNanos;
    this.table = new KeyTable<>(this, cache, config.source.maxKeysPerCall());
    this.runner = new CallRunner<>(this, config);
  }

  // ---- plumbing

  /** Runs {@code body} under the lock, then what it queued in its list, in order, without it. */
  void locked(Consumer<List<Runnable>> body) {
    List<Runnable> after = new ArrayList<>();
    lock.lock();
    try {
      body.accept(after);
    } finally {
      lock.unlock();
    }
    for (Runnable action : after) {
      try {
        action.run();
      } catch (RuntimeException e) {
        LOG.error("BatchEngine '{}': an internal action failed", name, e);
      }
    }
  }

  /** Runs {@code task} on the executor, or here when the executor refuses it (shut down, saturated). */
  void execute(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      task.run();
    }
  }

  /** Runs {@code task} on the executor after {@code delayNanos}; null when the scheduler is shut down. */
  ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
    try {
      return scheduler.schedule(() -> execute(task), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  /** Runs {@code task} on the timer thread after {@code delayNanos}; null when the scheduler is shut down. */
  ScheduledFuture<?> scheduleOnTimer(Runnable task, long delayNanos) {
    try {
      return scheduler.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  // ---- batches

  CompletableFuture<BatchResult<K, V>> submit(BatchRequest<K> request) {
    if (closed) {
      throw new IllegalStateException("BatchEngine '" + name + "' is closed");
    }
    long now = clock.nanos();
    BatchResult<K, V> fromMemory = answerFromMemory(request, now);
    if (fromMemory != null) {
      return CompletableFuture.completedFuture(fromMemory);
    }
    List<K> batchKeys = request.keys();
    Priority priority = request.priority();
    admit(priority, batchKeys.size());
    long deadline = Checks.plus(now, request.deadline().map(d -> Checks.positiveNanos("deadline", d)).orElse(defaultDeadlineNanos));
    List<BatchRun<K, V>> created = new ArrayList<>(1);
    boolean[] finished = new boolean[1];
    locked(after -> {
      if (closed) {
        admission.release(priority, batchKeys.size());
        throw new IllegalStateException("BatchEngine '" + name + "' is closed");
      }
      BatchRun<K, V> run = new BatchRun<>(++batchIds, batchKeys, priority, now, deadline, request.listener().orElse(null));
      created.add(run);
      runs.add(run);
      List<K> toFetch = new ArrayList<>();
      for (K key : batchKeys) {
        table.register(run, key, toFetch, after);
      }
      table.fetch(toFetch, run.priority);
      if (run.allResolved()) {
        finish(run, after);
        finished[0] = true;
      } else {
        runner.dispatch(after);
      }
    });
    BatchRun<K, V> run = created.get(0);
    if (finished[0]) {
      return run.future;
    }
    // The deadline runs on the timer thread itself, not queued behind source calls on the pool.
    ScheduledFuture<?> timer = scheduleOnTimer(() -> end(run, ItemFailure.of(FailureKind.TIMED_OUT,
        "the batch's deadline passed before source '" + name + "' delivered it")), deadline - now);
    locked(after -> {
      if (run.done) {
        if (timer != null) {
          timer.cancel(false);
        }
      } else {
        run.timer = timer;
      }
    });
    run.future.whenComplete((result, failure) -> {
      if (failure != null) { // the host cancelled the future, or completed it itself
        // In the canceller's thread, so that once cancel() returns no call is made for this
        // batch alone (handed to the pool, a queued call could still start in between).
        end(run, ItemFailure.of(FailureKind.CANCELLED, "the batch was cancelled"));
      }
    });
    CompletableFuture<Map<K, V>> read;
    try {
      read = cache.getAll(batchKeys, missing -> load(run, missing));
    } catch (RuntimeException e) {
      read = CompletableFuture.failedFuture(e);
    }
    read.whenComplete((found, failure) -> onCacheRead(run, found, failure));
    return run.future;
  }

  /**
   * The answer to a batch whose every key the in-process tier holds, or null when it does not hold
   * them all. Such a batch is answered in the caller without registering in the key table: a call
   * in flight for one of its keys (a host's put raced it) changes nothing, since the usual way would
   * also take the cached value. It is admitted like any batch, first with its keys as given (the
   * in-process read is counted only when admitted, so a refused batch leaves the cache's stats
   * alone); when the queue has no room for duplicates included, or the read does not answer, the
   * usual way admits it by its distinct keys.
   */
  private BatchResult<K, V> answerFromMemory(BatchRequest<K> request, long start) {
    Priority priority = request.priority();
    List<K> given = request.givenKeys();
    if (admission.tryAdmit(priority, given.size()) >= 0) {
      return null;
    }
    Map<K, V> values;
    try {
      values = cache.getAllIfInProcess(given);
    } catch (RuntimeException e) {
      values = null; // the cache is closed: the usual way reports it per item
    } finally {
      admission.release(priority, given.size());
    }
    if (values == null) {
      return null;
    }
    int items = values.size();
    long[] id = new long[1];
    long now = clock.nanos();
    locked(after -> {
      id[0] = ++batchIds;
      stats.itemsFromMemory(items, now);
      stats.batchDone(now - start);
    });
    request.listener().ifPresent(listener -> BatchRun.tell(listener, id[0], items, items));
    return BatchResult.allFromMemory(values, priority, Duration.ofNanos(Math.max(0, now - start)));
  }

  private void admit(Priority priority, int items) {
    try {
      admission.admit(priority, items);
    } catch (BatchRejectedException e) {
      stats.batchesRejected.increment();
      throw e;
    }
  }

  /** The bulk loader given to the cache: the keys no tier holds, for {@code run}'s read. */
  private CompletableFuture<Map<K, V>> load(BatchRun<K, V> run, Set<K> missing) {
    Sink<K, V> sink = new Sink<>(run, Set.copyOf(missing));
    locked(after -> {
      run.sink = sink;
      table.load(run, sink, after);
      runner.dispatch(after);
    });
    return sink.future;
  }

  private void onCacheRead(BatchRun<K, V> run, Map<K, V> found, Throwable failure) {
    locked(after -> {
      if (run.sink != null) {
        table.releaseHolds(run.sink);
      }
      if (run.done) {
        return;
      }
      long now = clock.nanos();
      Throwable cause = failure == null ? null : unwrap(failure);
      for (K key : run.keys) {
        if (run.isResolved(key)) {
          continue;
        }
        V value = found == null ? null : found.get(key);
        if (value != null) {
          resolveValue(run, key, value, true, null, now, after);
          continue;
        }
        if (table.hasWork(key)) {
          continue; // a call will settle it
        }
        resolveFailure(run, key, cause != null
            ? ItemFailure.of(FailureKind.REJECTED, "the cache could not read it: " + cause, cause)
            : ItemFailure.of(FailureKind.NOT_FOUND, "a cache tier holds it as absent"), null, now, after);
      }
      if (run.allResolved()) {
        finish(run, after);
      }
    });
  }

  /** Gives {@code run} the outcome {@code ks} settled with. */
  void deliver(BatchRun<K, V> run, KeyState<K, V> ks, Call<K> call, List<Runnable> after) {
    long now = clock.nanos();
    if (ks.value != null) {
      resolveValue(run, ks.key, ks.value, false, call, now, after);
    } else {
      resolveFailure(run, ks.key, ks.failure, call, now, after);
    }
  }

  /** {@link #deliver}, and ends the batch if that was its last item. */
  void deliverAndMaybeFinish(BatchRun<K, V> run, KeyState<K, V> ks, Call<K> call, List<Runnable> after) {
    if (!run.done) {
      deliver(run, ks, call, after);
      if (run.allResolved()) {
        finish(run, after);
      }
    }
  }

  private void resolveValue(BatchRun<K, V> run, K key, V value, boolean cached, Call<K> call, long now, List<Runnable> after) {
    if (run.resolveValue(key, value, cached, call)) {
      admission.release(run.priority, 1);
      stats.itemValue(cached, now);
      progress(run, after);
    }
  }

  private void resolveFailure(BatchRun<K, V> run, K key, ItemFailure failure, Call<K> call, long now, List<Runnable> after) {
    if (run.resolveFailure(key, failure, call)) {
      admission.release(run.priority, 1);
      stats.itemFailed(failure.kind(), now);
      progress(run, after);
    }
  }

  private void progress(BatchRun<K, V> run, List<Runnable> after) {
    if (run.hasListener() && !run.allResolved()) {
      int done = run.resolvedCount();
      after.add(() -> run.report(done));
    }
  }

  /** The batch is over: deregister it, let go of what only it needed, complete its future. */
  private void finish(BatchRun<K, V> run, List<Runnable> after) {
    if (run.done) {
      return;
    }
    run.done = true;
    runs.remove(run);
    if (run.timer != null) {
      run.timer.cancel(false);
    }
    if (run.sink != null) {
      table.completeSink(run.sink, after);
    }
    int unresolved = run.keys.size() - run.resolvedCount();
    if (unresolved > 0) {
      admission.release(run.priority, unresolved);
    }
    for (K key : run.keys) {
      table.deregister(run, key, after);
    }
    long now = clock.nanos();
    BatchResult<K, V> result = run.result(now);
    stats.batchDone(now - run.startNanos);
    after.add(() -> {
      run.report(run.keys.size());
      run.future.complete(result); // in this thread: a busy pool must not hold back a deadline
    });
  }

  /**
   * Ends a batch before all its items are done (deadline, cancellation, close): first the cache
   * loads it waits on are completed with what they have, so the cache hands the batch what its
   * tiers held; then every item still open gets {@code failure}.
   */
  void end(BatchRun<K, V> run, ItemFailure failure) {
    locked(after -> {
      if (run.done || run.ending) {
        return;
      }
      run.ending = true;
      if (run.sink != null) {
        table.completeSink(run.sink, after);
      }
      for (K key : run.keys) {
        if (!run.isResolved(key)) {
          table.completeSinksOf(key, after); // their batches keep waiting for the key: they hear of it directly
        }
      }
    });
    locked(after -> {
      if (run.done) {
        return;
      }
      long now = clock.nanos();
      for (K key : run.keys) {
        resolveFailure(run, key, failure, null, now, after);
      }
      finish(run, after);
    });
  }

  // ---- lifecycle and observation

  boolean isClosed() {
    return closed;
  }

  CloseReport close(long drainNanos) {
    List<BatchRun<K, V>> pending = new ArrayList<>();
    boolean[] first = new boolean[1];
    locked(after -> {
      first[0] = !closed;
      closed = true;
      pending.addAll(runs);
    });
    if (!first[0]) {
      return null;
    }
    long waitUntil = Checks.plus(System.nanoTime(), drainNanos);
    boolean interrupted = false;
    for (BatchRun<K, V> run : pending) {
      long left = waitUntil - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        run.future.get(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        interrupted = true;
        break;
      } catch (Exception e) {
        // cancelled, timed out or failed: counted below
      }
    }
    List<BatchRun<K, V>> abandoned = new ArrayList<>();
    int[] counts = new int[3];
    locked(after -> {
      abandoned.addAll(runs);
      for (BatchRun<K, V> run : abandoned) {
        counts[0] += run.keys.size() - run.resolvedCount();
      }
      counts[1] = runner.queuedCalls();
      counts[2] = runner.callsInFlight();
    });
    for (BatchRun<K, V> run : abandoned) {
      end(run, ItemFailure.of(FailureKind.CANCELLED, "the engine closed before source '" + name + "' delivered it"));
    }
    locked(after -> runner.stop(after));
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return new CloseReport(abandoned.size(), counts[0], counts[1], counts[2]);
  }

  EngineSnapshot snapshot() {
    EngineSnapshot[] snapshot = new EngineSnapshot[1];
    locked(after -> {
      long now = clock.nanos();
      long[] recent = stats.recent(now);
      long[] queued = new long[3];
      for (Priority p : Priority.values()) {
        queued[p.ordinal()] = admission.queued(p);
      }
      snapshot[0] = new EngineSnapshot(recent[0], recent[1], recent[2], EngineStats.RECENT_SECONDS,
          runner.quota.quotaUsed(), runner.quota.quotaLimit(), stats.weightUsed.sum(), runner.slotsInUse(),
          runner.limit(), queued, runs.size(), runner.circuitState(now), runner.pausedNanos(now));
    });
    return snapshot[0];
  }

  /** Source calls waiting in the queues (tests). */
  int queuedCalls() {
    lock.lock();
    try {
      return runner.queuedCalls();
    } finally {
      lock.unlock();
    }
  }

  /** Keys the engine tracks (tests: the table must empty when nothing runs). */
  int trackedKeys() {
    lock.lock();
    try {
      return table.size();
    } finally {
      lock.unlock();
    }
  }
}
