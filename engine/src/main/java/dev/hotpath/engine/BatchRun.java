package dev.hotpath.engine;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A batch in progress: an outcome per key as they arrive, the counts its result reports, and its
 * future. Fields are guarded by the engine's lock, except the listener's, which has its own.
 */
final class BatchRun<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(BatchRun.class);

  final long id;
  final List<K> keys;
  final Priority priority;
  final long startNanos;
  final long deadlineNanos;
  final CompletableFuture<BatchResult<K, V>> future = new CompletableFuture<>();
  private final BatchListener listener;
  private final Object listenerLock = new Object();
  private int reported = -1;

  final Map<K, V> values = new HashMap<>();
  final Map<K, ItemFailure> failures = new HashMap<>();
  private final Set<Call<K>> calls = Collections.newSetFromMap(new IdentityHashMap<>());
  int fromCache;
  int fromSource;
  int sourceCalls;
  long weightUsed;
  Sink<K, V> sink;
  boolean ending;
  boolean done;
  ScheduledFuture<?> timer;

  BatchRun(long id, List<K> keys, Priority priority, long startNanos, long deadlineNanos, BatchListener listener) {
    this.id = id;
    this.keys = keys;
    this.priority = priority;
    this.startNanos = startNanos;
    this.deadlineNanos = deadlineNanos;
    this.listener = listener;
  }

  boolean isResolved(K key) {
    return values.containsKey(key) || failures.containsKey(key);
  }

  int resolvedCount() {
    return values.size() + failures.size();
  }

  boolean allResolved() {
    return resolvedCount() == keys.size();
  }

  /** Records a value; false when the key already had an outcome. */
  boolean resolveValue(K key, V value, boolean cached, Call<K> call) {
    if (isResolved(key)) {
      return false;
    }
    values.put(key, value);
    if (cached) {
      fromCache++;
    } else {
      fromSource++;
    }
    count(call);
    return true;
  }

  /** Records a failure; false when the key already had an outcome. */
  boolean resolveFailure(K key, ItemFailure failure, Call<K> call) {
    if (isResolved(key)) {
      return false;
    }
    failures.put(key, failure);
    count(call);
    return true;
  }

  private void count(Call<K> call) {
    for (Call<K> c = call; c != null; c = c.parent) {
      if (c.sourceCalls > 0 && calls.add(c)) {
        sourceCalls += c.sourceCalls;
        weightUsed += c.weightPaid;
      }
    }
  }

  BatchResult<K, V> result(long nowNanos) {
    return BatchResult.inOrder(keys, values, failures, priority, fromCache, fromSource, sourceCalls, weightUsed,
        Duration.ofNanos(Math.max(0, nowNanos - startNanos)));
  }

  boolean hasListener() {
    return listener != null;
  }

  /** Tells the listener, never twice at once and never going back. */
  void report(int done) {
    if (listener == null) {
      return;
    }
    synchronized (listenerLock) {
      if (done <= reported) {
        return;
      }
      reported = done;
      tell(listener, id, done, keys.size());
    }
  }

  /** Calls {@code listener}; what it throws is logged, not passed on. */
  static void tell(BatchListener listener, long batchId, int done, int total) {
    try {
      listener.onProgress(done, total);
    } catch (RuntimeException e) {
      LOG.warn("BatchListener of batch {} threw; ignored", batchId, e);
    }
  }

  @Override
  public String toString() {
    return "Batch#" + id + "[" + keys.size() + " keys, " + priority + ", " + resolvedCount() + " done]";
  }
}
