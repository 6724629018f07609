package dev.hotpath.engine;

import java.util.concurrent.atomic.LongAdder;

/**
 * The engine's counters: totals for meters (lock-free adders, read when a registry scrapes) and
 * per-second buckets of the last {@link #RECENT_SECONDS} seconds for the snapshot's rates (guarded
 * by the engine's lock, where items are resolved anyway).
 */
final class EngineStats {
  static final int RECENT_SECONDS = 10;

  enum CallResult { SUCCESS, ERROR, TIMEOUT, REFUSED }

  final LongAdder itemsFromCache = new LongAdder();
  final LongAdder itemsFromSource = new LongAdder();
  final LongAdder[] itemsFailed = adders(FailureKind.values().length);
  final LongAdder[] calls = adders(CallResult.values().length);
  final LongAdder weightUsed = new LongAdder();
  final LongAdder batches = new LongAdder();
  final LongAdder batchNanos = new LongAdder();
  final LongAdder batchesRejected = new LongAdder();

  private final long[] second = new long[RECENT_SECONDS];
  private final long[] done = new long[RECENT_SECONDS];
  private final long[] failed = new long[RECENT_SECONDS];
  private final long[] hits = new long[RECENT_SECONDS];

  private static LongAdder[] adders(int n) {
    LongAdder[] adders = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      adders[i] = new LongAdder();
    }
    return adders;
  }

  /** An item got a value ({@code cached}: from a cache tier) at {@code nowNanos}. Under the lock. */
  void itemValue(boolean cached, long nowNanos) {
    (cached ? itemsFromCache : itemsFromSource).increment();
    int b = bucket(nowNanos);
    done[b]++;
    if (cached) {
      hits[b]++;
    }
  }

  /** {@code items} got their values from the in-process tier at once. Under the lock. */
  void itemsFromMemory(int items, long nowNanos) {
    itemsFromCache.add(items);
    int b = bucket(nowNanos);
    done[b] += items;
    hits[b] += items;
  }

  /** An item failed. Under the lock. */
  void itemFailed(FailureKind kind, long nowNanos) {
    itemsFailed[kind.ordinal()].increment();
    int b = bucket(nowNanos);
    done[b]++;
    failed[b]++;
  }

  void call(CallResult result) {
    calls[result.ordinal()].increment();
  }

  void batchDone(long nanos) {
    batches.increment();
    batchNanos.add(nanos);
  }

  private int bucket(long nowNanos) {
    long s = Math.floorDiv(nowNanos, 1_000_000_000L);
    int b = (int) Math.floorMod(s, RECENT_SECONDS);
    if (second[b] != s) {
      second[b] = s;
      done[b] = 0;
      failed[b] = 0;
      hits[b] = 0;
    }
    return b;
  }

  /** {done, failed, hits} over the last RECENT_SECONDS whole and current seconds. Under the lock. */
  long[] recent(long nowNanos) {
    long s = Math.floorDiv(nowNanos, 1_000_000_000L);
    long[] sums = new long[3];
    for (int b = 0; b < RECENT_SECONDS; b++) {
      if (second[b] > s - RECENT_SECONDS && second[b] <= s) {
        sums[0] += done[b];
        sums[1] += failed[b];
        sums[2] += hits[b];
      }
    }
    return sums;
  }
}
