package dev.hotpath.engine;

import dev.hotpath.cache.AsyncNamespace;
import dev.hotpath.cache.ChangeMark;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's single flight: one {@link KeyState} per key that a batch waits for, a call
 * fetches, or a cache load may still hand out. Batches register on their keys before they read the
 * cache (except a batch the in-process tier answers whole, which never registers); the cache's
 * bulk loader ({@link #load}) puts the keys nobody fetches yet into calls (and {@link #register}
 * the keys a batch must fetch itself); a call's reply {@linkplain #settle settles} each key for
 * every waiting batch at once and hands the value to the cache loads (sinks) that wait for it.
 *
 * <p>Why batches hear of a key directly rather than only through the cache: a batch whose read
 * joins another batch's load gets that load's outcome from the cache only as a value or an
 * absence, and only when the whole load is done; the table gives it the typed failure, and at
 * once. That also lets a batch leave at its deadline while others keep waiting.
 *
 * <p>All methods run under the engine's lock; what calls out (completing sinks, writing the cache)
 * is added to the {@code after} list.
 */
final class KeyTable<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(KeyTable.class);

  private final EngineCore<K, V> core;
  private final AsyncNamespace<K, V> cache;
  private final int maxKeysPerCall;
  private final Map<K, KeyState<K, V>> keys = new HashMap<>();
  private long callIds;

  KeyTable(EngineCore<K, V> core, AsyncNamespace<K, V> cache, int maxKeysPerCall) {
    this.core = core;
    this.cache = cache;
    this.maxKeysPerCall = maxKeysPerCall;
  }

  KeyState<K, V> get(K key) {
    return keys.get(key);
  }

  int size() {
    return keys.size();
  }

  /**
   * Makes {@code run} a waiter of {@code key}; a settled key that may still be joined is delivered.
   * A key this batch must fetch itself is added to {@code toFetch}, for {@link #fetch} once every
   * key of the batch is registered, so that such keys share calls.
   */
  void register(BatchRun<K, V> run, K key, List<K> toFetch, List<Runnable> after) {
    KeyState<K, V> ks = keys.computeIfAbsent(key, KeyState::new);
    ks.waiters.add(run);
    switch (ks.phase) {
      case SETTLED:
        if (ks.holds > 0 && !isRelativeToItsBatches(ks.failure)) {
          core.deliver(run, ks, ks.settledBy, after); // the read may join the load that settled it
        } else if (ks.holds > 0) {
          // Refused for the deadlines of the batches that waited then: this one may have the time.
          // Those batches have their outcome: they no longer wait, so the fetch has this batch's
          // deadline, and is dropped once no batch that still needs the key waits.
          ks.waiters.removeIf(waiter -> waiter != run && waiter.isResolved(key));
          ks.forgetOutcome();
          toFetch.add(key);
        } else {
          ks.forgetOutcome(); // old news: the read will find the value cached, or load again
        }
        break;
      case FILLING:
        core.deliver(run, ks, ks.settledBy, after);
        break;
      case IDLE:
        if (ks.holds > 0) {
          // A load still holds the key but nobody fetches it (its batches left): the read may join
          // that load and come back without it, so fetch it for this batch.
          toFetch.add(key);
        }
        break;
      case QUEUED:
        if (ks.call.state == Call.State.QUEUED) {
          core.runner.promote(ks.call, run.priority);
        }
        break;
      default:
        break;
    }
  }

  /**
   * Whether {@code failure} says only that the key could not be had in time for the batches that
   * waited for it then (the quota or a source pause outlasting their deadlines): a batch that asks
   * later, with its own deadline, is not handed it but gets a fetch of its own.
   */
  private static boolean isRelativeToItsBatches(ItemFailure failure) {
    return failure != null && (failure.kind() == FailureKind.REJECTED || failure.kind() == FailureKind.TIMED_OUT);
  }

  /**
   * The bulk loader's work for {@code run}'s read: the sink's keys nobody fetches yet go into new
   * calls, the others are joined; a sink with nothing to wait for (or of a batch already ending)
   * completes at once. The sink's keys are a subset of the batch's.
   */
  void load(BatchRun<K, V> run, Sink<K, V> sink, List<Runnable> after) {
    List<K> fresh = new ArrayList<>();
    for (K key : run.keys) { // the batch's order, so calls carry keys in request order
      if (!sink.keys.contains(key)) {
        continue;
      }
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
      enqueue(fresh, run.priority);
    }
    if (sink.awaiting.isEmpty() || run.done || run.ending) {
      completeSink(sink, after);
    }
  }

  private void await(Sink<K, V> sink, KeyState<K, V> ks) {
    ks.sinks.add(sink);
    sink.awaiting.add(ks.key);
  }

  /** The read that loaded through {@code sink} is done: its keys need not linger for joiners any more. */
  void releaseHolds(Sink<K, V> sink) {
    for (K key : sink.keys) {
      KeyState<K, V> ks = keys.get(key);
      if (ks != null) {
        ks.holds--;
        removeIfUnused(ks);
      }
    }
  }

  /**
   * Queues calls for the keys {@link #register} gave a batch to fetch itself, at its priority.
   * They share calls with each other, not with the batch's keys its cache read finds missing
   * later ({@link #load} queues those).
   */
  void fetch(List<K> toFetch, Priority priority) {
    enqueue(toFetch, priority);
  }

  /** Puts keys nobody fetches yet into new calls of up to maxKeysPerCall keys, queued at {@code priority}. */
  private void enqueue(List<K> fresh, Priority priority) {
    for (int i = 0; i < fresh.size(); i += maxKeysPerCall) {
      Call<K> call = new Call<>(++callIds, fresh.subList(i, Math.min(fresh.size(), i + maxKeysPerCall)), priority);
      for (K key : call.keys) {
        KeyState<K, V> ks = keys.get(key);
        ks.forgetOutcome();
        ks.phase = KeyState.Phase.QUEUED;
        ks.call = call;
      }
      core.runner.enqueue(call);
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

  /** Completes a sink now with the values it has; keys it still awaited reach the cache by a fill. */
  void completeSink(Sink<K, V> sink, List<Runnable> after) {
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

  /** Completes now every sink that waits for {@code key} (a batch waiting for it is ending). */
  void completeSinksOf(K key, List<Runnable> after) {
    KeyState<K, V> ks = keys.get(key);
    if (ks != null) {
      for (Sink<K, V> sink : List.copyOf(ks.sinks)) {
        completeSink(sink, after);
      }
    }
  }

  /** {@code run} no longer waits for {@code key}; when nobody does, a queued fetch is dropped. */
  void deregister(BatchRun<K, V> run, K key, List<Runnable> after) {
    KeyState<K, V> ks = keys.get(key);
    if (ks == null) {
      return;
    }
    ks.waiters.remove(run);
    if (ks.waiters.isEmpty()) {
      if (ks.phase == KeyState.Phase.QUEUED) {
        Call<K> call = ks.call;
        ks.call = null;
        ks.phase = KeyState.Phase.IDLE;
        core.runner.dropKey(call, ks.key);
      }
      if (ks.phase == KeyState.Phase.IDLE || ks.phase == KeyState.Phase.IN_FLIGHT) {
        releaseSinks(ks, after); // a fetch in flight goes on: its reply fills the cache
      }
    }
    removeIfUnused(ks);
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
    ks.settledBy = call;
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
      ks.phase = KeyState.Phase.FILLING; // lingers, holding the value, until the cache has it
      fills.put(ks.key, value);
    }
    for (BatchRun<K, V> run : List.copyOf(ks.waiters)) {
      core.deliverAndMaybeFinish(run, ks, call, after);
    }
    removeIfUnused(ks);
  }

  /** The cache's change mark of {@code keys}, taken before they are fetched. */
  ChangeMark mark(List<K> keys) {
    return cache.mark(keys);
  }

  /**
   * Stores values of {@code call} that no cache load took, as the cache's own load would (every
   * tier, no invalidation sent), except keys that changed since the call's mark: a value fetched
   * before a change is never cached after it.
   */
  void fill(Call<K> call, Map<K, V> values, List<Runnable> after) {
    if (values.isEmpty()) {
      return;
    }
    Map<K, V> copy = Map.copyOf(values);
    ChangeMark mark = call.mark;
    after.add(() -> {
      CompletableFuture<Void> filled;
      try {
        filled = cache.fill(copy, mark);
      } catch (RuntimeException e) {
        filled = CompletableFuture.failedFuture(e);
      }
      filled.whenComplete((ignored, failure) -> {
        if (failure != null) {
          LOG.debug("BatchEngine '{}': could not store {} fetched values in the cache", core.name, copy.size(), failure);
        }
        core.locked(a -> {
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

  /** Whether a call will settle the key (it is queued, in backoff, or in flight). */
  boolean hasWork(K key) {
    KeyState<K, V> ks = keys.get(key);
    return ks != null && ks.hasWork();
  }

  /** Keys of a queued call that nobody waits for any more are taken out of it and forgotten. */
  void dropUnwanted(Call<K> call, List<Runnable> after) {
    for (K key : List.copyOf(call.keys)) {
      KeyState<K, V> ks = keys.get(key);
      if (ks == null || ks.call != call) {
        call.keys.remove(key);
      } else if (ks.waiters.isEmpty()) {
        call.keys.remove(key);
        ks.call = null;
        ks.phase = KeyState.Phase.IDLE;
        releaseSinks(ks, after);
        removeIfUnused(ks);
      } else {
        ks.phase = KeyState.Phase.QUEUED;
      }
    }
  }

  /** Forgets the work of a call that will not be made (the engine stopped). */
  void abandon(Call<K> call, List<Runnable> after) {
    for (K key : List.copyOf(call.keys)) {
      KeyState<K, V> ks = keys.get(key);
      if (ks != null && ks.call == call) {
        ks.call = null;
        ks.phase = KeyState.Phase.IDLE;
        releaseSinks(ks, after);
        removeIfUnused(ks);
      }
    }
  }
}
