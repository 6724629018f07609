package dev.hotpath.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.Hotpath;
import dev.hotpath.cache.jcache.HotpathCacheManager;
import dev.hotpath.cache.jcache.HotpathCachingProvider;
import dev.hotpath.cache.jcache.JCacheSettings;
import dev.hotpath.examples.spring.HotpathConfiguration.CacheDefinition;
import dev.hotpath.examples.spring.HotpathConfiguration.HotpathProperties;
import dev.hotpath.ratelimit.LocalRateLimiter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.cache.Caching;
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
  void twoContextsWithTheSameNodeIdEachStartWithACacheManagerOfTheirOwn() {
    ApplicationContextRunner sameNode = runner.withPropertyValues("hotpath.node-id=same-node", "hotpath.caches.quotes.l1=1s");
    sameNode.run(first -> sameNode.run(second -> {
      assertThat(first).hasNotFailed();
      assertThat(second).hasNotFailed();
      assertThat(second.getBean(HotpathCacheManager.class)).isNotSameAs(first.getBean(HotpathCacheManager.class));
    }));
  }

  @Test
  void aCacheThatCannotBeCreatedClosesTheManagerSoTheProviderForgetsIt() {
    URI uri = URI.create("hotpath:spring:test:" + UUID.randomUUID());
    ClassLoader loader = getClass().getClassLoader();
    CacheDefinition<?, ?> quotes = CacheDefinition.json("quotes", String.class, Quote.class);
    JCacheSettings settings = JCacheSettings.builder().build();

    assertThatThrownBy(() -> HotpathConfiguration.openCacheManager(uri, loader, settings, List.of(quotes, quotes)))
        .hasMessageContaining("exists already");

    HotpathCacheManager again = Caching.getCachingProvider(HotpathCachingProvider.class.getName())
        .getCacheManager(uri, loader).unwrap(HotpathCacheManager.class);
    try {
      assertThat(again.getCacheNames()).as("a new manager, not the failed one with 'quotes' in it").isEmpty();
    } finally {
      again.close();
    }
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
  void noClientHeaderIsTrustedUnlessConfigured() {
    assertThat(new HotpathProperties(null, null, null, null, null, null, null, null, null, null)
        .clientLimit().clientHeader()).isNull();
  }

  @Test
  void aTrustedClientHeaderThatIsNotAHeaderNameFailsTheStartNamingTheField() {
    runner.withPropertyValues("hotpath.caches.quotes.l1=1s", "hotpath.client-limit.requests=10",
        "hotpath.client-limit.per=1s", "hotpath.client-limit.redis-down-share=0.5",
        "hotpath.client-limit.trusted-client-header=X-Client-Id: acme").run(context ->
        assertThat(context).getFailure().rootCause()
            .hasMessageContaining("hotpath.client-limit.trusted-client-header must be an HTTP header name"));
  }

  @Test
  void thePropertiesNeverPrintAPassword() {
    HotpathProperties properties = new HotpathProperties("n", "redis://:red-secret@127.0.0.1:6379", null, null,
        "jdbc:postgresql://127.0.0.1/db?password=pg-secret-in-url", "app", "pg-secret", null, Map.of(),
        new HotpathConfiguration.ClientLimit(10, Duration.ofSeconds(1), 0.5, null));

    assertThat(properties.toString()).doesNotContain("secret");
  }
}
