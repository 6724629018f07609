package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.Tier;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Who closes a tier or a bus (see {@link TieredCache}): a cache closes what it was handed with
 * {@code tier(...)} / {@code invalidationBus(...)}, never what it was lent with {@code
 * sharedTier(...)} / {@code sharedInvalidationBus(...)}, nor a tier's own bus.
 */
class TierOwnershipTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);
  private final FakeTicker ticker = new FakeTicker();
  private final NamespaceSpec<String, String> stored = NamespaceSpec.builder("prices", String.class, String.class)
      .ttl(TtlProfile.builder().l1(MINUTE).l2(MINUTE).build())
      .build();

  /** A map tier that counts its closes and may bring a bus, as the Redis tier does. */
  private static final class CountingTier implements Tier {
    final ByteMapTier store;
    final InvalidationBus bus;
    final AtomicInteger closes = new AtomicInteger();

    CountingTier(ByteMapTier store, InvalidationBus bus) {
      this.store = store;
      this.bus = bus;
    }

    @Override
    public String name() {
      return store.name();
    }

    @Override
    public <K, V> NamespaceStore<K, V> open(NamespaceContext<K, V> context) {
      return store.open(context);
    }

    @Override
    public InvalidationBus invalidationBus() {
      return bus;
    }

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  private CountingTier tier(String name) {
    return new CountingTier(new ByteMapTier(name, ticker), null);
  }

  @Test
  void aCacheClosesTheTiersItWasHandedAndNotTheOnesItWasLent() {
    CountingTier handed = tier("handed");
    CountingTier lent = tier("lent");

    TieredCache.builder().ticker(ticker).tier(handed).sharedTier(lent).namespace(stored).build().close();

    assertThat(handed.closes).hasValue(1);
    assertThat(lent.closes).hasValue(0);
  }

  @Test
  void closingOneOfTwoCachesSharingATierLeavesItAndItsBusWorkingForTheOther() {
    InvalidationBus tiersBus = InvalidationBus.inProcess();
    CountingTier shared = new CountingTier(new ByteMapTier("shared", ticker), tiersBus);
    try (TieredCache other = TieredCache.builder().ticker(ticker).sharedTier(shared).namespace(stored).build()) {
      TieredCache first = TieredCache.builder().ticker(ticker).sharedTier(shared).namespace(stored).build();
      first.namespace(stored).put("BTCUSDT", "64000");
      Buses.awaitDelivered(tiersBus);
      assertThat(other.namespace(stored).get("BTCUSDT")).isEqualTo("64000"); // now in other's L1 too

      first.close();
      try (TieredCache third = TieredCache.builder().ticker(ticker).sharedTier(shared).namespace(stored).build()) {
        third.namespace(stored).put("BTCUSDT", "64001");
        Buses.awaitDelivered(tiersBus);

        // The tier's bus still carries third's change to other after first closed.
        assertThat(other.namespace(stored).getIfPresent("BTCUSDT")).isNull();
        assertThat(other.namespace(stored).get("BTCUSDT")).isEqualTo("64001");
      }
    }
    assertThat(shared.closes).as("no cache closes a lent tier").hasValue(0);
    tiersBus.close();
  }

  @Test
  void aLentBusKeepsCarryingInvalidationsBetweenTheOtherCachesWhenOneCloses() {
    NamespaceSpec<String, String> crossNode = NamespaceSpec.builder("symbols", String.class, String.class)
        .ttl(TtlProfile.builder().l1(MINUTE).build())
        .crossNodeInvalidation()
        .build();
    InvalidationBus bus = InvalidationBus.inProcess();
    TieredCache leaving = TieredCache.builder().ticker(ticker).sharedInvalidationBus(bus).namespace(crossNode).build();
    try (TieredCache writer = TieredCache.builder().ticker(ticker).sharedInvalidationBus(bus).namespace(crossNode).build();
        TieredCache reader = TieredCache.builder().ticker(ticker).sharedInvalidationBus(bus).namespace(crossNode).build()) {
      reader.namespace(crossNode).put("BTCUSDT", "old");

      leaving.close();
      writer.namespace(crossNode).invalidate("BTCUSDT");
      Buses.awaitDelivered(bus);

      assertThat(reader.namespace(crossNode).getIfPresent("BTCUSDT")).isNull();
    } finally {
      bus.close();
    }
  }

  @Test
  void aBusIsEitherHandedOrLent() {
    TieredCache.Builder builder = TieredCache.builder().invalidationBus(InvalidationBus.inProcess());

    assertThatThrownBy(() -> builder.sharedInvalidationBus(InvalidationBus.inProcess()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("invalidationBus");
  }

  @Test
  void aTierCannotBeBothHandedAndLent() {
    CountingTier tier = tier("shared");
    TieredCache.Builder builder = TieredCache.builder().tier(tier);

    assertThatThrownBy(() -> builder.sharedTier(tier))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tier 'shared' is already part of the cache");
  }
}
