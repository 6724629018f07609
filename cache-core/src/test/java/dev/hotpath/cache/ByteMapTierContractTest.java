package dev.hotpath.cache;

import dev.hotpath.cache.spi.Tier;
import java.time.Duration;

class ByteMapTierContractTest extends TierContractTest {
  private final FakeTicker ticker = new FakeTicker();

  @Override
  protected Tier createTier() {
    return new ByteMapTier("shared", ticker);
  }

  @Override
  protected void passTime(Duration duration) {
    ticker.advance(duration);
  }
}
