package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link LocalRateLimiter#forKey}: a handle is the keyed path for its key, minus the lookups. */
class KeyLimiterTest {

  private static final Duration SECOND = Duration.ofSeconds(1);

  private final ManualClock clock = ManualClock.atMinuteBoundary(Duration.ZERO);

  private LocalRateLimiter limiter(RateLimit limit) {
    return LocalRateLimiter.builder().name("test").limit(limit).clock(clock).build();
  }

  @Test
  void handleAndKeyedCallsDrawFromOneBucket() {
    LocalRateLimiter limiter = limiter(RateLimit.of(Bandwidth.perPeriod(4, SECOND)));
    KeyLimiter one = limiter.forKey("k");
    KeyLimiter other = limiter.forKey("k");

    assertThat(one.tryConsume(2)).isTrue();
    assertThat(limiter.tryConsume("k", 1)).isTrue();
    assertThat(other.tryAcquire(1).remaining()).isZero();
    assertThat(one.tryConsume(1)).isFalse();
    assertThat(other.tryConsume(1)).isFalse();
    assertThat(limiter.tryConsume("k", 1)).isFalse();
    assertThat(limiter.bucketCount()).isEqualTo(1);
  }

  @Test
  void creatingAHandleCreatesNoBucket() {
    LocalRateLimiter limiter = limiter(RateLimit.of(Bandwidth.perPeriod(4, SECOND)));
    KeyLimiter handle = limiter.forKey("k");
    assertThat(limiter.bucketCount()).isZero();
    assertThat(handle.key()).isEqualTo("k");
  }

  @Test
  void handleLooksTheKeyUpAgainAfterHousekeepingRetiredItsBucket() {
    LocalRateLimiter limiter = limiter(RateLimit.of(Bandwidth.perPeriod(2, SECOND)));
    KeyLimiter handle = limiter.forKey("k");
    assertThat(handle.tryConsume(1)).isTrue();
    clock.advance(SECOND);
    assertThat(limiter.retireFull()).isEqualTo(1);
    assertThat(limiter.bucketCount()).isZero();

    assertThat(handle.tryConsume(1)).isTrue();
    assertThat(limiter.bucketCount()).as("the handle's bucket is the map's").isEqualTo(1);
    assertThat(limiter.tryConsume("k", 1)).isTrue();
    assertThat(handle.tryConsume(1)).isFalse();
  }

  @Test
  void handleAfterAKeyedCallRecreatedTheRetiredBucketSharesTheNewOne() {
    LocalRateLimiter limiter = limiter(RateLimit.of(Bandwidth.perPeriod(2, SECOND)));
    KeyLimiter handle = limiter.forKey("k");
    assertThat(handle.tryConsume(1)).isTrue();
    clock.advance(SECOND);
    limiter.cleanUp();
    assertThat(limiter.tryConsume("k", 2)).isTrue(); // a new bucket, emptied before the handle sees it

    assertThat(handle.tryConsume(1)).isFalse();
  }

