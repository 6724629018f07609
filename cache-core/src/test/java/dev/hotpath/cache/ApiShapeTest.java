package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.internal.ForwardingTier;
import dev.hotpath.cache.spi.Tier;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The public API's shape: generic types, wiring that cannot be forgotten, set-once builders. */
class ApiShapeTest {
  record Candle(long openTime, BigDecimal open, BigDecimal close) {}

  private static final TypeToken<List<Candle>> CANDLES = new TypeToken<>() {};
  private static final Duration MINUTE = Duration.ofMinutes(1);
  private final FakeTicker ticker = new FakeTicker();

  /** A shared tier that brings its own bus, as the Redis tier does. */
  private static Tier bringing(Tier tier, InvalidationBus bus) {
    return new ForwardingTier(tier) {
      @Override
      public InvalidationBus invalidationBus() {
        return bus;
      }
    };
  }

  private static NamespaceSpec<String, List<Candle>> ohlc() {
    return NamespaceSpec.builder("ohlc", TypeToken.of(String.class), CANDLES)
        .ttl(TtlProfile.builder().l1(MINUTE).l2(MINUTE).build())
        .valueCodec(JsonCodec.of(CANDLES))
        .build();
  }

  @Test
  void genericValueTypesGoThroughASharedTierAndComeBackTyped() {
    ByteMapTier shared = new ByteMapTier("shared", ticker);
    List<Candle> candles =
        List.of(new Candle(60_000, new BigDecimal("42000.10"), new BigDecimal("42010.00")),
            new Candle(120_000, new BigDecimal("42010.00"), new BigDecimal("41999.99")));
    try (TieredCache a = TieredCache.builder().ticker(ticker).tier(shared).namespace(ohlc()).build();
        TieredCache b = TieredCache.builder().ticker(ticker).tier(shared).namespace(ohlc()).build()) {
      a.namespace(ohlc()).put("BTCUSDT:1m", candles);
      // b's L1 is empty: the value comes from the shared tier's bytes, decoded as List<Candle>.
      List<Candle> read = b.namespace(ohlc()).get("BTCUSDT:1m");
      assertThat(read).isEqualTo(candles);
      assertThat(read.get(0)).isInstanceOf(Candle.class);
      assertThat(b.namespace(ohlc()).spec().valueType().type()).isEqualTo(CANDLES.type());
      assertThat(b.namespace("ohlc").name()).isEqualTo("ohlc");
    }
  }

  @Test
  void aGenericTypeInASharedTierWithoutACodecFailsTheBuildNamingTheType() {
    NamespaceSpec<String, List<Candle>> noCodec =
        NamespaceSpec.builder("ohlc", TypeToken.of(String.class), CANDLES)
            .ttl(TtlProfile.builder().l1(MINUTE).l2(MINUTE).build())
            .build();
    TieredCache.Builder builder =
        TieredCache.builder().tier(new ByteMapTier("shared", ticker)).namespace(noCodec);
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no valueCodec for java.util.List<" + Candle.class.getName() + ">");
  }

  @Test
  void typeTokensAreEqualWhenTheyDenoteTheSameType() {
    assertThat(new TypeToken<List<Candle>>() {}).isEqualTo(CANDLES).hasSameHashCodeAs(CANDLES);
    assertThat(TypeToken.of(String.class)).isEqualTo(new TypeToken<String>() {});
    assertThat(new TypeToken<List<String>>() {}).isNotEqualTo(CANDLES);
  }

  @Test
  void aTierThatBringsABusIsUsedWithoutBeingTold() {
    ByteMapTier store = new ByteMapTier("shared", ticker);
    Tier shared = bringing(store, InvalidationBus.inProcess());
    NamespaceSpec<String, String> spec = NamespaceSpec.builder("symbols", String.class, String.class)
        .ttl(TtlProfile.builder().l1(MINUTE).l2(MINUTE).build())
        .build();
    try (TieredCache a = TieredCache.builder().ticker(ticker).tier(shared).namespace(spec).build();
        TieredCache b = TieredCache.builder().ticker(ticker).tier(shared).namespace(spec).build()) {
      a.namespace(spec).put("BTCUSDT", "v1");
      // Delivered on the bus's thread: let it land, or it could drop the copy b is about to load.
      Buses.awaitDelivered(shared.invalidationBus());
      assertThat(b.namespace(spec).get("BTCUSDT")).isEqualTo("v1");
      assertThat(b.namespace(spec).getIfPresent("BTCUSDT")).isEqualTo("v1");
      a.namespace(spec).put("BTCUSDT", "v2");
      Buses.awaitDelivered(shared.invalidationBus());
      // Without the tier's bus, b would keep serving v1 from its L1 for a minute.
      assertThat(b.namespace(spec).getIfPresent("BTCUSDT")).isNull();
      assertThat(b.namespace(spec).get("BTCUSDT")).isEqualTo("v2");
    }
  }

