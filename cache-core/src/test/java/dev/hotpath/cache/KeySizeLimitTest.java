package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.Tier;
import dev.hotpath.cache.spi.TierValue;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * A namespace's maxKeySize: a key over it is refused by the call, with a message naming the
 * namespace, the size and the limit, before any tier, loader or other node hears of it.
 */
class KeySizeLimitTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final String MEGABYTE_KEY = "k".repeat(1 << 20);
  private final FakeTicker ticker = new FakeTicker();

  /** Every call a namespace makes of its store, by operation: nothing must reach it for a refused key. */
  private static final class WatchedTier implements Tier {
    final ByteMapTier backing;
    final List<String> calls = new CopyOnWriteArrayList<>();

    WatchedTier(ByteMapTier backing) {
      this.backing = backing;
    }

    @Override
    public String name() {
      return backing.name();
    }

    @Override
    public <K, V> NamespaceStore<K, V> open(NamespaceContext<K, V> context) {
      NamespaceStore<K, V> store = backing.open(context);
      return new NamespaceStore<>() {
        @Override
        public TierValue<V> get(K key) {
          calls.add("get");
          return store.get(key);
        }

        @Override
        public Map<K, TierValue<V>> getAll(Collection<? extends K> keys) {
          calls.add("getAll");
          return store.getAll(keys);
        }

        @Override
        public void put(K key, TierValue<V> value, Duration ttl) {
          calls.add("put");
          store.put(key, value, ttl);
        }

        @Override
        public void putAll(Map<? extends K, TierValue<V>> entries, Duration ttl) {
          calls.add("putAll");
          store.putAll(entries, ttl);
        }

        @Override
        public void fill(K key, TierValue<V> value, Duration ttl) {
          calls.add("fill");
          store.fill(key, value, ttl);
        }

        @Override
        public void fillAll(Map<? extends K, TierValue<V>> entries, Duration ttl) {
          calls.add("fillAll");
          store.fillAll(entries, ttl);
        }

        @Override
        public void invalidate(K key) {
          calls.add("invalidate");
          store.invalidate(key);
        }

        @Override
        public void invalidateAll(Collection<? extends K> keys) {
          calls.add("invalidateAll");
          store.invalidateAll(keys);
        }

        @Override
        public void clear() {
          calls.add("clear");
          store.clear();
        }
      };
    }
  }

  /** Records what is published; delivers nothing. */
  private static final class RecordingBus implements InvalidationBus {
    final List<InvalidationEvent> published = new CopyOnWriteArrayList<>();

    @Override
    public void publish(InvalidationEvent event) {
      published.add(event);
    }

    @Override
    public void publishLocally(InvalidationEvent event) {
      published.add(event);
    }

    @Override
    public Subscription subscribe(InvalidationListener listener) {
      return () -> {};
    }
  }

  private static NamespaceSpec.Builder<String, String> shared(String name) {
    return NamespaceSpec.builder(name, String.class, String.class)
        .ttl(TtlProfile.builder().l1(MINUTE).l2(MINUTE).build());
  }

  @Test
  void aMegabyteKeyIsRefusedByEveryCallThatWouldSendItWithNothingSent() {
    WatchedTier tier = new WatchedTier(new ByteMapTier("shared", ticker));
    RecordingBus bus = new RecordingBus();
    AtomicInteger loads = new AtomicInteger();
    NamespaceSpec<String, String> spec =
        shared("symbols").loader(k -> "v" + loads.incrementAndGet()).build();
    try (TieredCache cache =
        TieredCache.builder().ticker(ticker).tier(tier).invalidationBus(bus).namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      List<ThrowingCallable> calls =
          List.of(
              () -> ns.get(MEGABYTE_KEY),
              () -> ns.getAll(List.of("small", MEGABYTE_KEY)),
              () -> ns.put(MEGABYTE_KEY, "v"),
              () -> ns.put(MEGABYTE_KEY, "v", MINUTE),
              () -> ns.putAll(Map.of("small", "v", MEGABYTE_KEY, "v")),
              () -> ns.invalidate(MEGABYTE_KEY),
              () -> ns.invalidateAll(List.of("small", MEGABYTE_KEY)),
              () -> ns.async().get(MEGABYTE_KEY),
              () -> ns.async().getAll(List.of(MEGABYTE_KEY)),
              () -> ns.async().getAll(List.of(MEGABYTE_KEY), missing -> java.util.concurrent.CompletableFuture.completedFuture(Map.of())),
              () -> ns.async().fill(Map.of(MEGABYTE_KEY, "v"), ns.async().mark(List.of(MEGABYTE_KEY))));
      for (ThrowingCallable call : calls) {
        assertThatThrownBy(call)
            .isInstanceOf(KeyTooLargeException.class)
            .hasMessage("namespace 'symbols': key '" + "k".repeat(32) + "…' is 1048576 bytes encoded (UTF-8), over"
                + " maxKeySize of 2048 bytes; refused before reaching any tier")
            .satisfies(e -> {
              KeyTooLargeException refused = (KeyTooLargeException) e;
              assertThat(refused.namespace()).isEqualTo("symbols");
              assertThat(refused.size()).isEqualTo(1 << 20);
              assertThat(refused.limit()).isEqualTo(NamespaceSpec.DEFAULT_MAX_KEY_SIZE);
            });
      }
      assertThat(tier.calls).as("calls that reached the tier").isEmpty();
      assertThat(bus.published).as("events published").isEmpty();
      assertThat(loads).as("loads").hasValue(0);
      assertThat(ns.getIfPresent(MEGABYTE_KEY)).isNull();
      // The small key of a refused bulk call was not written either: the check comes first.
      assertThat(ns.getIfPresent("small")).isNull();
    }
  }

  @Test
  void theLimitCountsEncodedUtf8BytesAndIsConfigurable() {
    ByteMapTier tier = new ByteMapTier("shared", ticker);
    NamespaceSpec<String, String> spec = shared("ids").maxKeySize(8).build();
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(tier).namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      ns.put("12345678", "eight ASCII bytes");
      ns.put("ключ", "four Cyrillic letters, eight bytes");
      assertThatThrownBy(() -> ns.put("ключ1", "nine bytes"))
          .isInstanceOf(KeyTooLargeException.class)
          .hasMessageContaining("is 9 bytes encoded")
          .hasMessageContaining("maxKeySize of 8 bytes");
      assertThatThrownBy(() -> ns.put("😀😀😀", "twelve bytes")).hasMessageContaining("is 12 bytes encoded");
      assertThat(tier.raw("ids", "ключ")).isNotNull();
    }
    NamespaceSpec<Long, String> longs = NamespaceSpec.builder("longs", Long.class, String.class)
        .ttl(TtlProfile.builder().l1(MINUTE).l2(MINUTE).build()).maxKeySize(3).build();
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(tier).namespace(longs).build()) {
      cache.namespace(longs).put(999L, "three digits");
      assertThatThrownBy(() -> cache.namespace(longs).put(1000L, "four digits"))
          .hasMessage("namespace 'longs': key '1000' is 4 bytes encoded (UTF-8), over maxKeySize of 3 bytes;"
              + " refused before reaching any tier");
    }
  }

  @Test
  void keysThatNeverLeaveTheProcessAreNotLimited() {
    NamespaceSpec<String, String> local = NamespaceSpec.builder("local", String.class, String.class)
        .ttl(TtlProfile.builder().l1(MINUTE).build()).loader(k -> "v").build();
    NamespaceSpec<String, String> told = NamespaceSpec.builder("told", String.class, String.class)
        .ttl(TtlProfile.builder().l1(MINUTE).build()).crossNodeInvalidation().build();
    RecordingBus bus = new RecordingBus();
    try (TieredCache cache = TieredCache.builder().ticker(ticker).invalidationBus(bus).namespace(local).namespace(told)
        .build()) {
      cache.namespace(local).put(MEGABYTE_KEY, "v");
      assertThat(cache.namespace(local).get(MEGABYTE_KEY)).isEqualTo("v");
      cache.namespace(local).invalidate(MEGABYTE_KEY);
      // Other nodes are told of this namespace's changes: its keys leave the process.
      assertThatThrownBy(() -> cache.namespace(told).put(MEGABYTE_KEY, "v")).isInstanceOf(KeyTooLargeException.class);
      assertThat(bus.published).noneMatch(e -> e.namespace().equals("told"));
    }
  }

  @Test
  void maxKeySizeMustBePositiveAndIsSetOnce() {
    assertThatThrownBy(() -> shared("x").maxKeySize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxKeySize must be positive but was 0");
    assertThatThrownBy(() -> shared("x").maxKeySize(10).maxKeySize(20))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxKeySize was already set");
    assertThat(shared("x").build().maxKeySize()).isEqualTo(2048);
    assertThat(shared("x").maxKeySize(100).build().toString()).contains("maxKeySize=100");
  }

  @Test
  void utf8LengthMatchesTheEncoder() {
    for (String s : List.of("", "abc", "ключ", "😀", "a\u0000b", "€uro", "mixed ключ 😀 €")) {
      assertThat(KeySizeLimit.utf8Length(s)).as(s).isEqualTo(s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }
  }
}
