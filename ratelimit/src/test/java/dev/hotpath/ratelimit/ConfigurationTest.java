package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigurationTest {

  private static final Duration SECOND = Duration.ofSeconds(1);

  @Test
  void zeroOrNegativeCapacityIsRefusedWithTheValue() {
    assertThatThrownBy(() -> Bandwidth.perPeriod(0, SECOND))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("capacity must be positive: 0");
    assertThatThrownBy(() -> Bandwidth.perWindow(-5, SECOND))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("capacity must be positive: -5");
  }

  @Test
  void zeroOrNegativePeriodIsRefusedWithTheValue() {
    assertThatThrownBy(() -> Bandwidth.perPeriod(10, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("period must be positive: PT0S");
    assertThatThrownBy(() -> Bandwidth.perWindow(10, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("window must be positive: PT-1S");
    assertThatThrownBy(() -> Bandwidth.builder().capacity(1).refillGreedy(0, SECOND))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("refill tokens must be positive: 0");
  }

  @Test
  void missingOrDoubledSettingsAreStateErrors() {
    assertThatThrownBy(() -> Bandwidth.builder().capacity(1).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("refill is not set");
    assertThatThrownBy(() -> Bandwidth.builder().refillWindow(SECOND).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("capacity is not set");
    assertThatThrownBy(() -> Bandwidth.builder().capacity(1).capacity(2))
        .isInstanceOf(IllegalStateException.class).hasMessage("capacity was already set to 1");
    assertThatThrownBy(() -> Bandwidth.builder().capacity(1).refillGreedy(1, SECOND).alignmentOffset(SECOND).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("windows only");
    assertThatThrownBy(() -> LocalRateLimiter.builder().name("x").build())
        .isInstanceOf(IllegalStateException.class).hasMessage("neither limit nor plans is set");
    assertThatThrownBy(() -> LocalRateLimiter.builder().limit(RateLimit.of(Bandwidth.perPeriod(1, SECOND))).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("name is not set");
  }

  @Test
  void ratesBeyondOnePermitPerNanosecondAndLongOffsetsAreRefused() {
    assertThatThrownBy(() -> Bandwidth.perPeriod(2_000, Duration.ofNanos(1_000)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one permit per nanosecond");
    assertThatThrownBy(() -> Bandwidth.builder().capacity(1).refillWindow(SECOND).alignmentOffset(SECOND).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shorter than the window");
  }

  @Test
  void badRequestsNameTheValue() {
    LocalRateLimiter limiter = LocalRateLimiter.builder().name("api")
        .limit(RateLimit.of(Bandwidth.perPeriod(10, SECOND))).clock(new ManualClock(1)).build();
    assertThatThrownBy(() -> limiter.tryAcquire(null, 1)).isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> limiter.tryAcquire("k", 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("permits must be positive: 0");
    assertThatThrownBy(() -> limiter.tryConsume("k", -3))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("permits must be positive: -3");
    assertThatThrownBy(() -> limiter.tryAcquire("k", 11))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("permits 11 exceed the capacity 10 of RateLimiter 'api'");
    assertThatThrownBy(() -> limiter.acquire("k", 1, Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxWait must not be negative: PT-0.001S");
    assertThatThrownBy(() -> limiter.syncUsage("k", "1m", 5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no bandwidth with id '1m'");
  }

  @Test
  void limitsValidateIdsAndCount() {
    Bandwidth a = Bandwidth.builder().id("1m").capacity(1).refillGreedy(1, SECOND).build();
    assertThatThrownBy(() -> RateLimit.of(a, a))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("bandwidth id used twice: 1m");
    assertThatThrownBy(() -> RateLimit.of(java.util.List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("bandwidths must not be empty: []");
    RateLimit limit = RateLimit.of(Bandwidth.perPeriod(20, SECOND), Bandwidth.perWindow(1_200, Duration.ofMinutes(1)));
    assertThat(limit.capacity()).isEqualTo(20);
    assertThat(limit).isEqualTo(RateLimit.of(Bandwidth.perPeriod(20, SECOND), Bandwidth.perWindow(1_200, Duration.ofMinutes(1))));
  }

  @Test
  void plansRequireAKnownDefaultAndKnownAssignments() {
    RateLimit one = RateLimit.of(Bandwidth.perPeriod(1, SECOND));
    assertThatThrownBy(() -> TenantPlans.builder().plan("a", one).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("defaultPlan is not set");
    assertThatThrownBy(() -> TenantPlans.builder().plan("a", one).defaultPlan("b").build())
        .isInstanceOf(IllegalStateException.class).hasMessage("defaultPlan names an unknown plan: 'b'");
    assertThatThrownBy(() -> TenantPlans.builder().plan("a", one).defaultPlan("a").assign("t", "z").build())
        .isInstanceOf(IllegalStateException.class).hasMessage("tenant 't' assigned to unknown plan: 'z'");
    TenantPlans lookup = TenantPlans.builder().plan("a", one).defaultPlan("a").assignments(t -> "nope").build();
    assertThatThrownBy(() -> lookup.limitFor("t"))
        .isInstanceOf(IllegalStateException.class).hasMessage("tenant assigned to unknown plan: 'nope'");
  }

  @Test
  void redisPolicyShareMustBeAFraction() {
    assertThatThrownBy(() -> RedisDownPolicy.failOpen(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("share must be in (0, 1]: 0.0");
    assertThatThrownBy(() -> RedisDownPolicy.failOpen(1.5)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void redisFailureThresholdMustBePositive() {
    assertThatThrownBy(() -> RedisRateLimiter.builder().failureThreshold(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("failureThreshold must be positive: 0");
  }

  @Test
  void redisSpecRefusesSubMicrosecondPeriods() {
    assertThatThrownBy(() -> RedisScript.spec(RateLimit.of(Bandwidth.perPeriod(1, Duration.ofNanos(1_500)))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole number of microseconds");
    assertThat(RedisScript.spec(RateLimit.of(Bandwidth.perPeriod(10, SECOND), Bandwidth.perWindow(6_000, Duration.ofMinutes(1)))))
        .isEqualTo("0:10:1:100000:0,1:6000:6000:60000000:0");
  }
}
