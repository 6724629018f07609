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
    long current = tryAdmit(priority, items);
    if (current >= 0) {
      throw new BatchRejectedException(sourceName, priority, capacity[priority.ordinal()], current, items);
    }
  }

  /** Admits the items if they fit and returns -1; otherwise returns the items queued, admitting nothing. */
  long tryAdmit(Priority priority, int items) {
    int p = priority.ordinal();
    for (;;) {
      long current = queued.get(p);
      if (current + items > capacity[p]) {
        return current;
      }
      if (queued.compareAndSet(p, current, current + items)) {
        return -1;
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
