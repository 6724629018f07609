package dev.hotpath.cache.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.Codec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the provider adds to, or decides within, JSR-107: expiry on the settings' clock, copies, atomicity, meters. */
class JCacheSemanticsTest {
  private static final javax.cache.expiry.Duration MINUTE = new javax.cache.expiry.Duration(TimeUnit.MINUTES, 1);

  private final CachingProvider provider = Caching.getCachingProvider(HotpathCachingProvider.class.getName());
  private final MutableClock clock = new MutableClock();
  private final ExecutorService pool = Executors.newFixedThreadPool(8);

  @AfterEach
  void closeManagers() {
    pool.shutdownNow();
    provider.close();
  }

  private CacheManager manager(JCacheSettings.Builder settings) {
    Properties properties = new Properties();
    properties.put(JCacheSettings.PROPERTY, settings.build());
    return provider.getCacheManager(URI.create("test:semantics"), null, properties);
  }

  /** A mutable value without Serializable, which only a codec can copy. */
  static final class Quote {
    String price;

    Quote(String price) {
      this.price = price;
    }
  }

  static final Codec<Quote> QUOTES = new Codec<>() {
    @Override
    public byte[] encode(Quote value) {
      return value.price.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Quote decode(byte[] bytes) {
      return new Quote(new String(bytes, StandardCharsets.UTF_8));
    }
  };

  @Test
  void entriesExpireWhenThePolicySaysOnTheSettingsClockAndListenersHearIt() {
    CacheManager manager = manager(JCacheSettings.builder().clock(clock));
    List<String> expired = new CopyOnWriteArrayList<>();
    CacheEntryExpiredListener<String, String> listener = events -> events.forEach(e -> expired.add(e.getKey() + "=" + e.getValue()));
    Cache<String, String> cache = manager.createCache("prices", new MutableConfiguration<String, String>()
        .setExpiryPolicyFactory(AccessedExpiryPolicy.factoryOf(MINUTE))
        .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
            FactoryBuilder.factoryOf(new SerializableExpiredListener(listener)), null, true, true)));
    cache.put("BTCUSDT", "64000");

