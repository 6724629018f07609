package dev.hotpath.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The AIMD limit: additive increase on healthy replies in use, multiplicative decrease once per congestion. */
class ConcurrencyLimitTest {
  private static final long MS = 1_000_000L;

  @Test
  void aFixedLimitNeverMoves() {
    ConcurrencyLimit limit = new ConcurrencyLimit(Concurrency.fixed(5));
    limit.onSuccess(MS, 5, limit.generation());
    limit.onCongestion(limit.generation(), ConcurrencyLimit.HARD_BACKOFF);
    assertThat(limit.current()).isEqualTo(5);
  }

  @Test
  void healthyRepliesWhileTheLimitIsUsedRaiseItByOneUpToTheMaximum() {
    ConcurrencyLimit limit = new ConcurrencyLimit(Concurrency.adaptive(2, 8));
    assertThat(limit.current()).isEqualTo(2);
    for (int i = 0; i < 20; i++) {
      limit.onSuccess(MS, limit.current(), limit.generation());
    }
    assertThat(limit.current()).isEqualTo(8);
  }

  @Test
  void anUnderusedLimitDoesNotGrow() {
    ConcurrencyLimit limit = new ConcurrencyLimit(Concurrency.adaptive(4, 64));
    for (int i = 0; i < 20; i++) {
      limit.onSuccess(MS, 1, limit.generation());
    }
    assertThat(limit.current()).isEqualTo(4);
  }

  @Test
  void congestionHalvesTheLimitOncePerRoundAndNeverBelowTheMinimum() {
    ConcurrencyLimit limit = new ConcurrencyLimit(Concurrency.adaptive(2, 16));
    for (int i = 0; i < 14; i++) {
      limit.onSuccess(MS, limit.current(), limit.generation());
    }
    assertThat(limit.current()).isEqualTo(16);
    long round = limit.generation();
    limit.onCongestion(round, ConcurrencyLimit.HARD_BACKOFF);
    limit.onCongestion(round, ConcurrencyLimit.HARD_BACKOFF); // another call of the same round: no second cut
    assertThat(limit.current()).isEqualTo(8);
    limit.onCongestion(limit.generation(), ConcurrencyLimit.HARD_BACKOFF);
    limit.onCongestion(limit.generation(), ConcurrencyLimit.HARD_BACKOFF);
    limit.onCongestion(limit.generation(), ConcurrencyLimit.HARD_BACKOFF);
    assertThat(limit.current()).isEqualTo(2);
  }

  @Test
  void aReplyMuchSlowerThanTheAverageTakesATenthOff() {
    ConcurrencyLimit limit = new ConcurrencyLimit(Concurrency.adaptive(1, 20));
    for (int i = 0; i < 19; i++) {
      limit.onSuccess(MS, limit.current(), limit.generation());
    }
    assertThat(limit.current()).isEqualTo(20);
    limit.onSuccess(10 * MS, 20, limit.generation());
    assertThat(limit.current()).isEqualTo(18);
  }
}