  @Test
  void aBusThatDiffersFromATiersFailsTheBuild() {
    Tier shared = bringing(new ByteMapTier("shared", ticker), InvalidationBus.inProcess());
    TieredCache.Builder builder = TieredCache.builder()
        .tier(shared)
        .invalidationBus(InvalidationBus.inProcess())
        .namespace(NamespaceSpec.builder("s", String.class, String.class).ttl(TtlProfile.MARKET_PRICE).build());
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("conflicts with tier 'shared'");
  }

  @Test
  void twoTiersWithDifferentBusesFailTheBuild() {
    TieredCache.Builder builder = TieredCache.builder()
        .tier(bringing(new ByteMapTier("first", ticker), InvalidationBus.inProcess()))
        .tier(bringing(new ByteMapTier("second", ticker), InvalidationBus.inProcess()))
        .namespace(NamespaceSpec.builder("s", String.class, String.class).ttl(TtlProfile.MARKET_PRICE).build());
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("tiers 'first' and 'second' bring different invalidation buses, and a cache has one");
  }

  @Test
  void theTiersOwnBusMayAlsoBeSetExplicitly() {
    InvalidationBus bus = InvalidationBus.inProcess();
    Tier shared = bringing(new ByteMapTier("shared", ticker), bus);
    try (TieredCache cache = TieredCache.builder()
        .tier(shared)
        .invalidationBus(bus)
        .namespace(NamespaceSpec.builder("s", String.class, String.class).ttl(TtlProfile.MARKET_PRICE).build())
        .build()) {
      List<InvalidationEvent> seen = new CopyOnWriteArrayList<>();
      bus.subscribe(new InvalidationListener() {
        @Override
        public void onInvalidation(InvalidationEvent event) {
          seen.add(event);
        }
      });
      cache.namespace("s").invalidateAll();
      Buses.awaitDelivered(bus);
      assertThat(seen).hasSize(1);
    }
  }

  @Test
  void aClosedSubscriptionReceivesNothingAndClosingThrowsNothingChecked() {
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("s", String.class, String.class).ttl(TtlProfile.MARKET_PRICE).build();
    try (TieredCache cache = TieredCache.builder().namespace(spec).build()) {
      List<InvalidationEvent> seen = new CopyOnWriteArrayList<>();
      try (Subscription subscription = cache.addInvalidationListener(seen::add)) {
        cache.namespace(spec).invalidate("a");
        Buses.awaitDelivered(cache);
      }
      cache.namespace(spec).invalidate("b");
      Buses.awaitDelivered(cache);
      assertThat(seen).extracting(e -> e.keys()).containsExactly(List.of("a"));
    }
  }

  @Test
  void theAsyncViewLoadsOnceAndFailsWithACacheException() {
    NamespaceSpec<String, String> spec = NamespaceSpec.builder("s", String.class, String.class)
        .ttl(TtlProfile.MARKET_PRICE)
        .loader(key -> {
          if (key.equals("bad")) {
            throw new IllegalStateException("source down");
          }
          return key.toUpperCase();
        })
        .build();
    try (TieredCache cache = TieredCache.builder().namespace(spec).build()) {
      AsyncNamespace<String, String> async = cache.namespace(spec).async();
      assertThat(async.get("a").join()).isEqualTo("A");
      assertThat(async.getAll(List.of("a", "b")).join()).isEqualTo(Map.of("a", "A", "b", "B"));
      assertThat(async.synchronous()).isSameAs(cache.namespace(spec));
      assertThatThrownBy(() -> async.get("bad").join())
          .cause()
          .isInstanceOf(CacheLoadException.class)
          .isInstanceOf(CacheException.class);
    }
  }

