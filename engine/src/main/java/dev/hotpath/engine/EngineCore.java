package dev.hotpath.engine;

import dev.hotpath.cache.AsyncNamespace;
import dev.hotpath.ratelimit.NanoClock;
import java.util.ArrayList;
import java.util.HashMap;
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
 * The batch side of the engine: batches, the per-key table that gives single flight, and the cache
 * reads. Source calls are the {@link CallRunner}'s.
 *
 * <p>How a batch runs: it registers as a waiter on each of its keys, then reads them through the
 * namespace's {@code getAll(keys, bulkLoader)}. Keys no tier holds reach {@link #load}, which puts
 * those nobody is fetching yet into calls and hands the cache a {@link Sink} to be completed with
 * the values. When a call settles a key, every waiting batch gets the outcome directly (value or
 * typed failure), whether its own read asked for the key or joined another batch's load; the sinks
 * get the value, and the cache stores it. A batch ends when every key has an outcome, at its
 * deadline, or when cancelled.
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
  private final long defaultDeadlineNanos;
  private final int maxKeysPerCall;

  private final Map<K, KeyState<K, V>> keys = new HashMap<>();
  private final Set<BatchRun<K, V>> runs = new LinkedHashSet<>();
  private long batchIds;
  private long callIds;
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
    this.maxKeysPerCall = config.source.maxKeysPerCall();
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

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  KeyState<K, V> key(K key) {
    return keys.get(key);
  }

  // ---- batches

  CompletableFuture<BatchResult<K, V>> submit(BatchRequest<K> request) {
    if (closed) {
      throw new IllegalStateException("BatchEngine '" + name + "' is closed");
    }
    List<K> batchKeys = request.keys();
    Priority priority = request.priority();
    try {
      admission.admit(priority, batchKeys.size());
    } catch (BatchRejectedException e) {
      stats.batchesRejected.increment();
      throw e;
    }
    long now = clock.nanos();
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
      for (K key : batchKeys) {
        register(run, key, after);
      }
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
    ScheduledFuture<?> timer = schedule(() -> end(run, ItemFailure.of(FailureKind.TIMED_OUT,
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
        execute(() -> end(run, ItemFailure.of(FailureKind.CANCELLED, "the batch was cancelled")));
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

  /** Makes {@code run} a waiter of {@code key}; a settled key that may still be joined is delivered. */
  private void register(BatchRun<K, V> run, K key, List<Runnable> after) {
    KeyState<K, V> ks = keys.computeIfAbsent(key, KeyState::new);
    ks.waiters.add(run);
    switch (ks.phase) {
      case SETTLED:
        if (ks.holds > 0) {
          deliver(run, ks, null, after); // the read may join the load that settled it
        } else {
          ks.forgetOutcome(); // old news: the read will find the value cached, or load again
        }
        break;
      case FILLING:
        deliver(run, ks, null, after);
        break;
      case IDLE:
        if (ks.holds > 0) {
          // A load still holds the key but nobody fetches it (its batches left): the read may join
          // that load and come back without it, so fetch it for this batch.
          enqueue(List.of(key), run.priority, after);
        }
        break;
      case QUEUED:
        if (ks.call.state == Call.State.QUEUED) {
          runner.promote(ks.call, run.priority);
        }
        break;
      default:
        break;
    }
  }

  /** The bulk loader given to the cache: the keys no tier holds, for {@code run}'s read. */
  private CompletableFuture<Map<K, V>> load(BatchRun<K, V> run, Set<K> missing) {
    Sink<K, V> sink = new Sink<>(run, Set.copyOf(missing));
    locked(after -> {
      run.sink = sink;
      List<K> fresh = new ArrayList<>();
      for (K key : sink.keys) {
        KeyState<K, V> ks = keys.computeIfAbsent(key, KeyState::new);
        ks.holds++;
        switch (ks.phase) {
          case IDLE:
            if (!ks.waiters.isEmpty()) {
              fresh.add(key);
              await(sink, ks);
            }
            break;
          case QUEUED:
          case IN_FLIGHT:
            await(sink, ks);
            break;
          default: // settled since the batch registered: hand over what it got
            if (ks.value != null) {
              sink.values.put(key, ks.value);
            }
            break;
        }
      }
      if (!fresh.isEmpty()) {
        enqueue(fresh, run.priority, after);
      }
      if (sink.awaiting.isEmpty() || run.done || run.ending) {
        completeSink(sink, after);
      }
      runner.dispatch(after);
    });
    return sink.future;
  }

  private void await(Sink<K, V> sink, KeyState<K, V> ks) {
    ks.sinks.add(sink);
    sink.awaiting.add(ks.key);
  }

  /** Puts {@code batchKeys} (nobody fetches them yet) into new calls of up to maxKeysPerCall keys. */
  void enqueue(List<K> batchKeys, Priority priority, List<Runnable> after) {
    for (int i = 0; i < batchKeys.size(); i += maxKeysPerCall) {
      Call<K> call = new Call<>(++callIds, batchKeys.subList(i, Math.min(batchKeys.size(), i + maxKeysPerCall)), priority);
      for (K key : call.keys) {
        KeyState<K, V> ks = keys.get(key);
        ks.value = null;
        ks.failure = null;
        ks.phase = KeyState.Phase.QUEUED;
        ks.call = call;
      }
      runner.enqueue(call);
    }
  }

  /** A new call, not queued, taking over {@code callKeys} (a half of a split call). */
  Call<K> newCall(List<K> callKeys, Priority priority, Call<K> parent) {
    Call<K> call = new Call<>(++callIds, callKeys, priority);
    call.parent = parent;
    for (K key : call.keys) {
      keys.get(key).call = call;
    }
    return call;
  }

  private void onCacheRead(BatchRun<K, V> run, Map<K, V> found, Throwable failure) {
    locked(after -> {
      run.cacheReadDone = true;
      Sink<K, V> sink = run.sink;
      if (sink != null) {
        for (K key : sink.keys) {
          KeyState<K, V> ks = keys.get(key);
          if (ks != null) {
            ks.holds--;
            removeIfUnused(ks);
          }
        }
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
        KeyState<K, V> ks = keys.get(key);
        if (ks != null && ks.hasWork()) {
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

  private void deliver(BatchRun<K, V> run, KeyState<K, V> ks, Call<K> call, List<Runnable> after) {
    long now = clock.nanos();
    if (ks.value != null) {
      resolveValue(run, ks.key, ks.value, false, call, now, after);
    } else {
      resolveFailure(run, ks.key, ks.failure, call, now, after);
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
      completeSink(run.sink, after);
    }
    int unresolved = run.keys.size() - run.resolvedCount();
    if (unresolved > 0) {
      admission.release(run.priority, unresolved);
    }
    for (K key : run.keys) {
      KeyState<K, V> ks = keys.get(key);
      if (ks == null) {
        continue;
      }
      ks.waiters.remove(run);
      if (ks.waiters.isEmpty()) {
        release(ks, after);
      }
      removeIfUnused(ks);
    }
    long now = clock.nanos();
    BatchResult<K, V> result = run.result(now);
    stats.batchDone(now - run.startNanos);
    after.add(() -> {
      run.report(run.keys.size());
      execute(() -> run.future.complete(result));
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
        completeSink(run.sink, after);
      }
      for (K key : run.keys) {
        KeyState<K, V> ks = run.isResolved(key) ? null : keys.get(key);
        if (ks != null) {
          for (Sink<K, V> sink : List.copyOf(ks.sinks)) {
            completeSink(sink, after); // its batch keeps waiting for the key: it hears of it directly
          }
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

  /** Completes a sink now with the values it has; keys it still awaited reach the cache by a fill. */
  private void completeSink(Sink<K, V> sink, List<Runnable> after) {
    if (sink.done) {
      return;
    }
    sink.done = true;
    for (K key : sink.awaiting) {
      KeyState<K, V> ks = keys.get(key);
      if (ks != null) {
        ks.sinks.remove(sink);
      }
    }
    sink.awaiting.clear();
    Map<K, V> values = new HashMap<>(sink.values);
    after.add(() -> sink.future.complete(values));
  }

  /** Nobody waits for the key any more: a queued fetch of it is dropped; one in flight goes on. */
  private void release(KeyState<K, V> ks, List<Runnable> after) {
    if (ks.phase == KeyState.Phase.QUEUED) {
      Call<K> call = ks.call;
      ks.call = null;
      ks.phase = KeyState.Phase.IDLE;
      runner.dropKey(call, ks.key);
    }
    if (ks.phase == KeyState.Phase.IDLE || ks.phase == KeyState.Phase.IN_FLIGHT) {
      releaseSinks(ks, after);
    }
  }

  /** The key's sinks stop waiting for it (their batches are gone); a sink left waiting for nothing completes. */
  void releaseSinks(KeyState<K, V> ks, List<Runnable> after) {
    for (Sink<K, V> sink : List.copyOf(ks.sinks)) {
      sink.awaiting.remove(ks.key);
      ks.sinks.remove(sink);
      if (sink.awaiting.isEmpty()) {
        completeSink(sink, after);
      }
    }
  }

  void removeIfUnused(KeyState<K, V> ks) {
    if (ks.isRemovable()) {
      keys.remove(ks.key, ks);
    }
  }

  /**
   * A call settled {@code ks}: its sinks get the value, then every waiting batch gets the outcome.
   * A value no sink took (their batches ended early) goes into {@code fills}, for {@link #fill}.
   */
  void settle(KeyState<K, V> ks, V value, ItemFailure failure, Call<K> call, Map<K, V> fills, List<Runnable> after) {
    ks.call = null;
    ks.phase = KeyState.Phase.SETTLED;
    ks.value = value;
    ks.failure = failure;
    boolean taken = false;
    for (Sink<K, V> sink : List.copyOf(ks.sinks)) {
      if (value != null) {
        sink.values.put(ks.key, value);
        taken = true;
      }
      sink.awaiting.remove(ks.key);
      if (sink.awaiting.isEmpty()) {
        completeSink(sink, after);
      }
    }
    ks.sinks.clear();
    if (value != null && !taken) {
      ks.phase = KeyState.Phase.FILLING;
      fills.put(ks.key, value);
    }
    for (BatchRun<K, V> run : List.copyOf(ks.waiters)) {
      if (!run.done) {
        deliver(run, ks, call, after);
        if (run.allResolved()) {
          finish(run, after);
        }
      }
    }
    removeIfUnused(ks);
  }

  /**
   * Stores values that no cache load took, as the cache's own load would (every tier, no
   * invalidation sent): a read of them with a loader that hands them over.
   */
  void fill(Map<K, V> values, List<Runnable> after) {
    if (values.isEmpty()) {
      return;
    }
    Map<K, V> copy = Map.copyOf(values);
    after.add(() -> {
      CompletableFuture<Map<K, V>> filled;
      try {
        filled = cache.getAll(copy.keySet(), wanted -> {
          Map<K, V> handed = new HashMap<>();
          wanted.forEach(k -> handed.put(k, copy.get(k)));
          return CompletableFuture.completedFuture(handed);
        });
      } catch (RuntimeException e) {
        filled = CompletableFuture.failedFuture(e);
      }
      filled.whenComplete((ignored, failure) -> {
        if (failure != null) {
          LOG.debug("BatchEngine '{}': could not store {} fetched values in the cache", name, copy.size(), failure);
        }
        locked(a -> {
          for (K key : copy.keySet()) {
            KeyState<K, V> ks = keys.get(key);
            if (ks != null && ks.phase == KeyState.Phase.FILLING) {
              ks.phase = KeyState.Phase.SETTLED;
              removeIfUnused(ks);
            }
          }
        });
      });
    });
  }

  /** The latest deadline of the batches waiting for the call's keys; Long.MIN_VALUE when none waits. */
  long latestDeadline(Call<K> call) {
    long latest = Long.MIN_VALUE;
    for (K key : call.keys) {
      KeyState<K, V> ks = keys.get(key);
      if (ks != null) {
        for (BatchRun<K, V> run : ks.waiters) {
          latest = Math.max(latest, run.deadlineNanos);
        }
      }
    }
    return latest;
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
      return keys.size();
    } finally {
      lock.unlock();
    }
  }
}
