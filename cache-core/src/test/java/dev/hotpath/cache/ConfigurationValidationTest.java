package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigurationValidationTest {

  private static NamespaceSpec<String, String> symbols() {
    return NamespaceSpec.builder("symbols", String.class, String.class).ttl(TtlProfile.SYMBOL_CONFIG).build();
  }

  @Test
  void ttlsMustBePositiveAndNamed() {
    assertThatThrownBy(() -> TtlProfile.builder().l1(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("l1 must be positive but was PT0S");
    assertThatThrownBy(() -> TtlProfile.builder().l2(Duration.ofSeconds(-5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("l2 must be positive but was PT-5S");
    assertThatThrownBy(() -> TtlProfile.builder().negative(Duration.ofMillis(-1)))
        .hasMessageContaining("negative must be positive but was");
    assertThatThrownBy(() -> TtlProfile.builder().tier("redis", Duration.ZERO))
        .hasMessage("tier(redis) must be positive but was PT0S");
    assertThatThrownBy(() -> TtlProfile.builder().jitter(1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("jitter must be in [0, 1) but was 1.0");
    assertThatThrownBy(() -> TtlProfile.builder().build()).isInstanceOf(IllegalStateException.class).hasMessage("l1 is required");
    assertThatThrownBy(
            () -> TtlProfile.builder().l1(Duration.ofSeconds(1)).refreshAfter(Duration.ofSeconds(2)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("refreshAfter (PT2S) must be shorter than l1 (PT1S)");
  }

  @Test
  void namespaceSettingsAreCheckedAtBuild() {
    assertThatThrownBy(() -> NamespaceSpec.builder("bad name", String.class, String.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'bad name'");
    assertThatThrownBy(() -> NamespaceSpec.builder("s", String.class, String.class).maximumSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maximumSize must be positive but was 0");
    assertThatThrownBy(() -> NamespaceSpec.builder("s", String.class, String.class).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("namespace 's': ttl is required");
    assertThatThrownBy(
            () -> NamespaceSpec.builder("s", String.class, String.class).writeBehind(null, WriteBehind.defaults()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("writer");
    CacheWriter<String, String> writer = (k, v) -> {};
    assertThatThrownBy(
            () -> NamespaceSpec.builder("s", String.class, String.class)
                .writeThrough(writer)
                .writeBehind(writer, WriteBehind.defaults()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("write mode (writeThrough or writeBehind) was already set");
    assertThatThrownBy(
            () -> NamespaceSpec.builder("s", String.class, String.class)
                .ttl(TtlProfile.builder().l1(Duration.ofMinutes(1)).refreshAfter(Duration.ofSeconds(1)).build())
                .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refreshAfter=PT1S requires a loader");
    assertThatThrownBy(
            () -> NamespaceSpec.builder("s", String.class, String.class).ttl(TtlProfile.MARKET_PRICE).ttl(TtlProfile.ACCOUNT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ttl was already set");
    assertThatThrownBy(() -> WriteBehind.builder().capacity(10).batchSize(20).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("batchSize (20) must not exceed capacity (10)");
    assertThatThrownBy(() -> WriteBehind.builder().maxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxAttempts must be positive but was 0");
    assertThatThrownBy(() -> NamespaceSpec.builder("s", String.class, String.class).deadLetters(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("deadLetters");
    assertThatThrownBy(
            () -> NamespaceSpec.builder("s", String.class, String.class)
                .ttl(TtlProfile.MARKET_PRICE)
                .writeThrough(writer)
                .deadLetters(DeadLetterHandler.logging())
                .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("namespace 's': deadLetters requires writeBehind, but the write mode is WRITE_THROUGH");
  }

  @Test
  void cacheSettingsAreCheckedAtBuild() {
    assertThatThrownBy(() -> TieredCache.builder().namespace(symbols()).namespace(symbols()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("namespace 'symbols' is registered twice");
    assertThatThrownBy(() -> TieredCache.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("no namespace registered");
    FakeTicker ticker = new FakeTicker();
    assertThatThrownBy(
            () -> TieredCache.builder().tier(new ByteMapTier("redis", ticker)).tier(new ByteMapTier("redis", ticker)))
        .hasMessage("tier 'redis' is already part of the cache");

    record Quote(String symbol) {}
    NamespaceSpec<String, Quote> noCodec =
        NamespaceSpec.builder("quotes", String.class, Quote.class).ttl(TtlProfile.ACCOUNT).build();
    assertThatThrownBy(() -> TieredCache.builder().tier(new ByteMapTier("redis", ticker)).namespace(noCodec).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("namespace 'quotes' is stored in tier 'redis' but has no valueCodec");

    NamespaceSpec<String, String> unknownTier =
        NamespaceSpec.builder("s", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofSeconds(1)).tier("postgres", Duration.ofHours(1)).build())
            .build();
    assertThatThrownBy(() -> TieredCache.builder().namespace(unknownTier).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("TTL for tier 'postgres', which the cache does not have");
  }

  /** For a host that creates its tiers after the rest checked out: the same checks, by tier names, creating nothing. */
  @Test
  void validateForChecksWhatBuildChecksByTheNamesOfTiersToCome() {
    record Quote(String symbol) {}
    NamespaceSpec<String, String> inPostgres =
        NamespaceSpec.builder("s", String.class, String.class)
            .ttl(TtlProfile.builder().l1(Duration.ofSeconds(1)).tier("postgres", Duration.ofHours(1)).build())
            .build();
    NamespaceSpec<String, Quote> noCodec =
        NamespaceSpec.builder("quotes", String.class, Quote.class).ttl(TtlProfile.ACCOUNT).build();
    WarmupPlan ofOtherNamespace =
        WarmupPlan.builder().strategy(WarmupStrategy.keys("top", symbols(), List::of)).build();

    TieredCache.builder().namespace(inPostgres).validateFor(List.of("redis", "postgres"));
    assertThatThrownBy(() -> TieredCache.builder().namespace(inPostgres).validateFor(List.of("redis")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("namespace 's' has a TTL for tier 'postgres', which the cache does not have; tiers: [redis]");
    TieredCache.builder().namespace(noCodec).validateFor(List.of());
    assertThatThrownBy(() -> TieredCache.builder().namespace(noCodec).validateFor(List.of("redis")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("namespace 'quotes' is stored in tier 'redis' but has no valueCodec");
    assertThatThrownBy(() -> TieredCache.builder().namespace(inPostgres).warmup(ofOtherNamespace)
            .validateFor(List.of("postgres")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("warmup names namespace 'symbols', which is not registered");
  }

  @Test
  void lookupChecksNameAndTypes() {
    try (TieredCache cache = TieredCache.builder().namespace(symbols()).build()) {
      assertThatThrownBy(() -> cache.namespace("nope"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no namespace 'nope'");
      NamespaceSpec<String, Long> otherTypes =
          NamespaceSpec.builder("symbols", String.class, Long.class).ttl(TtlProfile.SYMBOL_CONFIG).build();
      assertThatThrownBy(() -> cache.namespace(otherTypes))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("holds java.lang.String -> java.lang.String, not java.lang.String -> java.lang.Long");
      assertThat(cache.namespace("symbols").name()).isEqualTo("symbols");
    }
  }

  @Test
  void aBuildThatFailsLeavesNoThreadOfTheCacheBehind() throws Exception {
    InvalidationBus refusing = new InvalidationBus() {
      @Override
      public void publish(InvalidationEvent event) {}

      @Override
      public Subscription subscribe(InvalidationListener listener) {
        throw new IllegalStateException("bus down");
      }
    };
    NamespaceSpec<String, String> buffered = NamespaceSpec.builder("orders", String.class, String.class)
        .ttl(TtlProfile.MARKET_PRICE)
        .writeBehind((k, v) -> {}, WriteBehind.defaults()) // schedules its flush, starting a scheduler thread
        .build();
    long before = schedulerThreads();
    assertThatThrownBy(() -> TieredCache.builder().invalidationBus(refusing).namespace(buffered).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("bus down");
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (schedulerThreads() > before && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(schedulerThreads()).isLessThanOrEqualTo(before);
  }

  private static long schedulerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("hotpath-scheduler"))
        .count();
  }
}