  @Test
  void aReplacedLimitReachesTheHandleOnItsNextCall() {
    LocalRateLimiter limiter = limiter(RateLimit.of(Bandwidth.perPeriod(10, SECOND)));
    KeyLimiter handle = limiter.forKey("k");
    assertThat(handle.tryConsume(5)).isTrue();

    limiter.replaceLimit(RateLimit.of(Bandwidth.perPeriod(6, SECOND)));

    assertThatThrownBy(() -> handle.tryConsume(7)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exceed the capacity 6");
    assertThat(handle.tryAcquire(1).remaining()).as("5 used carried over, of 6").isZero();
    assertThat(limiter.tryConsume("k", 1)).isFalse();
  }

  @Test
  void aReplacedPlanReachesTheHandleOnItsNextCall() {
    TenantPlans plans = TenantPlans.builder()
        .plan("small", RateLimit.of(Bandwidth.perPeriod(2, SECOND)))
        .plan("large", RateLimit.of(Bandwidth.perPeriod(100, SECOND)))
        .defaultPlan("small").build();
    LocalRateLimiter limiter = LocalRateLimiter.builder().name("test").plans(plans).clock(clock).build();
    KeyLimiter acme = limiter.forKey("acme");
    assertThat(acme.tryConsume(2)).isTrue();
    assertThat(acme.tryConsume(1)).isFalse();

    limiter.replacePlans(plans.toBuilder().assign("acme", "large").build());

    assertThat(acme.tryAcquire(1).limit()).isEqualTo(100);
    assertThat(acme.tryConsume(97)).isTrue();
    assertThat(acme.tryConsume(1)).as("2 + 1 + 97 of 100").isFalse();
  }

  @Test
  void aPlanTheAssignmentFunctionChangesReachesTheHandleOnItsNextCall() {
    java.util.concurrent.atomic.AtomicReference<String> acmePlan = new java.util.concurrent.atomic.AtomicReference<>("large");
    TenantPlans plans = TenantPlans.builder()
        .plan("small", RateLimit.of(Bandwidth.perPeriod(2, SECOND)))
        .plan("large", RateLimit.of(Bandwidth.perPeriod(100, SECOND)))
        .defaultPlan("small")
        .assignments(tenant -> tenant.equals("acme") ? acmePlan.get() : null)
        .build();
    LocalRateLimiter limiter = LocalRateLimiter.builder().name("test").plans(plans).clock(clock).build();
    KeyLimiter acme = limiter.forKey("acme");
    assertThat(acme.tryAcquire(1).limit()).isEqualTo(100);

    acmePlan.set("small"); // the host's account lookup downgrades the tenant

    assertThat(acme.tryAcquire(1).limit()).isEqualTo(2);
    assertThat(acme.tryConsume(1)).as("the small plan's 2 are used up").isFalse();
    assertThat(limiter.tryConsume("acme", 1)).isFalse();
  }

  @Test
  void handleWaitsAsTheKeyedAcquireDoes() throws Exception {
    LocalRateLimiter limiter = limiter(RateLimit.of(Bandwidth.perPeriod(1, SECOND)));
    KeyLimiter handle = limiter.forKey("k");
    handle.acquire(1, Duration.ZERO);
    assertThatThrownBy(() -> handle.acquire(1, Duration.ofMillis(999))).isInstanceOf(RateLimitExceededException.class);
    var slot = handle.acquireAsync(1, Duration.ofSeconds(5));
    assertThat(limiter.tryConsume("k", 1)).as("the slot is reserved").isFalse();
    slot.cancel(false);
  }

  @Test
  void handleCallsAreCountedInTheLimitersMeters() {
    LocalRateLimiter limiter = limiter(RateLimit.of(Bandwidth.perPeriod(1, SECOND)));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    limiter.bindTo(registry);
    KeyLimiter handle = limiter.forKey("k");
    handle.tryConsume(1);
    handle.tryConsume(1);
    handle.tryAcquire(1);
    assertThat(calls(registry, "permitted")).isEqualTo(1);
    assertThat(calls(registry, "rejected")).isEqualTo(2);
  }

  @Test
  void argumentsAreCheckedAsByTheKeyedCalls() {
    LocalRateLimiter limiter = limiter(RateLimit.of(Bandwidth.perPeriod(3, SECOND)));
    assertThatThrownBy(() -> limiter.forKey(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> limiter.forKey("x".repeat(RateLimiter.MAX_KEY_BYTES + 1)))
        .isInstanceOf(IllegalArgumentException.class);
    KeyLimiter handle = limiter.forKey("k");
    assertThatThrownBy(() -> handle.tryConsume(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> handle.tryConsume(4)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> handle.acquire(1, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> handle.acquireAsync(1, Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    assertThat(handle.tryAcquire(3).allowed()).as("nothing was taken by refused arguments").isTrue();
  }

  private static long calls(SimpleMeterRegistry registry, String result) {
    return (long) registry.get("hotpath.ratelimiter.calls").tag("name", "test").tag("result", result).functionCounter().count();
  }
}
