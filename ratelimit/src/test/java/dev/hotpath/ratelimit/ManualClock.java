package dev.hotpath.ratelimit;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A clock that moves only when told to; sleepers wake when it passes their deadline. */
final class ManualClock implements NanoClock {

  private long now;
  private long tick;
  private int sleepers;
  private final List<Long> deadlines = new ArrayList<>();

  ManualClock(long start) {
    this.now = start;
  }

  /** Starts at an instant well after the epoch, on a minute boundary plus {@code plus}. */
  static ManualClock atMinuteBoundary(Duration plus) {
    return new ManualClock(Instant.parse("2026-11-21T10:00:00Z").toEpochMilli() * 1_000_000L + plus.toNanos());
  }

  @Override
  public synchronized long nanos() {
    long reading = now;
    now += tick;
    return reading;
  }

  /**
   * From now on moves the clock by {@code nanos} after every reading, as real time passes between
   * two readings; sleepers are not woken by it (only {@link #advance} does that).
   */
  synchronized void tickOnEveryRead(long nanos) {
    this.tick = nanos;
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
    deadlines.add(deadline);
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

  /** The deadlines passed to {@link #sleepUntil}, in call order. */
  synchronized List<Long> deadlines() {
    return List.copyOf(deadlines);
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
