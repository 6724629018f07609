package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
    share.settle((key, permits, shareLimit, owner) -> debits.add(key + "=" + permits + " of " + shareLimit.capacity()));
    assertThat(debits).containsExactly("k=10 of 10");
    assertThat(share.owedPermits()).isZero();
    assertThat(share.needsSettling()).isFalse();
    assertThat(share.reserve("k", 1, 0, clock, 1)).as("refilled before the settlement, not spent after it").isNegative();
    assertThat(share.reserve("k", 11, 0, clock, 7)).as("more than the share holds").isEqualTo(-7);
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
        share.settle(debit);
      }
    });
    settler.start();
    for (Thread worker : workers) {
      worker.join();
    }
    running.set(false);
    settler.join();
    FallbackShare.Debit all = (key, permits, limit, owner) -> debited.add(permits);
    share.settle(all);
    assertThat(errors).isEmpty();
    assertThat(granted.sum()).isPositive();
    assertThat(debited.sum()).isEqualTo(granted.sum());
    assertThat(share.owedPermits()).isZero();
  }
}
