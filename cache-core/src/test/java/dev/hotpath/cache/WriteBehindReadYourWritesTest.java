package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Loads of a write-behind namespace see this node's writes that the writer has not taken yet: a
 * short in-process TTL must not bring back what the database held before a put.
 */
class WriteBehindReadYourWritesTest {
  private static final long PATIENCE_SECONDS = 60;
  private final FakeTicker ticker = new FakeTicker();
  /** The system of record: what the loader reads and the writer writes. */
  private final Map<String, String> database = new ConcurrentHashMap<>();
  private final List<String> loaded = new CopyOnWriteArrayList<>();
  private final CountDownLatch writerEntered = new CountDownLatch(1);
  private final CountDownLatch releaseWriter = new CountDownLatch(1);
  private TieredCache cache;

  /** Blocks in its first call until released, so writes stay in the buffer as long as a test needs. */
  private final CacheWriter<String, String> slowWriter =
      new CacheWriter<>() {
        @Override
        public void write(String key, String value) {
          throw new AssertionError("write-behind must use writeAll");
        }

        @Override
        public void writeAll(List<Map.Entry<String, String>> batch) throws Exception {
          writerEntered.countDown();
          assertThat(releaseWriter.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
          batch.forEach(write -> database.put(write.getKey(), write.getValue()));
        }
      };

  private final CacheLoader<String, String> loader =
      new CacheLoader<>() {
        @Override
        public String load(String key) {
          loaded.add(key);
          return database.get(key);
        }

        @Override
        public Map<String, String> loadAll(Set<? extends String> keys) {
          Map<String, String> found = new HashMap<>();
          for (String key : keys) {
            loaded.add(key);
            if (database.containsKey(key)) {
              found.put(key, database.get(key));
            }
          }
          return found;
        }
      };

  @AfterEach
  void close() {
    releaseWriter.countDown();
    if (cache != null) {
      cache.close();
    }
  }

  private Namespace<String, String> prices(TtlProfile ttl, Executor executor) {
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("prices", String.class, String.class)
            .ttl(ttl)
            .loader(loader)
            .writeBehind(slowWriter, WriteBehind.builder().batchSize(1).flushInterval(Duration.ofMillis(1)).build())
            .build();
    TieredCache.Builder builder = TieredCache.builder().ticker(ticker).namespace(spec);
    if (executor != null) {
      builder.executor(executor);
    }
    cache = builder.build();
    return cache.namespace(spec);
  }

  @Test
  void afterTheInProcessTtlAPendingWriteIsReadNotTheDatabase() throws Exception {
    database.putAll(Map.of("BTCUSDT", "db-old", "ETHUSDT", "db-old", "SOLUSDT", "db-sol"));
    Namespace<String, String> ns = prices(TtlProfile.builder().l1(Duration.ofSeconds(1)).build(), null);
    ns.put("BTCUSDT", "put-btc");
    // The writer now holds BTCUSDT's write (taken from the buffer, not acknowledged) …
    assertThat(writerEntered.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
    // … and ETHUSDT's waits behind it.
    ns.put("ETHUSDT", "put-eth");
    ticker.advance(Duration.ofSeconds(2));
    assertThat(ns.getIfPresent("BTCUSDT")).as("expired in process").isNull();

    assertThat(ns.get("BTCUSDT")).isEqualTo("put-btc");
    assertThat(ns.async().get("ETHUSDT").get(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo("put-eth");
    ticker.advance(Duration.ofSeconds(2));
    assertThat(ns.getAll(List.of("BTCUSDT", "ETHUSDT", "SOLUSDT")))
        .isEqualTo(Map.of("BTCUSDT", "put-btc", "ETHUSDT", "put-eth", "SOLUSDT", "db-sol"));
    ticker.advance(Duration.ofSeconds(2));
    assertThat(ns.async().getAll(List.of("BTCUSDT", "ETHUSDT")).get(PATIENCE_SECONDS, TimeUnit.SECONDS))
        .isEqualTo(Map.of("BTCUSDT", "put-btc", "ETHUSDT", "put-eth"));
    assertThat(loaded).containsOnly("SOLUSDT");
    assertThat(ns.stats().loads()).isEqualTo(1);

    // Invalidating a key drops what the tiers cached, not the write still due to the database.
    ns.invalidate("BTCUSDT");
    assertThat(ns.get("BTCUSDT")).isEqualTo("put-btc");
    assertThat(loaded).containsOnly("SOLUSDT");

    // Once the writer has them, the database answers, with the new values.
    releaseWriter.countDown();
    assertThat(ns.flush(Duration.ofSeconds(PATIENCE_SECONDS))).isTrue();
    ticker.advance(Duration.ofSeconds(2));
    assertThat(ns.get("BTCUSDT")).isEqualTo("put-btc");
    assertThat(ns.get("ETHUSDT")).isEqualTo("put-eth");
    assertThat(loaded).contains("BTCUSDT", "ETHUSDT");
  }

  /**
   * Refresh-ahead goes to the source, past the tiers: it must not replace a put with what the
   * database held before it. The executor runs refreshes in the reading thread, so a refresh is
   * over when the read that started it returns.
   */
  @Test
  void aRefreshAheadReloadOfAKeyWithAPendingWriteKeepsThePutValue() throws Exception {
    database.put("BTCUSDT", "db-old");
    Namespace<String, String> ns = prices(
        TtlProfile.builder().l1(Duration.ofMinutes(1)).refreshAfter(Duration.ofSeconds(1)).build(), Runnable::run);
    ns.put("BTCUSDT", "put-btc");
    assertThat(writerEntered.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
    ticker.advance(Duration.ofSeconds(2));
    assertThat(ns.get("BTCUSDT")).as("served while refreshing").isEqualTo("put-btc");
    assertThat(ns.get("BTCUSDT")).as("after the refresh").isEqualTo("put-btc");
    assertThat(loaded).isEmpty();
  }
}
