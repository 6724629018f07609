package dev.hotpath.examples.marketdata;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Events per second over the last {@value #SECONDS} whole seconds (the current one excluded, so a
 * reading does not dip at the start of each second): one counter per second in a ring. Lock-free;
 * a count racing a slot's reuse may be lost, which a dashboard figure can afford.
 */
final class WindowedRate {
  static final int SECONDS = 10;
  private static final int SLOTS = SECONDS + 2;

  private final AtomicLongArray counts = new AtomicLongArray(SLOTS);
  private final AtomicLongArray stamps = new AtomicLongArray(SLOTS);
  private final LongSupplier millis;

  WindowedRate(LongSupplier millis) {
    this.millis = millis;
  }

  void add(long n) {
    long second = millis.getAsLong() / 1_000;
    int slot = (int) (second % SLOTS);
    long stamp = stamps.get(slot);
    if (stamp != second && stamps.compareAndSet(slot, stamp, second)) {
      counts.set(slot, 0);
    }
    counts.addAndGet(slot, n);
  }

  double perSecond() {
    long now = millis.getAsLong() / 1_000;
    long sum = 0;
    for (int i = 0; i < SLOTS; i++) {
      long age = now - stamps.get(i);
      if (age >= 1 && age <= SECONDS) {
        sum += counts.get(i);
      }
    }
    return sum / (double) SECONDS;
  }
}
