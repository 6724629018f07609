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
}
