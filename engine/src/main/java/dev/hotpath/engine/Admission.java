package dev.hotpath.engine;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The bound on each priority's queue: items (keys) of batches admitted and not yet done. A batch is
 * admitted whole or refused at once, so memory is bounded by the sum of the capacities however
 * fast batches arrive. Lock-free.
 */
final class Admission {
  private final String sourceName;
  private final int[] capacity;
  private final AtomicLongArray queued = new AtomicLongArray(3);

  Admission(String sourceName, int[] capacity) {
    this.sourceName = sourceName;
    this.capacity = capacity.clone();
  }

  /** @throws BatchRejectedException if the items do not fit */
  void admit(Priority priority, int items) {
    int p = priority.ordinal();
    for (;;) {
      long current = queued.get(p);
      if (current + items > capacity[p]) {
        throw new BatchRejectedException(sourceName, priority, capacity[p], current, items);
      }
      if (queued.compareAndSet(p, current, current + items)) {
        return;
      }
    }
  }

  void release(Priority priority, int items) {
    queued.addAndGet(priority.ordinal(), -items);
  }

  long queued(Priority priority) {
    return queued.get(priority.ordinal());
  }
}
