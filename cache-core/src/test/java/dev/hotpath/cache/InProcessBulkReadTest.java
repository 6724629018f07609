package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@link AsyncNamespace#getAllIfInProcess}: a batch reader's all-or-nothing look at the in-process tier. */
class InProcessBulkReadTest {
  private final FakeTicker ticker = new FakeTicker();
  private final NamespaceSpec<String, String> spec = NamespaceSpec.builder("prices", String.class, String.class)
      .ttl(TtlProfile.builder().l1(Duration.ofMinutes(1)).negative(Duration.ofMinutes(1)).build())
      .loader(key -> key.startsWith("none") ? null : key.toUpperCase())
      .build();

  @Test
  void answersInRequestOrderWhenEveryKeyIsInProcessAndCountsThemAsHits() {
    try (TieredCache cache = TieredCache.builder().ticker(ticker).namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      ns.putAll(Map.of("c", "C", "a", "A", "b", "B"));
      long requestsBefore = ns.stats().requests();

      Map<String, String> values = ns.async().getAllIfInProcess(List.of("b", "c", "a", "c"));

      assertThat(values).containsExactly(Map.entry("b", "B"), Map.entry("c", "C"), Map.entry("a", "A"));
      NamespaceStats stats = ns.stats();
      assertThat(stats.requests() - requestsBefore).as("a key given twice counts once").isEqualTo(3);
      assertThat(stats.misses()).isZero();
    }
  }

  @Test
  void oneKeyMissingMakesItNullWithoutCountingOrLoadingAnything() {
    try (TieredCache cache = TieredCache.builder().ticker(ticker).namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      ns.put("a", "A");
      NamespaceStats before = ns.stats();

      assertThat(ns.async().getAllIfInProcess(List.of("a", "b"))).isNull();

      NamespaceStats after = ns.stats();
      assertThat(after.requests()).isEqualTo(before.requests());
      assertThat(after.loads()).as("nothing loaded").isEqualTo(before.loads());
    }
  }

  @Test
  void anExpiredKeyMakesItNull() {
    try (TieredCache cache = TieredCache.builder().ticker(ticker).namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      ns.putAll(Map.of("a", "A", "b", "B"));
      assertThat(ns.async().getAllIfInProcess(List.of("a", "b"))).isEqualTo(Map.of("a", "A", "b", "B"));

      ticker.advance(Duration.ofMinutes(1).plusSeconds(1));

      assertThat(ns.async().getAllIfInProcess(List.of("a", "b"))).isNull();
    }
  }

  @Test
  void aKeyHeldAsAbsentMakesItNullSoTheReaderGoesTheUsualWay() {
    try (TieredCache cache = TieredCache.builder().ticker(ticker).namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      assertThat(ns.get("none-1")).isNull(); // cached as absent (negative TTL)
      ns.put("a", "A");

      assertThat(ns.async().getAllIfInProcess(List.of("a", "none-1"))).isNull();
      assertThat(ns.getAll(List.of("a", "none-1"))).isEqualTo(Map.of("a", "A"));
    }
  }

  @Test
  void aKeyStillLoadingMakesItNull() {
    try (TieredCache cache = TieredCache.builder().ticker(ticker).namespace(spec).build()) {
      AsyncNamespace<String, String> ns = cache.namespace(spec).async();
      CompletableFuture<Map<String, String>> pending = new CompletableFuture<>();
      CompletableFuture<Map<String, String>> read = ns.getAll(List.of("x"), (Set<String> keys) -> pending);

      assertThat(ns.getAllIfInProcess(List.of("x"))).isNull();

      pending.complete(Map.of("x", "X"));
      assertThat(read.join()).isEqualTo(Map.of("x", "X"));
      assertThat(ns.getAllIfInProcess(List.of("x"))).isEqualTo(Map.of("x", "X"));
    }
  }

  @Test
  void aRefreshAheadNamespaceAlwaysAnswersNullSoItsReadsTriggerRefreshes() {
    NamespaceSpec<String, String> refreshing = NamespaceSpec.builder("refreshing", String.class, String.class)
        .ttl(TtlProfile.builder().l1(Duration.ofMinutes(1)).refreshAfter(Duration.ofSeconds(30)).build())
        .loader(String::toUpperCase)
        .build();
    try (TieredCache cache = TieredCache.builder().ticker(ticker).namespace(refreshing).build()) {
      Namespace<String, String> ns = cache.namespace(refreshing);
      ns.put("a", "A");
      assertThat(ns.async().getAllIfInProcess(List.of("a"))).isNull();
    }
  }

  @Test
  void nullKeysAndAClosedCacheAreRefused() {
    TieredCache cache = TieredCache.builder().ticker(ticker).namespace(spec).build();
    AsyncNamespace<String, String> ns = cache.namespace(spec).async();
    assertThatThrownBy(() -> ns.getAllIfInProcess(null)).isInstanceOf(NullPointerException.class).hasMessage("keys");
    assertThatThrownBy(() -> ns.getAllIfInProcess(Arrays.asList("a", null)))
        .isInstanceOf(NullPointerException.class).hasMessage("key in keys");
    cache.close();
    assertThatThrownBy(() -> ns.getAllIfInProcess(List.of("a"))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}
