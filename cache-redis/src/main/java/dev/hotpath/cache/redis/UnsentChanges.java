package dev.hotpath.cache.redis;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The changes this tier's caches made (puts, invalidations, clears) that Redis has not seen: sent
 * while the circuit was open, or sent and failed or timed out, so that Redis may still hold the
 * old value and no other node has a record of the change. They are kept as keys, not values, per
 * {@link Target} (a namespace and the cache that changed it), until they are {@linkplain
 * #resendAll() resent}: each changed key is deleted in Redis with an invalidation record, through
 * the same write script as any change, so other nodes' log followers drop their copies, and Redis
 * no longer serves the old value. A namespace not stored in Redis gets its records only.
 *
 * <p>Bounded: at most {@code maxKeys} keys for the whole tier. A change that would pass the bound,
 * and a clear, turn its target into "the whole namespace", which is resent as a clear (every entry
 * deleted, records before and after), so the bound never costs a lost change, only a coarser one.
 *
 * <p>Why here and not in the cache: this is the one place that knows whether Redis saw a change.
 * The circuit's probe (see {@link RedisLink}) resends once before it lets the tier use Redis again
 * and resends what is left after; a change that finds the circuit open is remembered under this
 * object's lock, so it is either remembered or sent, never neither. Until a key is resent, this
 * node's reads of it skip Redis ({@link #isUnsent}), so the node never reads its own old value
 * back.
 *
 * <p>Thread-safe; {@link #isUnsent} takes no lock.
 */
final class UnsentChanges {
  private static final Logger LOG = LoggerFactory.getLogger(UnsentChanges.class);

  /** Keys per tier, and the default: a put is a few bytes of key here. */
  static final int DEFAULT_MAX_KEYS = 10_000;

  /** Where a change is resent: a namespace as one cache (node) changes it. */
  interface Target {
    String namespace();

    /**
     * Makes the change of {@code keys} (encoded), or of the whole namespace, in Redis with its
     * invalidation records, waiting for the answer.
     *
     * @throws RuntimeException what Redis threw; the change stays pending
     */
    void resend(Collection<String> keys, boolean wholeNamespace);
  }

  /** A target's pending change; the versions tell a change made while it was being resent. */
  private static final class Pending {
    /** Encoded key to the version of its latest change. */
    final Map<String, Long> keys = new ConcurrentHashMap<>();
    /** The version of the latest change since the target became whole; 0 while it is not. */
    volatile long wholeVersion;
  }

  private final int maxKeys;
  private final String description;
  private final Map<Target, Pending> pending = new ConcurrentHashMap<>();
  /** Guarded by this. */
  private int keyCount;
  /** Guarded by this. */
  private long version;
  /** Whether {@link #pending} is empty; read without the lock on every Redis read. */
  private volatile boolean none = true;

  UnsentChanges(int maxKeys, String description) {
    this.maxKeys = maxKeys;
    this.description = description;
  }

  /**
   * Remembers the change if {@code open} still holds under the lock, and returns whether it did. A
   * change remembered so is counted by a {@link #size()} that follows the circuit's closing (the
   * same lock), so the closer learns it is there to resend.
   */
  synchronized boolean rememberIf(BooleanSupplier open, Target target, Collection<String> keys, boolean whole) {
    if (!open.getAsBoolean()) {
      return false;
    }
    add(target, keys, whole);
    return true;
  }

  /** Remembers a change whose write failed or may not have happened. */
  synchronized void remember(Target target, Collection<String> keys, boolean whole) {
    add(target, keys, whole);
  }

  private void add(Target target, Collection<String> keys, boolean whole) {
    Pending p = pending.computeIfAbsent(target, t -> new Pending());
    long v = ++version;
    none = false;
    if (!whole && p.wholeVersion == 0) {
      for (String key : keys) {
        if (p.keys.put(key, v) == null) {
          keyCount++;
        }
      }
      if (keyCount <= maxKeys) {
        return;
      }
      LOG.warn("{}: more than {} changes are waiting for Redis; namespace '{}' will be invalidated whole on every"
          + " node once Redis answers", description, maxKeys, target.namespace());
    }
    keyCount -= p.keys.size();
    p.keys.clear();
    p.wholeVersion = v;
  }

  /** Whether this node's reads of {@code key} must skip Redis: a change of it is not there yet. */
  boolean isUnsent(Target target, String key) {
    if (none) {
      return false;
    }
    Pending p = pending.get(target);
    return p != null && (p.wholeVersion != 0 || p.keys.containsKey(key));
  }

  /** Keys waiting, counting a whole namespace as one. */
  synchronized int size() {
    int wholes = 0;
    for (Pending p : pending.values()) {
      wholes += p.wholeVersion != 0 ? 1 : 0;
    }
    return keyCount + wholes;
  }

  /**
   * Resends every pending change, one target after the other; what a target changed again while
   * it was being resent stays pending.
   *
   * @throws RuntimeException what Redis threw; that target and the ones after it stay pending
   */
  void resendAll() {
    if (none) {
      return;
    }
    Map<Target, Map<String, Long>> keys = new HashMap<>();
    Map<Target, Long> wholes = new HashMap<>();
    synchronized (this) {
      pending.forEach(
          (target, p) -> {
            if (p.wholeVersion != 0) {
              wholes.put(target, p.wholeVersion);
            } else {
              keys.put(target, Map.copyOf(p.keys));
            }
          });
    }
    for (Map.Entry<Target, Long> e : wholes.entrySet()) {
      e.getKey().resend(List.of(), true);
      synchronized (this) {
        Pending p = pending.get(e.getKey());
        if (p != null && p.wholeVersion == e.getValue()) {
          p.wholeVersion = 0;
          forgetIfDone(e.getKey(), p);
        }
      }
    }
    for (Map.Entry<Target, Map<String, Long>> e : keys.entrySet()) {
      if (e.getValue().isEmpty()) {
        continue;
      }
      e.getKey().resend(new ArrayList<>(e.getValue().keySet()), false);
      synchronized (this) {
        Pending p = pending.get(e.getKey());
        if (p == null) {
          continue;
        }
        e.getValue().forEach(
            (key, v) -> {
              if (p.keys.remove(key, v)) {
                keyCount--;
              }
            });
        forgetIfDone(e.getKey(), p);
      }
    }
  }

  private void forgetIfDone(Target target, Pending p) {
    if (p.wholeVersion == 0 && p.keys.isEmpty()) {
      pending.remove(target);
      none = pending.isEmpty();
    }
  }
}
