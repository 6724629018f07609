package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.ratelimit.RedisBreaker.Pass;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The limiter's circuit on a manual clock: when it opens, and that one call per interval probes. */
@Timeout(60)
class RedisBreakerTest {

  private static final long INTERVAL = 1_000_000_000L;
  private static final long TIMEOUT = 250_000_000L;

  private final ManualClock clock = new ManualClock(1_700_000_000_000_000_000L);
  private final RedisBreaker breaker = new RedisBreaker(3, INTERVAL, TIMEOUT);

  @Test
  void opensAtTheThresholdOfFailuresInARowOnlyAndAtOnceOnALostConnection() {
    assertThat(breaker.unanswered(Pass.ASK, false, clock.nanos())).isFalse();
    assertThat(breaker.unanswered(Pass.ASK, false, clock.nanos())).isFalse();
    breaker.answered(Pass.ASK); // not in a row any more
    assertThat(breaker.unanswered(Pass.ASK, false, clock.nanos())).isFalse();
    assertThat(breaker.unanswered(Pass.ASK, false, clock.nanos())).isFalse();
    assertThat(breaker.pass(clock)).isEqualTo(Pass.ASK);
    assertThat(breaker.unanswered(Pass.ASK, false, clock.nanos())).as("the third in a row").isTrue();
    assertThat(breaker.pass(clock)).isEqualTo(Pass.SKIP);
    assertThat(breaker.nanosToRetry(clock.nanos())).isEqualTo(INTERVAL);

    RedisBreaker other = new RedisBreaker(3, INTERVAL, TIMEOUT);
    assertThat(other.unanswered(Pass.ASK, true, clock.nanos())).as("a lost connection").isTrue();
  }

  @Test
  void aProbeThatFailsWaitsAnotherIntervalAndOneThatIsAnsweredCloses() {
    breaker.unanswered(Pass.ASK, true, clock.nanos());
    clock.advance(INTERVAL);
    assertThat(breaker.pass(clock)).isEqualTo(Pass.PROBE);
    assertThat(breaker.pass(clock)).as("while the probe is out").isEqualTo(Pass.SKIP);
    clock.advance(TIMEOUT / 5);
    assertThat(breaker.nanosToRetry(clock.nanos()))
        .as("a call answered without asking while the probe is out is told to come back when its answer is due")
        .isEqualTo(TIMEOUT - TIMEOUT / 5);
    clock.advance(TIMEOUT);
    assertThat(breaker.nanosToRetry(clock.nanos())).as("a probe overdue: its timeout again, not 'now'").isEqualTo(TIMEOUT);
    breaker.unanswered(Pass.PROBE, false, clock.nanos());
    assertThat(breaker.pass(clock)).isEqualTo(Pass.SKIP);
    assertThat(breaker.nanosToRetry(clock.nanos())).isEqualTo(INTERVAL);
    clock.advance(INTERVAL);
    Pass probe = breaker.pass(clock);
    assertThat(probe).isEqualTo(Pass.PROBE);
    breaker.abandoned(probe); // interrupted: the next call probes
    probe = breaker.pass(clock);
    assertThat(probe).isEqualTo(Pass.PROBE);
    assertThat(breaker.answered(probe)).isTrue();
    assertThat(breaker.isOpen()).isFalse();
    assertThat(breaker.pass(clock)).isEqualTo(Pass.ASK);
    assertThat(breaker.nanosToRetry(clock.nanos())).isZero();
  }

  @Test
  void manyThreadsAtOnceGetOneProbePerInterval() throws Exception {
    breaker.unanswered(Pass.ASK, true, clock.nanos());
    int threads = 8;
    int intervals = 200;
    AtomicInteger probes = new AtomicInteger();
    List<Integer> probesPerInterval = Collections.synchronizedList(new ArrayList<>());
    // Each interval: the clock moves past the retry instant, every thread asks for a pass many
    // times, and a probe reports no answer (so the next interval needs a probe again).
    CyclicBarrier start = new CyclicBarrier(threads, () -> {
      probesPerInterval.add(probes.getAndSet(0));
      clock.advance(INTERVAL);
    });
    List<Thread> workers = new ArrayList<>();
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> {
        try {
          for (int i = 0; i < intervals; i++) {
            start.await(30, TimeUnit.SECONDS);
            for (int call = 0; call < 100; call++) {
              Pass pass = breaker.pass(clock);
              if (pass == Pass.PROBE) {
                probes.incrementAndGet();
                breaker.unanswered(pass, false, clock.nanos());
              } else if (pass != Pass.SKIP) {
                errors.add(new AssertionError("asked Redis while the circuit is open: " + pass));
              }
            }
          }
          start.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          errors.add(e);
        }
      });
      workers.add(worker);
      worker.start();
    }
    for (Thread worker : workers) {
      worker.join();
    }
    assertThat(errors).isEmpty();
    assertThat(probesPerInterval.subList(1, probesPerInterval.size())).hasSize(intervals).containsOnly(1);
  }
}
