package dev.hotpath.cache;

import dev.hotpath.cache.spi.Tier;
import java.time.Duration;
import java.util.concurrent.ForkJoinPool;

class MemoryTierContractTest extends TierContractTest {
  private final FakeTicker ticker = new FakeTicker();

  @Override
  protected Tier createTier() {
    return new MemoryTier(ticker, ForkJoinPool.commonPool());
  }

  @Override
  protected void passTime(Duration duration) {
    ticker.advance(duration);
  }
}
