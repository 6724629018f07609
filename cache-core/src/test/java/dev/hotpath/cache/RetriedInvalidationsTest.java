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
      List<String> unexpected = new CopyOnWriteArrayList<>();
      CountDownLatch done = new CountDownLatch(1);
      RetriedInvalidations<String> retried = new RetriedInvalidations<>("quotes", scheduler, fullTwice,
          keys -> {
            inFailingTiers.add(List.copyOf(keys));
            return true; // every failing tier took it
          },
          keys -> {
            everywhere.add(List.copyOf(keys));
            done.countDown();
          },
          () -> {
            unexpected.add("clearFailingTiers");
            return true;
          },
          () -> unexpected.add("invalidateWhole"));

      retried.add(List.of("k"));

      assertThat(done.await(30, TimeUnit.SECONDS)).as("the retry ran once the pool took it").isTrue();
      assertThat(refusals.get()).isEqualTo(2);
      assertThat(inFailingTiers).containsExactly(List.of("k"));
      assertThat(everywhere).containsExactly(List.of("k"));
      assertThat(unexpected).as("nothing asked to clear the namespace").isEmpty();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void aRetryRefusedByTheFullPoolEndsWhenTheSchedulerIsClosed() throws InterruptedException {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger refusals = new AtomicInteger();
    Executor alwaysFull = task -> {
      refusals.incrementAndGet();
      throw new RejectedExecutionException("the pool and its queue are full");
    };
    RetriedInvalidations<String> retried = new RetriedInvalidations<>("quotes", scheduler, alwaysFull,
        keys -> true, keys -> { }, () -> true, () -> { });

    retried.add(List.of("k"));
    // Closed with the retry pending: the pending retry still runs, the pool refuses it, and the
    // closed scheduler refuses the next one, which ends the retries instead of throwing.
    scheduler.shutdown();

    assertThat(scheduler.awaitTermination(30, TimeUnit.SECONDS)).as("nothing left scheduled").isTrue();
    assertThat(refusals.get()).isEqualTo(1);
  }
}