    clock.advance(Duration.ofSeconds(59));
    assertThat(cache.get("BTCUSDT")).as("read at 59 s: the access moves expiry to 1:59").isEqualTo("64000");
    clock.advance(Duration.ofSeconds(59));
    assertThat(cache.containsKey("BTCUSDT")).isTrue();
    clock.advance(Duration.ofSeconds(1));
    assertThat(cache.get("BTCUSDT")).isNull();
    assertThat(expired).containsExactly("BTCUSDT=64000");
  }

  /** Factories of listeners must be serializable; this one holds its delegate statically for the test. */
  static final class SerializableExpiredListener implements CacheEntryExpiredListener<String, String>, java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private static CacheEntryExpiredListener<String, String> delegate;

    SerializableExpiredListener(CacheEntryExpiredListener<String, String> listener) {
      delegate = listener;
    }

    @Override
    public void onExpired(Iterable<javax.cache.event.CacheEntryEvent<? extends String, ? extends String>> events) {
      delegate.onExpired(events);
    }
  }

  @Test
  void aNewEntryThatExpiresAtOnceIsNotStored() {
    CacheManager manager = manager(JCacheSettings.builder().clock(clock));
    Cache<String, String> cache = manager.createCache("prices", new MutableConfiguration<String, String>()
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(javax.cache.expiry.Duration.ZERO)));
    cache.put("BTCUSDT", "64000");
    assertThat(cache.containsKey("BTCUSDT")).isFalse();
    assertThat(cache.unwrap(HotpathCache.class).tieredCache().namespace("prices").estimatedSize()).isZero();
  }

  @Test
  void storeByValueCopiesThroughTheCachesCodecAndRefusesWhatNothingCanCopy() {
    CacheManager manager = manager(JCacheSettings.builder()
        .cache("quotes", CacheOptions.builder().valueCodec(QUOTES).build()));
    Cache<String, Quote> quotes = manager.createCache("quotes", new MutableConfiguration<String, Quote>().setTypes(String.class, Quote.class));
    Quote quote = new Quote("64000");
    quotes.put("BTCUSDT", quote);
    quote.price = "1";
    Quote read = quotes.get("BTCUSDT");
    assertThat(read.price).isEqualTo("64000");
    read.price = "2";
    assertThat(quotes.get("BTCUSDT").price).isEqualTo("64000");

    Cache<String, Quote> noCodec = manager.createCache("plain", new MutableConfiguration<String, Quote>().setTypes(String.class, Quote.class));
    assertThatThrownBy(() -> noCodec.put("BTCUSDT", new Quote("64000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot copy a " + Quote.class.getName())
        .hasMessageContaining("setStoreByValue(false)");
    assertThat(noCodec.containsKey("BTCUSDT")).isFalse();

    Cache<String, Quote> byReference = manager.createCache("byReference",
        new MutableConfiguration<String, Quote>().setTypes(String.class, Quote.class).setStoreByValue(false));
    byReference.put("BTCUSDT", quote);
    assertThat(byReference.get("BTCUSDT")).isSameAs(quote);
  }

  @Test
  void entryProcessorsAreAtomicPerKeyUnderContention() throws Exception {
    Cache<String, Integer> counters = manager(JCacheSettings.builder())
        .createCache("counters", new MutableConfiguration<String, Integer>().setTypes(String.class, Integer.class));
    int threads = 8;
    int increments = 2_000;
    List<Callable<Void>> tasks = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    for (int t = 0; t < threads; t++) {
      String key = "k" + (t % 2); // two hot keys, four threads each
      tasks.add(() -> {
        start.await();
        for (int i = 0; i < increments; i++) {
          counters.invoke(key, (entry, args) -> {
            entry.setValue(entry.exists() ? entry.getValue() + 1 : 1);
            return null;
          });
        }
        return null;
      });
    }
    runAll(tasks, start);
    assertThat(counters.get("k0")).isEqualTo(threads / 2 * increments);
    assertThat(counters.get("k1")).isEqualTo(threads / 2 * increments);
  }

  @Test
  void exactlyOnePutIfAbsentOfAKeyWinsAndEveryoneReadsTheWinner() throws Exception {
    Cache<String, String> cache = manager(JCacheSettings.builder())
        .createCache("races", new MutableConfiguration<String, String>().setTypes(String.class, String.class));
    int threads = 8;
    for (int round = 0; round < 200; round++) {
      String key = "k" + round;
      AtomicInteger winners = new AtomicInteger();
      List<String> seen = new CopyOnWriteArrayList<>();
      List<Callable<Void>> tasks = new ArrayList<>();
      CountDownLatch start = new CountDownLatch(1);
      for (int t = 0; t < threads; t++) {
        String mine = "v" + t;
        tasks.add(() -> {
          start.await();
          if (cache.putIfAbsent(key, mine)) {
            winners.incrementAndGet();
          }
          seen.add(cache.get(key));
          return null;
        });
      }
      runAll(tasks, start);
      assertThat(winners).as("winners of round " + round).hasValue(1);
      assertThat(seen).as("values read in round " + round).containsOnly(cache.get(key));
    }
  }

  @Test
  void theManagersMetersCountItsCachesIncludingThoseCreatedAfterBinding() {
    HotpathCacheManager manager = manager(JCacheSettings.builder()).unwrap(HotpathCacheManager.class);
    Cache<String, String> before = manager.createCache("before", new MutableConfiguration<String, String>());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    manager.bindTo(registry);
    Cache<String, String> after = manager.createCache("after", new MutableConfiguration<String, String>());
    before.put("k", "v");
    after.put("k", "v");
    after.put("k2", "v");
    assertThat(registry.get("cache.puts").tag("cache", "before").functionCounter().count()).isEqualTo(1.0);
    assertThat(registry.get("cache.puts").tag("cache", "after").functionCounter().count()).isEqualTo(2.0);
  }

  /** Runs the tasks on the test's pool (as many threads as tasks), released together by {@code start}. */
  private void runAll(List<Callable<Void>> tasks, CountDownLatch start) throws Exception {
    List<Future<Void>> futures = new ArrayList<>();
    for (Callable<Void> task : tasks) {
      futures.add(pool.submit(task));
    }
    start.countDown();
    for (Future<Void> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
  }
}
