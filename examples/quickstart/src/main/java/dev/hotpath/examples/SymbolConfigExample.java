package dev.hotpath.examples;

import dev.hotpath.cache.CacheLoader;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceStats;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A symbol-configuration cache on embedded defaults (in process only, no servers): a namespace
 * with a loader that stands in for an exchange's slow {@code exchangeInfo} call, showing misses,
 * hits, single flight, bulk reads, invalidation and the stats.
 *
 * <p>Run it with {@code ./mvnw -q -pl examples/quickstart -am package -DskipTests exec:java}. Copy it as a template:
 * replace {@link ExchangeInfo} with your source, and add a Redis or PostgreSQL tier with {@code
 * TieredCache.builder().tier(...)} when several nodes should share what they load.
 */
public final class SymbolConfigExample {

  /** The data source: a slow call per symbol, and a bulk call. Counts how often it is asked. */
  static final class ExchangeInfo implements CacheLoader<String, String> {
    final AtomicInteger calls = new AtomicInteger();
    final Map<String, String> tickSizes = new HashMap<>(Map.of(
        "BTCUSDT", "0.01", "ETHUSDT", "0.01", "SOLUSDT", "0.001", "XRPUSDT", "0.0001"));

    @Override
    public String load(String symbol) throws InterruptedException {
      calls.incrementAndGet();
      Thread.sleep(50); // the exchange round trip the cache saves
      String tick = tickSizes.get(symbol);
      return tick == null ? null : "{\"symbol\":\"" + symbol + "\",\"tickSize\":\"" + tick + "\"}";
    }

    @Override
    public Map<String, String> loadAll(Set<? extends String> symbols) throws InterruptedException {
      calls.incrementAndGet();
      Thread.sleep(50); // one round trip for the whole batch
      Map<String, String> found = new HashMap<>();
      for (String symbol : symbols) {
        String tick = tickSizes.get(symbol);
        if (tick != null) {
          found.put(symbol, "{\"symbol\":\"" + symbol + "\",\"tickSize\":\"" + tick + "\"}");
        }
      }
      return found;
    }
  }

  public static void main(String[] args) throws Exception {
    ExchangeInfo exchange = new ExchangeInfo();
    NamespaceSpec<String, String> symbols =
        NamespaceSpec.builder("symbols", String.class, String.class)
            .ttl(TtlProfile.SYMBOL_CONFIG)
            .maximumSize(10_000)
            .loader(exchange)
            .build();

    try (TieredCache cache = TieredCache.builder().namespace(symbols).build()) {
      Namespace<String, String> ns = cache.namespace(symbols);

      long start = System.nanoTime();
      String btc = ns.get("BTCUSDT");
      System.out.printf("miss:  %s in %.1f ms (loaded)%n", btc, (System.nanoTime() - start) / 1e6);
      int reads = 100_000;
      start = System.nanoTime();
      for (int i = 0; i < reads; i++) {
        btc = ns.get("BTCUSDT");
      }
      System.out.printf("hit:   %s, %d reads averaging %.0f ns (cold JVM)%n",
          btc, reads, (System.nanoTime() - start) / (double) reads);

      // Single flight: 200 concurrent readers of a cold key cause one call to the exchange.
      int before = exchange.calls.get();
      ExecutorService pool = Executors.newFixedThreadPool(32);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<String>> readers = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        readers.add(pool.submit(() -> { go.await(); return ns.get("ETHUSDT"); }));
      }
      go.countDown();
      for (Future<String> reader : readers) {
        reader.get();
      }
      pool.shutdown();
      System.out.printf("single flight: 200 concurrent reads of ETHUSDT -> %d exchange call(s)%n",
          exchange.calls.get() - before);

      // Bulk: only the symbols not cached yet are loaded, in one call.
      before = exchange.calls.get();
      Map<String, String> batch = ns.getAll(List.of("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "NOSUCHUSDT"));
      System.out.printf("getAll: %d symbols found, %d exchange call(s)%n", batch.size(), exchange.calls.get() - before);

      // The tick size changes: update the source, invalidate, and the next read loads the new one.
      exchange.tickSizes.put("BTCUSDT", "0.1");
      ns.invalidate("BTCUSDT");
      System.out.printf("after invalidate: %s%n", ns.get("BTCUSDT"));

      NamespaceStats stats = ns.stats();
      System.out.printf(
          "stats: requests=%d hits=%d hitRate=%.1f%% loads=%d loadFailures=%d size=%d meanMissLatency=%s%n",
          stats.requests(), stats.hits(), 100 * stats.hitRate(), stats.loads(), stats.loadFailures(),
          stats.size(), stats.meanLatency());
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      cache.bindTo(registry);
      System.out.printf("micrometer: cache.gets{cache=symbols,result=hit} = %.0f%n",
          registry.get("cache.gets").tags("cache", "symbols", "result", "hit").functionCounter().count());
      // The 50 ms loader is over the default 10 ms latency threshold: expect a HIGH_LATENCY alert.
      var health = cache.evaluateAlerts();
      System.out.printf("health: %s %s%n", health.status(), health.alerts());
    }
  }
}
