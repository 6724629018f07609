package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The retry of failed changes when the load pool refuses it, as it does while misses fill it during an outage. */
@Timeout(60)
class RetriedInvalidationsTest {

  @Test
  void aRetryTheFullPoolRefusedIsScheduledAgainUntilItRuns() throws InterruptedException {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      AtomicInteger refusals = new AtomicInteger();
      Executor fullTwice = task -> {
        if (refusals.get() < 2) {
          refusals.incrementAndGet();
          throw new RejectedExecutionException("the pool and its queue are full");
        }
        task.run();
      };
      List<Collection<String>> inFailingTiers = new CopyOnWriteArrayList<>();
      List<Collection<String>> everywhere = new CopyOnWriteArrayList<>();
      CountDownLatch done = new CountDownLatch(1);
      RetriedInvalidations<String> retried = new RetriedInvalidations<>("quotes", scheduler, fullTwice,
          keys -> inFailingTiers.add(List.copyOf(keys)),
          keys -> {
            everywhere.add(List.copyOf(keys));
            done.countDown();
          },
          () -> {
            throw new AssertionError("nothing asked to clear the namespace");
          },
          () -> {
            throw new AssertionError("nothing asked to clear the namespace");
          });

      retried.add(List.of("k"));

      assertThat(done.await(30, TimeUnit.SECONDS)).as("the retry ran once the pool took it").isTrue();
      assertThat(refusals.get()).isEqualTo(2);
      assertThat(inFailingTiers).containsExactly(List.of("k"));
      assertThat(everywhere).containsExactly(List.of("k"));
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void retriesEndWhenTheSchedulerIsClosed() throws InterruptedException {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    scheduler.shutdown();
    AtomicInteger runs = new AtomicInteger();
    RetriedInvalidations<String> retried = new RetriedInvalidations<>("quotes", scheduler, Runnable::run,
        keys -> {
          runs.incrementAndGet();
          return true;
        },
        keys -> runs.incrementAndGet(), () -> true, runs::incrementAndGet);

    retried.add(List.of("k")); // refused by the closed scheduler: returns without throwing, nothing runs

    assertThat(scheduler.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(runs.get()).isZero();
  }
}
