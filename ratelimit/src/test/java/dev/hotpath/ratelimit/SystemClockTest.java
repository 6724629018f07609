package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The default clock on a controlled monotonic source and wall clock: how it follows the wall clock. */
@Timeout(60)
class SystemClockTest {

  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000 * MS;
  private static final long START = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli() * MS;

  private final AtomicLong monotonic = new AtomicLong(123_456_789L); // an arbitrary origin, as nanoTime's
  private final AtomicLong wall = new AtomicLong(START);
  /** Anchored when a test starts it, to the wall clock of that moment. */
  private SystemClock clock;

  private void start() {
    clock = new SystemClock(monotonic::get, wall::get, SystemClock.CHECK_EVERY_NANOS);
  }

  /** Real time passes: both sources move. */
  private void pass(long nanos) {
    monotonic.addAndGet(nanos);
    wall.addAndGet(nanos);
  }

  /**
   * Reads the clock every 10 ms of {@code nanos}, checking each step against the bounded slew,
   * and returns the last reading.
   */
  private long runFor(long nanos) {
    long previous = clock.nanos();
    for (long passed = 0; passed < nanos; ) {
      long step = Math.min(10 * MS, nanos - passed);
      pass(step);
      passed += step;
      long reading = clock.nanos();
      assertThat(reading - previous).as("%d ns read as", step)
          .isBetween(step - step / SystemClock.SLEW_DIVISOR - 1, step + step / SystemClock.SLEW_DIVISOR + 1);
      previous = reading;
    }
    return previous;
  }

  @Test
  void aWallClockThatJumpsAheadIsCaughtUpWithAtABoundedRate() {
    start();
    assertThat(clock.nanos()).isEqualTo(START);
    wall.addAndGet(3 * SECOND); // NTP steps the wall clock after the JVM started
    runFor(30 * SECOND);
    long behind = wall.get() - clock.nanos();
    assertThat(behind).as("half way: 5 % of 30 s made up").isBetween(3 * SECOND - 30 * SECOND / 20, 3 * SECOND - 28 * SECOND / 20);
    runFor(40 * SECOND); // 3 s at 5 % takes 60 s, after the first re-anchor a second in
    assertThat(Math.abs(wall.get() - clock.nanos())).as("converged").isLessThanOrEqualTo(1_000);
    runFor(10 * SECOND); // and stays with it
    assertThat(Math.abs(wall.get() - clock.nanos())).isLessThanOrEqualTo(1_000);
  }

  @Test
  void aWallClockThatJumpsBackIsWaitedForNeverGoneBackTo() {
    start();
    runFor(5 * SECOND);
    wall.addAndGet(-5 * SECOND); // a wrong hardware clock corrected: the wall clock goes back
    runFor(60 * SECOND); // every step still forward, at no less than 95 % of the real rate
    long ahead = clock.nanos() - wall.get();
    assertThat(ahead).as("the clock still ahead, slowing down").isPositive().isLessThan(5 * SECOND);
    runFor(50 * SECOND);
    assertThat(Math.abs(wall.get() - clock.nanos())).as("converged").isLessThanOrEqualTo(1_000);
  }

  /**
   * A small correction slews and is over well before the next check: the readings during the slew
   * and after it (the fast path, an offset of the monotonic clock) are exactly the line's.
   */
  @Test
  void aSlewThatEndsBeforeTheNextCheckLeavesTheClockExactlyOnTheWallClock() {
    start();
    wall.addAndGet(10 * MS); // the wall clock is corrected 10 ms ahead
    pass(SystemClock.CHECK_EVERY_NANOS);
    long beforeHandOver = clock.nanos(); // re-anchors: a 200 ms slew from 1 ms on
    assertThat(beforeHandOver).isEqualTo(START + SECOND);
    pass(SystemClock.HANDOVER_NANOS + 100 * MS); // half way through the slew
    assertThat(clock.nanos()).as("5 ms of 10 made up").isEqualTo(wall.get() - 5 * MS);
    pass(100 * MS); // the slew is over
    assertThat(clock.nanos()).isEqualTo(wall.get());
    pass(500 * MS); // still before the next check
    assertThat(clock.nanos()).isEqualTo(wall.get());
  }

  @Test
  void clockAlignedWindowsFollowTheWallClockOnceTheSlewHasConverged() {
    // The JVM started while the wall clock was 5 s slow; a second later NTP set it right.
    wall.addAndGet(-5 * SECOND);
    start();
    runFor(SECOND);
    wall.addAndGet(5 * SECOND);
    runFor(120 * SECOND); // 5 s at 5 % takes 100 s
    LocalRateLimiter limiter = LocalRateLimiter.builder().name("exchange").clock(clock)
        .limit(RateLimit.of(Bandwidth.perWindow(10, Duration.ofMinutes(1)))).build();
    long minute = 60 * SECOND;
    long boundary = Math.floorDiv(wall.get(), minute) * minute + minute; // the next minute of the wall clock
    runFor(boundary - 100 * MS - wall.get());
    assertThat(limiter.tryConsume("ip", 10)).isTrue();
    assertThat(limiter.tryConsume("ip", 1)).as("the window is used up").isFalse();
    pass(200 * MS); // the wall clock's next minute: the exchange counts afresh, so do we
    assertThat(limiter.tryConsume("ip", 10)).as("a new window 100 ms after the wall clock's minute").isTrue();
  }

