package dev.hotpath.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.NamespaceStats;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's cache snippet, kept compiling and true. Keep the two in step. */
class ReadmeSnippetTest {

  /** Stands in for the host's exchange client. */
  static final class Exchange {
    String symbolConfig(String symbol) {
      return "{\"symbol\":\"" + symbol + "\"}";
    }
  }

  @Test
  void readmeSnippetRuns() {
    Exchange exchange = new Exchange();

    NamespaceSpec<String, String> symbols =
        NamespaceSpec.builder("symbols", String.class, String.class)
            .ttl(TtlProfile.SYMBOL_CONFIG)               // 1 h in process and in shared tiers
            .maximumSize(10_000)
            .loader(symbol -> exchange.symbolConfig(symbol)) // called once per key, however many readers
            .build();

    try (TieredCache cache = TieredCache.builder()
            .namespace(symbols)
            // .tier(redisTier).tier(postgresTier)        // shared tiers, in lookup order
            // .invalidationBus(redisBus)                 // cross-node invalidation
            .build()) {
      Namespace<String, String> ns = cache.namespace(symbols);
      String btc = ns.get("BTCUSDT");                     // in process → shared tiers → loader
      Map<String, String> some = ns.getAll(List.of("ETHUSDT", "SOLUSDT")); // one bulk load for the misses
      ns.invalidate("BTCUSDT");                           // every tier, every node
      NamespaceStats stats = ns.stats();                  // hits, misses, loads, evictions, latency

      assertThat(btc).isEqualTo("{\"symbol\":\"BTCUSDT\"}");
      assertThat(some).containsOnlyKeys("ETHUSDT", "SOLUSDT");
      assertThat(ns.getIfPresent("BTCUSDT")).isNull();
      assertThat(stats.loads()).isEqualTo(3);
    }
  }
}
