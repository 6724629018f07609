package dev.hotpath;

import static dev.hotpath.TestSupport.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.TestSupport.CountingSource;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.RepeatedRegistrations;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.RateLimit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link Hotpath#bindTo} registers every part's meters once per registry, however often it is called. */
class HotpathMetersTest {
  private final NamespaceSpec<String, String> prices = spec("prices");
  private final CountingSource exchange = new CountingSource("exchange");

  private Hotpath build() {
    return Hotpath.builder()
        .namespace(prices)
        .rateLimiter("binance", RateLimit.of(Bandwidth.perPeriod(1_000, Duration.ofHours(1))))
        .engine("prices", prices, exchange, (engine, limiters) -> engine.quota(limiters.get("binance"), "ip-1"))
        .build();
  }

  private static double permitted(SimpleMeterRegistry registry) {
    return registry.get("hotpath.ratelimiter.calls").tags("name", "binance", "result", "permitted")
        .functionCounter().count();
  }

  @Test
  void bindingTwiceToOneRegistryRegistersNothingMore() {
    try (Hotpath hotpath = build()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      hotpath.bindTo(registry);
      int meters = registry.getMeters().size();

      assertThat(RepeatedRegistrations.during(registry, () -> hotpath.bindTo(registry))).isZero();
      // A host that binds a part itself as well registers nothing again either.
      assertThat(RepeatedRegistrations.during(registry, () -> hotpath.cache().bindTo(registry))).isZero();
      for (int i = 0; i < 3; i++) {
        assertThat(hotpath.rateLimiter("binance").tryConsume("acme", 1)).isTrue();
      }

      assertThat(registry.getMeters()).hasSize(meters);
      assertThat(permitted(registry)).isEqualTo(3.0);
    }
  }

  @Test
  void eightThreadsBindingAtOnceRegisterOnce() throws Exception {
    try (Hotpath hotpath = build()) {
      RepeatedRegistrations.checkEightThreadsRegisterOnce(hotpath::bindTo);
    }
  }
}
