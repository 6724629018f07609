package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sentinel states against a real, epoch-scale clock, where {@code EMPTY - now} would wrap. */
class RuleTest {

  /** About what {@link NanoClock#system()} reads (2023). */
  private static final long NOW = 1_700_000_000_000_000_000L;

  private static final List<Bandwidth> ONE_OF_EACH_RULE = List.of(
      Bandwidth.perPeriod(10, Duration.ofSeconds(1)), // IntervalRule: one permit per 100 ms
      Bandwidth.perPeriod(3, Duration.ofSeconds(1)), // RefillRule: 3 per 1e9 ns do not divide
      Bandwidth.perWindow(10, Duration.ofMinutes(1))); // WindowRule

  @Test
  void aNeverUsedStateIsAFullBucket() {
    for (Bandwidth b : ONE_OF_EACH_RULE) {
      Rule rule = Rule.of(b);
      String label = rule.getClass().getSimpleName();
      assertThat(rule.nanosToFull(Rule.EMPTY, NOW)).as(label).isZero();
      assertThat(rule.waitFor(Rule.EMPTY, NOW)).as(label).isZero();
      assertThat(rule.available(Rule.EMPTY, NOW)).as(label).isEqualTo(b.capacity());
      assertThat(rule.used(Rule.EMPTY, NOW)).as(label).isZero();
    }
  }

  @Test
  void aBucketRemovedFromItsMapDescribesAsAFullOne() {
    for (RateLimit limit : List.of(RateLimit.of(ONE_OF_EACH_RULE.get(0)), RateLimit.of(ONE_OF_EACH_RULE))) {
      ManualClock clock = new ManualClock(NOW);
      LocalBucket bucket = LocalBucket.create(limit);
      assertThat(bucket.reserve(1, 0, clock)).isZero();
      clock.advance(Duration.ofMinutes(1)); // full again: housekeeping may remove it
      assertThat(bucket.killIfFull(clock.nanos())).as(limit.toString()).isTrue();
      // a decision described after the removal (a racing cleanUp) is about a full bucket
      RateLimitDecision d = bucket.describe(0, clock.nanos());
      assertThat(d.nanosToReset()).as(limit.toString()).isZero();
      assertThat(d.remaining()).as(limit.toString()).isEqualTo(d.limit());
    }
  }
}
