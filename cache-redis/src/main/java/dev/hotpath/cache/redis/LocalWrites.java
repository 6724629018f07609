package dev.hotpath.cache.redis;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The entry keys this tier is changing right now, and which cache (node id) changes them, so that
 * Redis's report of such a change (client tracking) is attributed to that cache instead of to
 * "someone else": the cache ignores events of its own origin and keeps the value it just wrote.
 *
 * <p>Why not Redis's {@code NOLOOP}: in BCAST mode Redis remembers the client that ran the
 * command, and for a command inside a script that is the script client, not the connection that
 * sent the script (redis/redis {@code tracking.c}, all versions). Every change the tier makes is a
 * script, so Redis reports them all back.
 *
 * <p>A key is registered before its script is sent (a report cannot precede that) and claimed by
 * the report. Once the script answered, a registration the script did not use (a fill refused) is
 * removed at once; one it used lives on for {@code graceNanos}, the time its report may take to
 * arrive. Redis merges the changes of one key within one event-loop turn into one report, so a
 * registration can outlive its report; for the rest of the grace period another program's change
 * of that key would be taken for this cache's and not drop this cache's copy. That is the window
 * this trades for not dropping every value a node writes.
 *
 * <p>Thread-safe.
 */
final class LocalWrites {
  private final ConcurrentHashMap<ByteBuffer, Pending> pending = new ConcurrentHashMap<>();
  private final long graceNanos;

  LocalWrites(long graceNanos) {
    this.graceNanos = graceNanos;
  }

  /** Registers {@code redisKeys[from..]} as about to be changed by {@code origin}. */
  void begin(byte[][] redisKeys, int from, String origin) {
    for (int i = from; i < redisKeys.length; i++) {
      pending.compute(
          ByteBuffer.wrap(redisKeys[i]),
          (k, p) -> {
            Pending next = p == null ? new Pending() : p;
            next.origin = origin;
            next.outstanding++;
            next.expiresAt = Long.MAX_VALUE; // in flight: its report is still to come
            return next;
          });
    }
  }

  /**
   * The script for {@code redisKeys[from..]} answered: {@code changed[i - from]} says whether it
   * changed key i (null: it may have changed any).
   */
  void settle(byte[][] redisKeys, int from, boolean[] changed) {
    long expiresAt = System.nanoTime() + graceNanos;
    for (int i = from; i < redisKeys.length; i++) {
      boolean used = changed == null || changed[i - from];
      pending.computeIfPresent(
          ByteBuffer.wrap(redisKeys[i]),
          (k, p) -> {
            if (!used) {
              return --p.outstanding <= 0 ? null : p;
            }
            if (p.expiresAt == Long.MAX_VALUE || p.expiresAt - expiresAt < 0) {
              p.expiresAt = expiresAt;
            }
            return p;
          });
    }
  }

  /** The origin of this tier's change of {@code redisKey} that Redis reports now, or null when it is not ours. */
  String claim(byte[] redisKey) {
    String[] origin = new String[1];
    long now = System.nanoTime();
    pending.computeIfPresent(
        ByteBuffer.wrap(redisKey),
        (k, p) -> {
          if (p.expiresAt != Long.MAX_VALUE && now - p.expiresAt > 0) {
            return null;
          }
          origin[0] = p.origin;
          return --p.outstanding <= 0 ? null : p;
        });
    return origin[0];
  }

  /** Drops registrations whose report never came (merged with another, or lost); called periodically. */
  void expire() {
    long now = System.nanoTime();
    // Per key under its lock: a registration renewed meanwhile by begin() stays.
    pending.forEach(
        (key, ignored) ->
            pending.computeIfPresent(key, (k, p) -> p.expiresAt != Long.MAX_VALUE && now - p.expiresAt > 0 ? null : p));
  }

  int size() {
    return pending.size();
  }

  /** Guarded by the map's per-key locking (compute). */
  private static final class Pending {
    String origin;
    int outstanding;
    long expiresAt;
  }
}