  static Stream<Arguments> setters() {
    CacheWriter<String, String> writer = (k, v) -> {};
    return Stream.of(
        set("TieredCache.ticker", TieredCache.builder(), b -> b.ticker(Ticker.system())),
        set("TieredCache.nodeId", TieredCache.builder(), b -> b.nodeId("n")),
        set("TieredCache.alertPolicy", TieredCache.builder(), b -> b.alertPolicy(AlertPolicy.defaults())),
        set("TieredCache.executor", TieredCache.builder(), b -> b.executor(Runnable::run)),
        set("TieredCache.invalidationBus", TieredCache.builder(), b -> b.invalidationBus(InvalidationBus.inProcess())),
        set("TieredCache.warmup", TieredCache.builder(),
            b -> b.warmup(WarmupPlan.builder().strategy(WarmupStrategy.keys("w", ohlc(), () -> List.of("k"))).build())),
        set("NamespaceSpec.ttl", NamespaceSpec.builder("s", String.class, String.class), b -> b.ttl(TtlProfile.MARKET_PRICE)),
        set("NamespaceSpec.maximumSize", NamespaceSpec.builder("s", String.class, String.class), b -> b.maximumSize(1)),
        set("NamespaceSpec.loader", NamespaceSpec.builder("s", String.class, String.class), b -> b.loader(k -> k)),
        set("NamespaceSpec.keyCodec", NamespaceSpec.builder("s", String.class, String.class), b -> b.keyCodec(KeyCodec.strings())),
        set("NamespaceSpec.valueCodec", NamespaceSpec.builder("s", String.class, String.class), b -> b.valueCodec(Codec.utf8())),
        set("NamespaceSpec.writeThrough", NamespaceSpec.builder("s", String.class, String.class), b -> b.writeThrough(writer)),
        set("NamespaceSpec.deadLetters", NamespaceSpec.builder("s", String.class, String.class),
            b -> b.deadLetters(DeadLetterHandler.logging())),
        set("NamespaceSpec.crossNodeInvalidation", NamespaceSpec.builder("s", String.class, String.class),
            NamespaceSpec.Builder::crossNodeInvalidation),
        set("TtlProfile.l1", TtlProfile.builder(), b -> b.l1(MINUTE)),
        set("TtlProfile.l2", TtlProfile.builder(), b -> b.l2(MINUTE)),
        set("TtlProfile.tier", TtlProfile.builder(), b -> b.tier("redis", MINUTE)),
        set("TtlProfile.negative", TtlProfile.builder(), b -> b.negative(MINUTE)),
        set("TtlProfile.refreshAfter", TtlProfile.builder(), b -> b.refreshAfter(MINUTE)),
        set("TtlProfile.jitter", TtlProfile.builder(), b -> b.jitter(0.1)),
        set("TtlProfile.toBuilder.l1", TtlProfile.SYMBOL_CONFIG.toBuilder(), b -> b.l1(MINUTE)),
        set("WarmupPlan.deadline", WarmupPlan.builder(), b -> b.deadline(MINUTE)),
        set("WarmupPlan.parallelism", WarmupPlan.builder(), b -> b.parallelism(2)),
        set("WarmupPlan.listener", WarmupPlan.builder(), b -> b.listener((strategy, done, total) -> {})),
        set("WarmupPlan.repeatEvery", WarmupPlan.builder(), b -> b.repeatEvery(MINUTE)),
        set("AlertPolicy.minHitRate", AlertPolicy.builder(), b -> b.minHitRate(0.5)),
        set("AlertPolicy.minL1HitRate", AlertPolicy.builder(), b -> b.minL1HitRate(0.5)),
        set("AlertPolicy.maxLatency", AlertPolicy.builder(), b -> b.maxLatency(MINUTE)),
        set("AlertPolicy.maxEvictionsPerSecond", AlertPolicy.builder(), b -> b.maxEvictionsPerSecond(1)),
        set("AlertPolicy.maxTierErrors", AlertPolicy.builder(), b -> b.maxTierErrors(1)),
        set("AlertPolicy.minRequests", AlertPolicy.builder(), b -> b.minRequests(1)),
        set("AlertPolicy.interval", AlertPolicy.builder(), b -> b.interval(MINUTE)),
        set("WriteBehind.capacity", WriteBehind.builder(), b -> b.capacity(10)),
        set("WriteBehind.batchSize", WriteBehind.builder(), b -> b.batchSize(10)),
        set("WriteBehind.flushInterval", WriteBehind.builder(), b -> b.flushInterval(MINUTE)),
        set("WriteBehind.overflowPolicy", WriteBehind.builder(), b -> b.overflowPolicy(WriteBehind.OverflowPolicy.REJECT)),
        set("WriteBehind.blockTimeout", WriteBehind.builder(), b -> b.blockTimeout(MINUTE)),
        set("WriteBehind.retryBackoff", WriteBehind.builder(), b -> b.retryBackoff(MINUTE)),
        set("WriteBehind.maxAttempts", WriteBehind.builder(), b -> b.maxAttempts(3)),
        set("WriteBehind.closeTimeout", WriteBehind.builder(), b -> b.closeTimeout(MINUTE)));
  }

