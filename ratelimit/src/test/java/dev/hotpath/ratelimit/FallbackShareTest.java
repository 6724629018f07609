package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fail-open share alone: empty buckets, and every permit it grants owed to Redis exactly once. */
@Timeout(60)
class FallbackShareTest {

  private static FallbackShare share(ManualClock clock, RateLimit limit) {
    return new FallbackShare(Limits.of(limit), scaled -> {
      LocalRateLimiter.Builder local = LocalRateLimiter.builder().name("share").clock(clock);
      local.limits = scaled;
      local.startEmpty = true;
      return local.build();
    });
  }

  @Test
  void bucketsStartEmptyAndAfreshAfterEachSettlement() {
    ManualClock clock = ManualClock.atMinuteBoundary(Duration.ZERO);
    RateLimit limit = RateLimit.of(Bandwidth.perPeriod(10, Duration.ofSeconds(1)));
    FallbackShare share = share(clock, limit);
    assertThat(share.reserve("k", 1, 0, clock, 1)).as("empty at first").isNegative();
    clock.advance(Duration.ofSeconds(1));
    for (int i = 0; i < 10; i++) {
      assertThat(share.reserve("k", 1, 0, clock, 1)).isZero();
    }
    assertThat(share.decide("k", 1, 1).allowed()).isFalse();
    assertThat(share.owedPermits()).isEqualTo(10);
    assertThat(share.needsSettling()).isTrue();

    List<String> debits = new ArrayList<>();
    share.settle((key, permits, shareLimit, owner) -> debits.add(key + "=" + permits + " of " + shareLimit.capacity()), null);
    assertThat(debits).containsExactly("k=10 of 10");
    assertThat(share.owedPermits()).isZero();
    assertThat(share.needsSettling()).isFalse();
    assertThat(share.reserve("k", 1, 0, clock, 1)).as("refilled before the settlement, not spent after it").isNegative();
    assertThat(share.reserve("k", 11, 0, clock, 7)).as("more than the share holds").isEqualTo(-7);
  }

  /**
   * A probe's answer closes the circuit only after every debt recorded before it is handed over,
   * including while another thread's settlement is still handing debts over; the probe's thread
   * does not wait for that one (it may be a Lettuce thread): the running settlement closes it.
   */
  @Test
  void whatFollowsASettlementRunsOnlyOnceEveryEarlierDebtIsHandedOverAndNobodyWaits() throws Exception {
    ManualClock clock = ManualClock.atMinuteBoundary(Duration.ZERO);
    FallbackShare share = share(clock, RateLimit.of(Bandwidth.perPeriod(10, Duration.ofSeconds(1))));
    assertThat(share.reserve("a", 1, 0, clock, 1)).as("a bucket starts empty").isNegative();
    clock.advance(Duration.ofSeconds(1));
    assertThat(share.reserve("a", 1, 0, clock, 1)).isZero();
    List<String> sent = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch inFirst = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    FallbackShare.Debit slow = (key, permits, limit, owner) -> {
      inFirst.countDown();
      try {
        releaseFirst.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      sent.add(key);
    };
    Thread first = new Thread(() -> share.settle(slow, null));
    first.start();
    assertThat(inFirst.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(share.reserve("b", 1, 0, clock, 1)).isNegative();
    clock.advance(Duration.ofSeconds(1));
    assertThat(share.reserve("b", 1, 0, clock, 1)).isZero(); // owed while the first one runs

    List<String> sentWhenClosed = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch closed = new CountDownLatch(1);
    share.settle((key, permits, limit, owner) -> sent.add(key), () -> {
      sentWhenClosed.addAll(sent);
      closed.countDown();
    });
    assertThat(closed.getCount()).as("closed while a settlement was handing debts over").isEqualTo(1);
    releaseFirst.countDown();
    assertThat(closed.await(30, TimeUnit.SECONDS)).as("closed by the running settlement").isTrue();
    first.join(30_000);
    assertThat(sentWhenClosed).containsExactlyInAnyOrder("a", "b");
    assertThat(share.owedPermits()).isZero();
  }

  /** A send that fails at once and owes its debt again does not keep one settlement going. */
  @Test
  void aDebtOwedAgainAtOnceWaitsForTheNextSettlement() {
    ManualClock clock = ManualClock.atMinuteBoundary(Duration.ZERO);
    FallbackShare share = share(clock, RateLimit.of(Bandwidth.perPeriod(10, Duration.ofSeconds(1))));
    for (String key : List.of("a", "b", "c")) {
      assertThat(share.reserve(key, 1, 0, clock, 1)).isNegative();
    }
    clock.advance(Duration.ofSeconds(1));
    for (String key : List.of("a", "b", "c")) {
      assertThat(share.reserve(key, 1, 0, clock, 1)).isZero();
    }
    List<String> attempts = new ArrayList<>();
    share.settle((key, permits, limit, owner) -> {
      attempts.add(key);
      owner.owe(key, permits); // as a send Lettuce refuses on the calling thread
    }, null);
    assertThat(attempts).containsExactlyInAnyOrder("a", "b", "c");
    assertThat(share.owedPermits()).isEqualTo(3);
    assertThat(share.needsSettling()).isTrue();
  }

  @Test
  void everyGrantIsOwedOnceWhileSettlementsRunConcurrently() throws InterruptedException {
    ManualClock clock = ManualClock.atMinuteBoundary(Duration.ZERO);
    clock.tickOnEveryRead(1_000); // a permit refills every microsecond, read by read
    FallbackShare share = share(clock, RateLimit.of(Bandwidth.perPeriod(1_000, Duration.ofMillis(1))));
    LongAdder granted = new LongAdder();
    LongAdder debited = new LongAdder();
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread worker = new Thread(() -> {
        try {
          for (int i = 0; i < 20_000; i++) {
            String key = "k" + (i % 8);
            if (i % 2 == 0 ? share.reserve(key, 1, 0, clock, 1) >= 0 : share.decide(key, 1, 1).allowed()) {
              granted.increment();
            }
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      workers.add(worker);
      worker.start();
    }
    AtomicBoolean running = new AtomicBoolean(true);
    FallbackShare.Debit debit = (key, permits, limit, owner) -> {
      if (permits % 3 == 0) {
        owner.owe(key, permits); // a debit that could not be sent comes back
      } else {
        debited.add(permits);
      }
    };
    Thread settler = new Thread(() -> {
      while (running.get()) {
        share.settle(debit, null);
      }
    });
    settler.start();
    for (Thread worker : workers) {
      worker.join();
    }
    running.set(false);
    settler.join();
    FallbackShare.Debit all = (key, permits, limit, owner) -> debited.add(permits);
    share.settle(all, null);
    assertThat(errors).isEmpty();
    assertThat(granted.sum()).isPositive();
    assertThat(debited.sum()).isEqualTo(granted.sum());
    assertThat(share.owedPermits()).isZero();
  }
}