  @Test
  void readersOnManyThreadsNeverSeeTimeGoBackWhileTheWallClockJumpsAround() throws InterruptedException {
    // Real monotonic time, a wall clock that jumps up to a second either way, a re-anchor every
    // 20 µs: hand-overs all the time. No reading may be below one that finished before it started.
    AtomicLong jumpy = new AtomicLong(START);
    SystemClock busy = new SystemClock(System::nanoTime,
        () -> jumpy.addAndGet(ThreadLocalRandom.current().nextLong(-SECOND, SECOND)), 20_000);
    AtomicLong latest = new AtomicLong(Long.MIN_VALUE);
    AtomicBoolean running = new AtomicBoolean(true);
    List<String> violations = new CopyOnWriteArrayList<>();
    AtomicLong readings = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread thread = new Thread(() -> {
        long count = 0;
        while (running.get()) {
          long before = latest.get();
          long reading = busy.nanos();
          if (reading < before) {
            violations.add(reading + " read after " + before);
          }
          latest.accumulateAndGet(reading, Math::max);
          count++;
        }
        readings.addAndGet(count);
      });
      threads.add(thread);
      thread.start();
    }
    Thread.sleep(2_000); // the stress lasts 2 s of real time; nothing is asserted about time
    running.set(false);
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    }
    assertThat(violations).isEmpty();
    assertThat(readings.get()).isPositive();
  }

  /**
   * The re-anchoring reader is preempted between reading the monotonic clock and setting the
   * hand-over bound, while another reader reads past that bound: no later reading may lie below
   * that one (before, readings past the bound were held at it and went back by up to the pause).
   */
  @Test
  void aReAnchoringReaderPausedBeforeSettingTheBoundDoesNotTakeTheClockBack() throws Exception {
    CountDownLatch[] paused = {new CountDownLatch(1), new CountDownLatch(1)};
    CountDownLatch[] resume = {new CountDownLatch(1), new CountDownLatch(1)};
    Thread[] reanchoring = new Thread[1];
    AtomicInteger reads = new AtomicInteger();
    // The re-anchoring thread's second read of the monotonic clock makes the bound, its third the
    // next anchor's start: it pauses after each, as a preempted thread would.
    clock = new SystemClock(() -> {
      long now = monotonic.get();
      int read = Thread.currentThread() == reanchoring[0] ? reads.incrementAndGet() : 0;
      if (read == 2 || read == 3) {
        paused[read - 2].countDown();
        try {
          resume[read - 2].await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return now;
    }, wall::get, SystemClock.CHECK_EVERY_NANOS);
    reanchoring[0] = new Thread(clock::nanos);
    pass(SystemClock.CHECK_EVERY_NANOS); // the next reading re-anchors
    reanchoring[0].start();
    assertThat(paused[0].await(30, TimeUnit.SECONDS)).isTrue();

    pass(2 * SystemClock.HANDOVER_NANOS); // the pause outlasts the hand-over margin
    long pastTheBound = clock.nanos(); // no bound is set yet: a reading on the old line
    resume[0].countDown();
    assertThat(paused[1].await(30, TimeUnit.SECONDS)).isTrue(); // the bound is set, the next anchor not yet
    AtomicLong later = new AtomicLong();
    Thread reader = new Thread(() -> later.set(clock.nanos()));
    reader.start();
    reader.join(200); // long enough for a reading held at the bound to be taken (the old behaviour)
    resume[1].countDown();
    reanchoring[0].join(30_000);
    reader.join(30_000);

    assertThat(later.get()).as("a reading after one taken past the bound").isGreaterThanOrEqualTo(pastTheBound);
    assertThat(clock.nanos()).isGreaterThanOrEqualTo(pastTheBound);
  }

  /** Making the next anchor fails (the wall clock throws): the clock goes on on its old line. */
  @Test
  void aReAnchoringThatFailsLeavesTheClockRunning() {
    AtomicBoolean wallFails = new AtomicBoolean();
    clock = new SystemClock(monotonic::get, () -> {
      if (wallFails.get()) {
        throw new IllegalStateException("the wall clock failed");
      }
      return wall.get();
    }, SystemClock.CHECK_EVERY_NANOS);
    long before = clock.nanos();
    pass(SystemClock.CHECK_EVERY_NANOS);
    wallFails.set(true);
    try {
      clock.nanos();
    } catch (IllegalStateException expected) {
      // the reading that re-anchored saw the failure
    }
    wallFails.set(false);
    pass(10 * SECOND);

    assertThat(clock.nanos() - before).as("the clock moved on").isGreaterThanOrEqualTo(10 * SECOND);
  }
}
