package dev.hotpath.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.Hotpath;
import dev.hotpath.cache.jcache.HotpathCacheManager;
import dev.hotpath.examples.spring.HotpathConfiguration.CacheDefinition;
import dev.hotpath.examples.spring.HotpathConfiguration.HotpathProperties;
import dev.hotpath.ratelimit.LocalRateLimiter;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.cache.CacheManager;
import org.springframework.cache.jcache.JCacheCacheManager;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The configuration without servers, and what it refuses; no web server, no Redis, no PostgreSQL. */
class HotpathConfigurationTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(CacheAutoConfiguration.class))
      .withUserConfiguration(HotpathConfiguration.class)
      .withPropertyValues("spring.cache.type=jcache")
      .withBean("quotesCache", CacheDefinition.class, () -> CacheDefinition.json("quotes", String.class, Quote.class));

  @Test
  void withoutServerUrlsTheCachesAndTheLimiterLiveInProcess() {
    runner.withPropertyValues("hotpath.caches.quotes.l1=1s", "hotpath.caches.quotes.l2=5s").run(context -> {
      assertThat(context).hasNotFailed();
      HotpathCacheManager manager = context.getBean(HotpathCacheManager.class);
      assertThat(manager.getCacheNames()).containsExactly("quotes");
      assertThat(manager.settings().tiers()).isEmpty();
      CacheManager spring = context.getBean(CacheManager.class);
      assertThat(spring).isInstanceOf(JCacheCacheManager.class);
      assertThat(((JCacheCacheManager) spring).getCacheManager()).isSameAs(manager);
      assertThat(context.getBean(Hotpath.class).rateLimiter(HotpathConfiguration.CLIENT_LIMITER))
          .isInstanceOf(LocalRateLimiter.class);
    });
  }

  @Test
  void aDefinedCacheWithoutAProfileFailsTheStartNamingIt() {
    runner.withPropertyValues("hotpath.caches.other.l1=1s").run(context ->
        assertThat(context).getFailure().rootCause()
            .hasMessageContaining("hotpath.caches configures [other] but the application defines the caches [quotes]"));
  }

  @Test
  void aProfileWithoutAnInProcessTtlFailsTheStartNamingTheField() {
    runner.withPropertyValues("hotpath.caches.quotes.l2=5s").run(context ->
        assertThat(context).getFailure().rootCause().hasMessageContaining("hotpath.caches.quotes.l1 is required"));
  }

  @Test
  void thePropertiesNeverPrintAPassword() {
    HotpathProperties properties = new HotpathProperties("n", "redis://:red-secret@127.0.0.1:6379", null, null,
        "jdbc:postgresql://127.0.0.1/db?password=pg-secret-in-url", "app", "pg-secret", null, Map.of(),
        new HotpathConfiguration.ClientLimit(10, Duration.ofSeconds(1), 0.5));

    assertThat(properties.toString()).doesNotContain("secret");
  }
}
