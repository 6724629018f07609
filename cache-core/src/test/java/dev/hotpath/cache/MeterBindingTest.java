package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.internal.BoundRegistries;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link TieredCache#bindTo} registers its meters once per registry, however often it is called. */
class MeterBindingTest {
  private final FakeTicker ticker = new FakeTicker();
  private final NamespaceSpec<String, String> prices =
      NamespaceSpec.builder("prices", String.class, String.class)
          .ttl(TtlProfile.builder().l1(Duration.ofMinutes(1)).l2(Duration.ofMinutes(1)).build())
          .loader(k -> "p-" + k)
          .build();

  private TieredCache cache() {
    return TieredCache.builder().ticker(ticker).tier(new ByteMapTier("l2", ticker)).namespace(prices).build();
  }

  private static double hits(MeterRegistry registry) {
    return registry.get("cache.gets").tags("cache", "prices", "result", "hit").functionCounter().count();
  }

  @Test
  void bindingTwiceToOneRegistryRegistersNothingMore() {
    try (TieredCache cache = cache()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      cache.bindTo(registry);
      int meters = registry.getMeters().size();

      assertThat(RepeatedRegistrations.during(registry, () -> cache.bindTo(registry))).isZero();
      Namespace<String, String> ns = cache.namespace(prices);
      ns.get("a");
      ns.get("a");
      ns.get("a");

      assertThat(registry.getMeters()).hasSize(meters);
      assertThat(hits(registry)).isEqualTo(2.0);
    }
  }

  @Test
  void bindingToASecondRegistryRegistersThereToo() {
    try (TieredCache cache = cache()) {
      SimpleMeterRegistry first = new SimpleMeterRegistry();
      SimpleMeterRegistry second = new SimpleMeterRegistry();
      cache.bindTo(first);
      cache.bindTo(second);
      cache.bindTo(first);
      cache.namespace(prices).get("a");
      cache.namespace(prices).get("a");

      assertThat(second.getMeters()).hasSize(first.getMeters().size());
      assertThat(hits(first)).isEqualTo(1.0);
      assertThat(hits(second)).isEqualTo(1.0);
    }
  }

  @Test
  void eightThreadsBindingAtOnceRegisterOnce() throws Exception {
    try (TieredCache cache = cache()) {
      RepeatedRegistrations.checkEightThreadsRegisterOnce(cache::bindTo);
    }
  }

  @Test
  void aFailedRegistrationIsTriedAgain() {
    BoundRegistries bound = new BoundRegistries();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> bound.bindOnce(registry, r -> {
      calls.incrementAndGet();
      throw new IllegalStateException("boom");
    })).isInstanceOf(IllegalStateException.class);
    bound.bindOnce(registry, r -> calls.incrementAndGet());
    bound.bindOnce(registry, r -> calls.incrementAndGet());
    assertThat(calls).hasValue(2);
  }

  @Test
  void aSecondCacheWithANamespaceOfTheSameNameIsNotCountedAndSaysSo() {
    java.util.logging.Logger log = java.util.logging.Logger.getLogger(CacheMeters.class.getName());
    java.util.List<java.util.logging.LogRecord> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler handler = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord record) {
        if (record.getLevel() == java.util.logging.Level.WARNING) {
          warnings.add(record);
        }
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    log.addHandler(handler);
    try (TieredCache first = cache(); TieredCache second = cache()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      first.bindTo(registry);
      assertThat(warnings).isEmpty();
      second.bindTo(registry);

      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0).getMessage()).contains("Namespace 'prices'", "distinct names");
      second.namespace(prices).get("a");
      second.namespace(prices).get("a");
      assertThat(hits(registry)).isZero(); // Micrometer kept the first cache's meters
    } finally {
      log.removeHandler(handler);
    }
  }
}
