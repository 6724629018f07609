package dev.hotpath.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * The engine's record of one key: the batches waiting for it, the source call fetching it, and the
 * cache loads (sinks) to hand its value to. There is at most one per key, so at most one source
 * call per key is queued or in flight however many batches ask: the engine's single flight.
 *
 * <p>It lives while a batch waits for the key, a call fetches it, or a cache load that included it
 * may still be joined by a new reader ({@link #holds}); while it lingers after settling, a batch
 * that registers for the key gets the settled outcome, as it would by joining that load. All
 * fields are guarded by the engine's lock.
 */
final class KeyState<K, V> {

  enum Phase {
    /** No work: nobody asked the source yet, or the work was dropped because nobody waits. */
    IDLE,
    /** In a call that waits in a queue or in backoff. */
    QUEUED,
    /** In a call that waits for the rate limiter or is in flight. */
    IN_FLIGHT,
    /** The last call settled it; {@link #value} or {@link #failure} holds the outcome. */
    SETTLED,
    /** Settled with a value no cache load took, which is being written to the cache. */
    FILLING
  }

  final K key;
  final List<BatchRun<K, V>> waiters = new ArrayList<>(2);
  final List<Sink<K, V>> sinks = new ArrayList<>(1);
  Phase phase = Phase.IDLE;
  Call<K> call;
  V value;
  ItemFailure failure;
  /**
   * The call whose outcome {@link #value} or {@link #failure} is, while it lingers settled: a batch
   * it is delivered to then counts that call in its {@link BatchResult#sourceCalls()}.
   */
  Call<K> settledBy;
  /** Cache loads that included the key and whose reader's getAll is not done yet. */
  int holds;

  KeyState(K key) {
    this.key = key;
  }

  boolean hasWork() {
    return phase == Phase.QUEUED || phase == Phase.IN_FLIGHT;
  }

  boolean isRemovable() {
    return waiters.isEmpty() && sinks.isEmpty() && holds == 0 && (phase == Phase.IDLE || phase == Phase.SETTLED);
  }

  void forgetOutcome() {
    phase = Phase.IDLE;
    value = null;
    failure = null;
    settledBy = null;
  }

  @Override
  public String toString() {
    return "KeyState[" + key + " " + phase + ", " + waiters.size() + " waiters, " + sinks.size() + " sinks, holds " + holds + "]";
  }
}
