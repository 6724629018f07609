package dev.hotpath.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.LocalRateLimiter;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimitDecision;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the used-weight figures reach the limiter, on a manual clock and a real {@link
 * LocalRateLimiter} with one-second windows.
 */
class QuotaGateTest {
  private static final long SECOND = 1_000_000_000L;
  private final Fixtures.ManualClock clock = new Fixtures.ManualClock();
  private Bandwidth weight;
  private LocalRateLimiter limiter;
  private QuotaGate gate;

  @BeforeEach
  void startOfAWindow() {
    clock.advance(Duration.ofNanos(SECOND - Math.floorMod(clock.nanos(), SECOND)));
  }

  private void limit(long capacity) {
    weight = Bandwidth.builder().id("weight-1m").capacity(capacity).refillWindow(Duration.ofSeconds(1)).build();
    limiter = LocalRateLimiter.builder().name("exchange").limit(RateLimit.of(weight)).clock(clock).build();
    gate = new QuotaGate(limiter, "ip-1", weight, clock);
  }

  /** Permits the limiter has left in the current window, asked without taking any (a refused request). */
  private long left() {
    RateLimitDecision decision = limiter.tryAcquire("ip-1", weight.capacity());
    assertThat(decision.allowed()).isFalse();
    return decision.remaining();
  }

  private QuotaGate.Grant grant(long w) {
    assertThat(limiter.tryConsume("ip-1", w)).isTrue();
    return gate.onGranted(w, clock.nanos());
  }

  @Test
  void aReservationThatStraddledTheBoundaryCountsWhollyInTheNewWindow() {
    limit(10);
    grant(3);
    grant(3);
    grant(3);
    limiter.acquireAsync("ip-1", 3, Duration.ofSeconds(2)); // 1 left: takes it and 2 of the next window
    clock.advance(Duration.ofSeconds(1));

    gate.onGranted(3, clock.nanos()); // the server will count all 3 in this window

    assertThat(left()).isEqualTo(10 - 3);
  }

  @Test
  void anotherClientsWeightIsLearnedFromTheFiguresWithoutCountingCallsTwice() {
    limit(200);
    QuotaGate.Grant first = grant(5);
    QuotaGate.Grant second = grant(5);
    long sent = clock.nanos();
    clock.advance(Duration.ofMillis(3));

    gate.onAnswer(second, OptionalLong.of(85), sent, clock.nanos(), false); // 80 of another client, then `second`
    assertThat(left()).as("lower bound: `first` may have arrived too").isEqualTo(200 - 85);

    gate.onAnswer(first, OptionalLong.of(90), sent, clock.nanos(), false);
    assertThat(left()).as("exact once every earlier call is answered").isEqualTo(200 - 90);

    QuotaGate.Grant third = grant(5);
    gate.onAnswer(third, OptionalLong.of(95), clock.nanos(), clock.nanos(), false);
    assertThat(left()).isEqualTo(200 - 95);
    assertThat(gate.quotaUsed()).isEqualTo(95);
    assertThat(gate.quotaLimit()).isEqualTo(200);
  }

  @Test
  void aCallStillOutWhenTheWindowTurnsIsCountedInTheNewWindowWhenItArrivedThere() {
    limit(200);
    grant(5); // not answered when the window turns
    clock.advance(Duration.ofSeconds(1));
    QuotaGate.Grant next = grant(5);

    gate.onAnswer(next, OptionalLong.of(10), clock.nanos(), clock.nanos(), false); // both arrived in this window

    assertThat(left()).isEqualTo(200 - 10);
  }

  @Test
  void aCarriedCallThatArrivedInTheOldWindowCostsTheNewOneNothing() {
    limit(200);
    grant(5); // not answered when the window turns; it did reach the server before
    clock.advance(Duration.ofSeconds(1));
    QuotaGate.Grant next = grant(5);

    gate.onAnswer(next, OptionalLong.of(5), clock.nanos(), clock.nanos(), false); // the server counts only `next` here

    assertThat(left()).isEqualTo(200 - 5);
  }

  @Test
  void aFigureFromACallThatCrossedTheBoundaryIsNotUsed() {
    limit(200);
    QuotaGate.Grant grant = grant(5);
    long sent = clock.nanos();
    clock.advance(Duration.ofSeconds(1));

    gate.onAnswer(grant, OptionalLong.of(190), sent, clock.nanos(), false); // the old window's count
    grant(5);

    assertThat(left()).isEqualTo(200 - 5);
  }

  @Test
  void aRefusalBelowTheCapacityTeachesAReserveForEveryLaterWindow() {
    limit(200);
    QuotaGate.Grant refused = grant(5);
    gate.onAnswer(refused, OptionalLong.of(150), clock.nanos(), clock.nanos(), true); // the exchange allows < 155

    assertThat(gate.quotaLimit()).isEqualTo(150);
    clock.advance(Duration.ofSeconds(1));
    grant(5);
    assertThat(left()).isEqualTo(200 - 5 - 50);
  }

  /** The test logger (slf4j-simple) writes to System.err, looked up at each write. */
  @Test
  void aUsedWeightBandwidthTheLimiterDoesNotKnowIsWarnedAboutOnce() {
    limit(200);
    Bandwidth unknown = Bandwidth.builder().id("weight-10s").capacity(200).refillWindow(Duration.ofSeconds(1)).build();
    gate = new QuotaGate(limiter, "ip-1", unknown, clock);
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      grant(5);
      grant(5);
    } finally {
      System.setErr(err);
    }
    String log = captured.toString(StandardCharsets.UTF_8);

    assertThat(log).contains("WARN").contains("used-weight bandwidth 'weight-10s'").contains("not synced");
    assertThat(log.split("refused syncUsage", -1)).as(log).hasSize(2); // once, not at every sync
    assertThat(left()).as("the limiter counts only its own grants").isEqualTo(200 - 10);
  }
}
