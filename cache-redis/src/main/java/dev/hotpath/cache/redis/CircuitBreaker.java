package dev.hotpath.cache.redis;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Stops callers from waiting on a dead server. Closed, it counts consecutive failures; at the
 * threshold it opens, and while open every call is refused at once (no timeout, no exception
 * reaching the cache's callers: the tier turns it into a miss or a skipped write). Whoever owns the
 * breaker probes the server in the background and {@linkplain #close() closes} it when the server
 * answers; callers never act as the probe, so none of them waits for a dead server.
 *
 * <p>Thread-safe. A success on the hot path costs one volatile read when there were no failures.
 */
final class CircuitBreaker {
  private final int threshold;
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private final LongAdder opened = new LongAdder();
  private volatile boolean open;
  private final Runnable onOpen;

  CircuitBreaker(int threshold, Runnable onOpen) {
    this.threshold = threshold;
    this.onOpen = onOpen;
  }

  boolean isOpen() {
    return open;
  }

  void success() {
    if (consecutiveFailures.get() != 0) {
      consecutiveFailures.set(0);
    }
  }

  void failure() {
    if (consecutiveFailures.incrementAndGet() >= threshold) {
      trip();
    }
  }

  /** Opens now (a probe failed, or the connection is known to be down). */
  void trip() {
    synchronized (this) {
      if (open) {
        return;
      }
      open = true;
      opened.increment();
    }
    onOpen.run();
  }

  /** Closes after a successful probe. Returns whether it was open. */
  synchronized boolean close() {
    consecutiveFailures.set(0);
    boolean was = open;
    open = false;
    return was;
  }

  long timesOpened() {
    return opened.sum();
  }
}