  private static <B> Arguments set(String name, B builder, Consumer<B> setter) {
    return Arguments.of(name, builder, setter);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setters")
  <B> void everySetterMayBeCalledOnce(String name, B builder, Consumer<B> setter) {
    setter.accept(builder);
    assertThatThrownBy(() -> setter.accept(builder))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageEndingWith("was already set");
  }

  static <T> TypeToken<List<T>> listOf() {
    return new TypeToken<List<T>>() {};
  }

  @Test
  void aTypeTokenOfATypeVariableIsRefusedWhereItIsMade() {
    assertThatThrownBy(ApiShapeTest::listOf)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("java.util.List<T> holds the type variable T");
  }

  @Test
  void aRefusedValueLeavesTheFieldSettable() {
    TtlProfile.Builder ttl = TtlProfile.builder();
    assertThatThrownBy(() -> ttl.l1(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ttl.tier("redis", null)).isInstanceOf(NullPointerException.class);
    assertThat(ttl.l1(MINUTE).tier("redis", MINUTE).build().l1()).isEqualTo(MINUTE);
    WarmupPlan.Builder plan = WarmupPlan.builder();
    assertThatThrownBy(() -> plan.listener(null)).isInstanceOf(NullPointerException.class);
    plan.listener((strategy, done, total) -> {});
  }

  @Test
  void missesOnlyGrowWhileASharedTierReadIsInFlight() throws Exception {
    java.util.concurrent.CountDownLatch tierAnswers = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch tierAsked = new java.util.concurrent.CountDownLatch(1);
    ByteMapTier store = new ByteMapTier("shared", ticker);
    Tier slow = new Tier() {
      @Override
      public String name() {
        return "shared";
      }

      @Override
      public <K, V> NamespaceStore<K, V> open(NamespaceContext<K, V> context) {
        NamespaceStore<K, V> inner = store.open(context);
        return delayed(inner, tierAsked, tierAnswers);
      }
    };
    NamespaceSpec<String, String> spec = NamespaceSpec.builder("s", String.class, String.class)
        .ttl(TtlProfile.builder().l1(MINUTE).l2(MINUTE).build())
        .build();
    try (TieredCache writer = TieredCache.builder().ticker(ticker).tier(store).namespace(spec).build();
        TieredCache cache = TieredCache.builder().ticker(ticker).tier(slow).namespace(spec).build()) {
      writer.namespace(spec).put("k", "v");
      java.util.concurrent.CompletableFuture<String> read = cache.namespace(spec).async().get("k");
      tierAsked.await();
      // In flight: the key is neither a hit nor a miss yet.
      assertThat(cache.namespace(spec).stats().misses()).isZero();
      assertThat(cache.namespace(spec).stats().hits()).isZero();
      tierAnswers.countDown();
      assertThat(read.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("v");
      assertThat(cache.namespace(spec).stats().hits()).isEqualTo(1);
      assertThat(cache.namespace(spec).stats().misses()).isZero();
      assertThat(cache.namespace(spec).getIfPresent("other")).isNull();
      assertThat(cache.namespace(spec).stats().misses()).isEqualTo(1);
    }
  }

  /** A store whose get waits for {@code answer} after saying it was asked. */
  private static <K, V> NamespaceStore<K, V> delayed(
      NamespaceStore<K, V> inner, java.util.concurrent.CountDownLatch asked, java.util.concurrent.CountDownLatch answer) {
    return (NamespaceStore<K, V>) java.lang.reflect.Proxy.newProxyInstance(
        NamespaceStore.class.getClassLoader(), new Class<?>[] {NamespaceStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("get")) {
            asked.countDown();
            answer.await();
          }
          try {
            return method.invoke(inner, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
