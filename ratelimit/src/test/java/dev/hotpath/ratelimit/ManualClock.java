package dev.hotpath.ratelimit;

import java.time.Duration;
import java.time.Instant;

/** A clock that moves only when told to; sleepers wake when it passes their deadline. */
final class ManualClock implements NanoClock {

  private long now;
  private int sleepers;

  ManualClock(long start) {
    this.now = start;
  }

  /** Starts at an instant well after the epoch, on a minute boundary plus {@code plus}. */
  static ManualClock atMinuteBoundary(Duration plus) {
    return new ManualClock(Instant.parse("2026-11-21T10:00:00Z").toEpochMilli() * 1_000_000L + plus.toNanos());
  }

  @Override
  public synchronized long nanos() {
    return now;
  }

  synchronized void advance(long nanos) {
    now += nanos;
    notifyAll();
  }

  void advance(Duration d) {
    advance(d.toNanos());
  }

  @Override
  public synchronized void sleepUntil(long deadline) throws InterruptedException {
    sleepers++;
    notifyAll();
    try {
      while (now < deadline) {
        wait();
      }
    } finally {
      sleepers--;
      notifyAll();
    }
  }

  /** Blocks (in real time, up to 30 s) until {@code count} threads sleep on this clock. */
  synchronized void awaitSleepers(int count) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (sleepers != count) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected " + count + " sleepers, have " + sleepers);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }
}
