package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Blocking acquire on a manual clock: threads sleep on the clock and wake when it is moved. */
class BlockingAcquireTest {

  private final ManualClock clock = new ManualClock(1_000_000_000_000L);
  private final LocalRateLimiter limiter = LocalRateLimiter.builder().name("fifo").clock(clock)
      .limit(RateLimit.of(Bandwidth.perPeriod(1, Duration.ofSeconds(1)))).build();

  @Test
  void waitersAreServedInReservationOrderAtTheirSlot() throws InterruptedException {
    assertThat(limiter.tryConsume("k", 1)).isTrue();
    List<Integer> served = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int id = i;
      Thread t = new Thread(() -> {
        try {
          limiter.acquire("k", 1, Duration.ofSeconds(10));
          served.add(id);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      threads.add(t);
      t.start();
      clock.awaitSleepers(i + 1); // thread i has its reservation before thread i+1 asks
    }
    for (int second = 1; second <= 5; second++) {
      clock.advance(Duration.ofSeconds(1));
      clock.awaitSleepers(5 - second);
      threads.get(second - 1).join();
      assertThat(served).containsExactlyElementsOf(List.of(0, 1, 2, 3, 4).subList(0, second));
    }
  }

  @Test
  void aWaiterSleepsUntilItsSlotNotItsSlotPlusTheTimeItTookToGetThere() throws InterruptedException {
    long start = clock.nanos();
    assertThat(limiter.tryConsume("k", 1)).isTrue(); // the next slot is start + 1 s
    // Every clock reading now takes a millisecond: the wait is counted from the reading the
    // reservation used, so the time spent after it must not be added to the sleep.
    clock.tickOnEveryRead(1_000_000L);
    Thread waiter = new Thread(() -> {
      try {
        limiter.acquire("k", 1, Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    waiter.start();
    clock.awaitSleepers(1);
    assertThat(clock.deadlines()).containsExactly(start + 1_000_000_000L);
    clock.advance(Duration.ofSeconds(1));
    waiter.join();
  }

  @Test
  void aWaitBeyondMaxWaitFailsAtOnceAndTakesNothing() throws InterruptedException {
    assertThat(limiter.tryConsume("k", 1)).isTrue();
    assertThatThrownBy(() -> limiter.acquire("k", 1, Duration.ofMillis(999)))
        .isInstanceOf(RateLimitExceededException.class)
        .hasMessageContaining("RateLimiter 'fifo'")
        .satisfies(e -> assertThat(((RateLimitExceededException) e).retryAfter()).isEqualTo(Duration.ofSeconds(1)));
    // nothing reserved: the next slot is still one second away, not two
    assertThat(limiter.tryAcquire("k").nanosToWait()).isEqualTo(1_000_000_000L);
    clock.advance(Duration.ofSeconds(1));
    limiter.acquire("k", 1, Duration.ZERO); // available now: returns without sleeping
    assertThat(limiter.tryConsume("k", 1)).isFalse();
  }

  @Test
  void reservationsInDebtMakeLaterCallersWaitLonger() throws InterruptedException {
    assertThat(limiter.tryConsume("k", 1)).isTrue();
    Thread first = new Thread(() -> {
      try {
        limiter.acquire("k", 1, Duration.ofSeconds(1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    first.start();
    clock.awaitSleepers(1);
    // the second slot is two seconds away now: a one-second budget fails without waiting
    assertThatThrownBy(() -> limiter.acquire("k", 1, Duration.ofMillis(1_500)))
        .isInstanceOf(RateLimitExceededException.class)
        .satisfies(e -> assertThat(((RateLimitExceededException) e).retryAfterNanos()).isEqualTo(2_000_000_000L));
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    clock.advance(Duration.ofSeconds(1));
    first.join();
  }

  @Test
  void anInterruptedWaiterGetsInterruptedException() throws InterruptedException {
    assertThat(limiter.tryConsume("k", 1)).isTrue();
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread waiter = new Thread(() -> {
      try {
        limiter.acquire("k", 1, Duration.ofSeconds(5));
        outcome.set(new AssertionError("returned"));
      } catch (InterruptedException e) {
        outcome.set(e);
      }
    });
    waiter.start();
    clock.awaitSleepers(1);
    waiter.interrupt();
    waiter.join();
    assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
  }

  @Test
  void theSystemClockParksUntilTheDeadline() throws InterruptedException {
    NanoClock system = NanoClock.system();
    long deadline = system.nanos() + 2_000_000L;
    system.sleepUntil(deadline);
    assertThat(system.nanos()).isGreaterThanOrEqualTo(deadline);
  }
}
