package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Meters come only from {@link RateLimiter#bindTo}, count from then on, and cost nothing before. */
class MetricsTest {

  private static final Duration SECOND = Duration.ofSeconds(1);

  private final ManualClock clock = ManualClock.atMinuteBoundary(Duration.ZERO);
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
  private final LocalRateLimiter limiter = LocalRateLimiter.builder().name("orders").clock(clock).scheduler(scheduler)
      .limit(RateLimit.of(Bandwidth.perPeriod(2, SECOND))).build();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private static double calls(MeterRegistry registry, String result) {
    FunctionCounter counter = registry.get("hotpath.ratelimiter.calls").tag("name", "orders").tag("result", result)
        .functionCounter();
    return counter.count();
  }

  @Test
  void anUnboundLimiterKeepsTheNoOpRecorderAndRegistersNothing() {
    for (int i = 0; i < 5; i++) {
      limiter.tryConsume("k", 1);
      limiter.tryAcquire("k");
    }
    assertThat(limiter.recorder).isSameAs(Recorder.NOOP);
  }

  @Test
  void bindingCountsEveryKindOfRequestByOutcome() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    limiter.bindTo(registry);
    assertThat(limiter.recorder).isNotSameAs(Recorder.NOOP);

    assertThat(limiter.tryConsume("k", 1)).isTrue();
    assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    assertThat(limiter.tryConsume("k", 1)).isFalse();
    assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    assertThatThrownBy(() -> limiter.acquire("k", 1, Duration.ZERO)).isInstanceOf(RateLimitExceededException.class);
    // granted after a wait of 500 ms (two permits a second, the bucket empty)
    limiter.acquireAsync("k", 1, SECOND);
    // bad arguments are not requests the limiter decided
    assertThatThrownBy(() -> limiter.tryConsume("k", 3)).isInstanceOf(IllegalArgumentException.class);

    assertThat(calls(registry, "permitted")).isEqualTo(3);
    assertThat(calls(registry, "rejected")).isEqualTo(3);
    assertThat(calls(registry, "unavailable")).isZero();
    FunctionTimer wait = registry.get("hotpath.ratelimiter.wait").tag("name", "orders").functionTimer();
    assertThat(wait.count()).isEqualTo(1);
    assertThat(wait.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(500);
    assertThat(registry.get("hotpath.ratelimiter.buckets").tag("name", "orders").gauge().value()).isEqualTo(1);
    assertThat(registry.find("hotpath.ratelimiter.backend.failures").meter()).as("local limiters have no backend").isNull();
  }

  @Test
  void countingStartsAtTheFirstBinding() {
    limiter.tryConsume("k", 1);
    limiter.tryConsume("k", 1);
    limiter.tryConsume("k", 1);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    limiter.bindTo(registry);
    assertThat(calls(registry, "permitted")).isZero();
    assertThat(calls(registry, "rejected")).isZero();
    limiter.tryConsume("k", 1);
    assertThat(calls(registry, "rejected")).isEqualTo(1);
  }

  @Test
  void twoRegistriesSeeTheSameCountsAndBindingTwiceChangesNothing() {
    SimpleMeterRegistry first = new SimpleMeterRegistry();
    SimpleMeterRegistry second = new SimpleMeterRegistry();
    limiter.bindTo(first);
    limiter.tryConsume("k", 1);
    limiter.bindTo(second);
    limiter.bindTo(first);
    limiter.tryConsume("k", 1);
    limiter.tryConsume("k", 1);

    assertThat(calls(first, "permitted")).isEqualTo(2);
    assertThat(calls(first, "rejected")).isEqualTo(1);
    // the second registry reads the same counters: what happened before it was bound is included
    assertThat(calls(second, "permitted")).isEqualTo(2);
    assertThat(calls(second, "rejected")).isEqualTo(1);
    assertThat(first.get("hotpath.ratelimiter.calls").functionCounters()).hasSize(3);
    assertThat(first.getMeters()).hasSize(5); // three results, the wait timer, the bucket gauge
  }

  @Test
  void aSecondLimiterOfTheSameNameIsNotCountedInTheSameRegistry() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    LocalRateLimiter twin = LocalRateLimiter.builder().name("orders").clock(clock)
        .limit(RateLimit.of(Bandwidth.perPeriod(2, SECOND))).build();
    limiter.bindTo(registry);
    twin.bindTo(registry); // logs a warning
    twin.tryConsume("k", 1);
    limiter.tryConsume("k", 1);
    limiter.tryConsume("k", 1);
    assertThat(calls(registry, "permitted")).isEqualTo(2);
  }

  @Test
  void aBindingThatFailedIsTriedAgainByTheNextCall() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    boolean[] refuse = {true};
    // A registry that refuses the wait timer once, after the counters went in.
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        if (refuse[0] && id.getName().equals("hotpath.ratelimiter.wait")) {
          refuse[0] = false;
          throw new IllegalStateException("refused " + id.getName());
        }
        return id;
      }
    });
    assertThatThrownBy(() -> limiter.bindTo(registry)).hasMessage("refused hotpath.ratelimiter.wait");
    // The counters registered before the failure are gone: the retry does not take them for another limiter's.
    assertThat(registry.getMeters()).isEmpty();

    limiter.bindTo(registry);
    limiter.tryConsume("k", 1);
    registry.get("hotpath.ratelimiter.wait").tag("name", "orders").functionTimer(); // throws when missing
    assertThat(calls(registry, "permitted")).isEqualTo(1);
    assertThat(registry.getMeters()).hasSize(5);
  }
}
