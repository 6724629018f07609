package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link Namespace#getAll} of a collection that repeats keys (a list, not a set): each key is read
 * and counted once, and answered once, at its first place.
 */
class RepeatedKeysBulkReadTest {
  private final Map<String, AtomicInteger> loads = new ConcurrentHashMap<>();
  private final NamespaceSpec<String, String> spec = NamespaceSpec.builder("prices", String.class, String.class)
      .ttl(TtlProfile.builder().l1(Duration.ofMinutes(1)).negative(Duration.ofMinutes(1)).build())
      .loader(key -> {
        loads.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        return key.startsWith("none") ? null : key.toUpperCase();
      })
      .build();

  @Test
  void keysAllInProcessAreAnsweredOnceEachInFirstPlaceOrder() {
    try (TieredCache cache = TieredCache.builder().namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      ns.putAll(Map.of("a", "A", "b", "B", "c", "C"));
      long requestsBefore = ns.stats().requests();

      Map<String, String> values = ns.getAll(List.of("c", "a", "c", "b", "a", "c"));

      assertThat(values).containsExactly(Map.entry("c", "C"), Map.entry("a", "A"), Map.entry("b", "B"));
      assertThat(values).hasSize(3).containsKey("b").doesNotContainKey("d");
      assertThat(values.get("a")).isEqualTo("A");
      assertThat(values.get("d")).isNull();
      assertThat(values).isEqualTo(Map.of("a", "A", "b", "B", "c", "C"));
      assertThat(ns.stats().requests() - requestsBefore).as("three keys, counted once each").isEqualTo(3);
      assertThat(loads).isEmpty();
    }
  }

  @Test
  void repeatedMissingKeysAreLoadedOnceAndAnsweredAtTheirFirstPlace() {
    try (TieredCache cache = TieredCache.builder().namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      ns.put("b", "B");
      NamespaceStats before = ns.stats();

      Map<String, String> values = ns.getAll(List.of("x", "b", "x", "y", "b", "y", "x"));

      assertThat(values).containsExactly(Map.entry("x", "X"), Map.entry("b", "B"), Map.entry("y", "Y"));
      assertThat(loads).containsOnlyKeys("x", "y");
      assertThat(loads.get("x").get()).isEqualTo(1);
      assertThat(loads.get("y").get()).isEqualTo(1);
      NamespaceStats after = ns.stats();
      assertThat(after.requests() - before.requests()).isEqualTo(3);
      assertThat(after.misses() - before.misses()).as("x and y, once each").isEqualTo(2);
    }
  }

  @Test
  void aRepeatedKeyHeldAsAbsentIsLeftOutOnce() {
    try (TieredCache cache = TieredCache.builder().namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      assertThat(ns.get("none-1")).isNull(); // held as absent (negative TTL)
      ns.put("a", "A");
      long requestsBefore = ns.stats().requests();

      Map<String, String> values = ns.getAll(List.of("none-1", "a", "none-1"));

      assertThat(values).containsExactly(Map.entry("a", "A"));
      assertThat(ns.stats().requests() - requestsBefore).isEqualTo(2);
      assertThat(loads.get("none-1").get()).as("loaded by the get, not again").isEqualTo(1);
    }
  }

  /** A large read that repeats every key, the engine's and a dashboard's shape: one answer per key. */
  @Test
  void aThousandKeysGivenTwiceAreAThousandAnswers() {
    try (TieredCache cache = TieredCache.builder().namespace(spec).build()) {
      Namespace<String, String> ns = cache.namespace(spec);
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        keys.add("k" + i);
      }
      List<String> twice = new ArrayList<>(keys);
      twice.addAll(keys);

      Map<String, String> first = ns.getAll(twice); // loads every key once
      Map<String, String> second = ns.getAll(twice); // all in process

      for (Map<String, String> values : List.of(first, second)) {
        assertThat(new ArrayList<>(values.keySet())).isEqualTo(keys);
        assertThat(values.values()).allSatisfy(v -> assertThat(v).startsWith("K"));
      }
      assertThat(loads).hasSize(1_000).allSatisfy((k, n) -> assertThat(n.get()).as(k).isEqualTo(1));
    }
  }
}
