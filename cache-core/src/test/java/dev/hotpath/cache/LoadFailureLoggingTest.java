package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A failed load is logged once, by us, on a logger the host configures: Caffeine, which logs every
 * failed asynchronous load and refresh at WARNING with a stack trace on System.Logger, logs none.
 * In these tests SLF4J writes to java.util.logging (slf4j-jdk14), where System.Logger writes too,
 * so one handler per logger sees both.
 */
class LoadFailureLoggingTest {
  private static final long PATIENCE_SECONDS = 20;

  /** Held here: java.util.logging keeps loggers only weakly, and would drop the handlers with them. */
  private final Logger caffeineLogger = Logger.getLogger("com.github.benmanes.caffeine");
  private final Logger loadLogger = Logger.getLogger(LoadRunner.LOGGER);
  private final Recording caffeine = new Recording();
  private final Recording ours = new Recording();
  private final FakeTicker ticker = new FakeTicker();
  private final IOException boom = new IOException("exchange unreachable");
  private TieredCache cache;

  @BeforeEach
  void listen() {
    caffeineLogger.addHandler(caffeine);
    loadLogger.addHandler(ours);
  }

  @AfterEach
  void stopListening() {
    if (cache != null) {
      Loads.awaitSettled(cache); // no load of this test logs into the next one's handlers
      cache.close();
    }
    caffeineLogger.removeHandler(caffeine);
    loadLogger.removeHandler(ours);
  }

  private Namespace<String, String> namespace(TtlProfile ttl, CacheLoader<String, String> loader) {
    NamespaceSpec<String, String> spec =
        NamespaceSpec.builder("prices", String.class, String.class).ttl(ttl).loader(loader).build();
    cache = TieredCache.builder().ticker(ticker).namespace(spec).build();
    return cache.namespace(spec);
  }

  @Test
  void aFailedGetIsLoggedOnceByUsAndNotByCaffeine() {
    Namespace<String, String> ns = namespace(TtlProfile.MARKET_PRICE, key -> { throw boom; });

    assertThatThrownBy(() -> ns.get("BTC")).isInstanceOf(CacheLoadException.class).hasCause(boom);
    Loads.awaitSettled(cache); // Caffeine's completion callbacks ran, and would have logged

    assertThat(caffeine.records).isEmpty();
    assertThat(ours.records).singleElement().satisfies(r -> {
      assertThat(r.getLevel()).isEqualTo(Level.WARNING);
      assertThat(r.getMessage()).contains("prices", "BTC", "exchange unreachable");
      assertThat(r.getThrown()).as("the stack trace only at DEBUG").isNull();
    });
  }

  @Test
  void aFailedBulkLoadIsLoggedOnce() {
    CacheLoader<String, String> loader = new CacheLoader<>() {
      @Override
      public String load(String key) throws IOException {
        throw boom;
      }

      @Override
      public Map<String, String> loadAll(Set<? extends String> keys) throws IOException {
        throw boom;
      }
    };
    Namespace<String, String> ns = namespace(TtlProfile.MARKET_PRICE, loader);

    assertThatThrownBy(() -> ns.getAll(List.of("BTC", "ETH"))).isInstanceOf(CacheLoadException.class);
    Loads.awaitSettled(cache);

    assertThat(caffeine.records).isEmpty();
    assertThat(ours.records).singleElement().satisfies(r -> assertThat(r.getMessage()).contains("exchange unreachable"));
  }

  @Test
  void aFailedBulkLoaderOfTheAsyncViewIsLoggedOnce() throws Exception {
    Namespace<String, String> ns = namespace(TtlProfile.MARKET_PRICE, key -> "unused");

    CompletableFuture<Map<String, String>> read =
        ns.async().getAll(List.of("BTC", "ETH"), keys -> CompletableFuture.failedFuture(boom));
    assertThatThrownBy(() -> read.get(PATIENCE_SECONDS, TimeUnit.SECONDS))
        .cause().isInstanceOf(CacheLoadException.class).hasCause(boom);
    Loads.awaitSettled(cache);

    assertThat(caffeine.records).isEmpty();
    assertThat(ours.records).singleElement().satisfies(r -> assertThat(r.getMessage()).contains("exchange unreachable"));
  }

  /** A refresh-ahead nobody waits for: our line is all that tells of it; the old value stays. */
  @Test
  void aFailedRefreshIsLoggedOnceAndTheOldValueIsKept() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Namespace<String, String> ns = namespace(
        TtlProfile.builder().l1(Duration.ofMinutes(1)).refreshAfter(Duration.ofSeconds(10)).build(),
        key -> {
          if (calls.incrementAndGet() == 1) {
            return "old";
          }
          throw boom;
        });
    assertThat(ns.get("BTC")).isEqualTo("old");
    Loads.awaitSettled(cache);
    ticker.advance(Duration.ofSeconds(11));

    assertThat(ns.get("BTC")).isEqualTo("old"); // starts the refresh
    Loads.awaitSettled(cache);

    assertThat(calls).hasValue(2);
    assertThat(caffeine.records).isEmpty();
    assertThat(ours.records).singleElement().satisfies(r -> assertThat(r.getMessage()).contains("BTC", "exchange unreachable"));

    // The old value stays; reading it again may start another refresh, logged once more if so.
    assertThat(ns.getIfPresent("BTC")).isEqualTo("old");
    Loads.awaitSettled(cache);
    assertThat(caffeine.records).isEmpty();
    assertThat(ours.records).hasSize(calls.get() - 1);
  }

  /** Collects what reaches one logger. */
  private static final class Recording extends Handler {
    final List<LogRecord> records = new CopyOnWriteArrayList<>();

    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
