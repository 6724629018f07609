package dev.hotpath.cache.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TtlProfile;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Hotpath extension settings of a cache manager, from objects and from text. */
class JCacheSettingsTest {
  private final CachingProvider provider = Caching.getCachingProvider(HotpathCachingProvider.class.getName());

  @AfterEach
  void closeManagers() {
    provider.close();
  }

  private static Properties text(String... lines) {
    Properties p = new Properties();
    for (String line : lines) {
      int eq = line.indexOf('=');
      p.setProperty(line.substring(0, eq), line.substring(eq + 1));
    }
    return p;
  }

  @Test
  void textGivesDefaultAndPerCacheOptionsAndCacheNamesMayHoldDots() {
    JCacheSettings settings = JCacheSettings.builder().cachesFrom(text(
        "hotpath.jcache.default.ttl.l1=PT10M",
        "hotpath.jcache.default.maximum-size=50000",
        "hotpath.jcache.cache.market.symbols.ttl.l1=PT1H",
        "hotpath.jcache.cache.market.symbols.ttl.l2=PT2H",
        "hotpath.jcache.cache.market.symbols.ttl.tier.postgres=PT24H",
        "hotpath.jcache.cache.market.symbols.ttl.jitter=0.1",
        "hotpath.jcache.cache.prices.cross-node-invalidation=true",
        "spring.cache.type=jcache")).build();

    assertThat(settings.defaultOptions().ttl()).isEqualTo(TtlProfile.builder().l1(Duration.ofMinutes(10)).build());
    assertThat(settings.defaultOptions().maximumSize()).isEqualTo(50_000);
    CacheOptions symbols = settings.optionsFor("market.symbols");
    assertThat(symbols.ttl()).isEqualTo(TtlProfile.builder().l1(Duration.ofHours(1)).l2(Duration.ofHours(2))
        .tier("postgres", Duration.ofHours(24)).jitter(0.1).build());
    assertThat(symbols.maximumSize()).as("falls back to the default's").isEqualTo(50_000);
    CacheOptions prices = settings.optionsFor("prices");
    assertThat(prices.ttl()).as("no ttl keys: the default profile").isEqualTo(settings.defaultOptions().ttl());
    assertThat(prices.crossNodeInvalidation()).isTrue();
    assertThat(settings.optionsFor("other")).isEqualTo(settings.defaultOptions());
  }

  @Test
  void textThatDoesNotParseIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> JCacheSettings.builder().cachesFrom(text("hotpath.jcache.cache.x.ttl.l1=10m")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hotpath.jcache.cache.x.ttl.l1 must be an ISO-8601 duration");
    assertThatThrownBy(() -> JCacheSettings.builder().cachesFrom(text("hotpath.jcache.cache.x.size=10")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown key hotpath.jcache.cache.x.size");
    assertThatThrownBy(() -> JCacheSettings.builder().cachesFrom(text("hotpath.jcache.caches.x.ttl.l1=PT1M")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown key hotpath.jcache.caches.x.ttl.l1");
    assertThatThrownBy(() -> JCacheSettings.builder().cachesFrom(text("hotpath.jcache.cache.x.ttl.l2=PT1M")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("hotpath.jcache.cache.x.ttl: l1 is required");
    assertThatThrownBy(() -> JCacheSettings.builder().cachesFrom(text("hotpath.jcache.cache.x.maximum-size=0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maximumSize must be positive but was 0");
  }

  @Test
  void optionsAHotpathLoaderWouldNeedAreRefused() {
    TtlProfile refreshing = TtlProfile.builder().l1(Duration.ofMinutes(1)).refreshAfter(Duration.ofSeconds(30)).build();
    assertThatThrownBy(() -> CacheOptions.builder().ttl(refreshing).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ttl.refreshAfter (PT30S) needs a Hotpath loader");
    assertThatThrownBy(() -> CacheOptions.builder().maximumSize(1).maximumSize(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maximumSize was already set");
  }

  @Test
  void aManagerReadsTextFromItsPropertiesAndFromAPropertiesFileItsUriNames(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("hotpath-jcache.properties");
    try (Writer w = Files.newBufferedWriter(file)) {
      text("hotpath.jcache.cache.symbols.ttl.l1=PT1H", "hotpath.jcache.cache.prices.ttl.l1=PT1S").store(w, null);
    }
    CacheManager manager = provider.getCacheManager(file.toUri(), null, text("hotpath.jcache.cache.prices.ttl.l1=PT2S"));

    manager.createCache("symbols", new MutableConfiguration<String, String>());
    manager.createCache("prices", new MutableConfiguration<String, String>());
    assertThat(namespaceTtl(manager, "symbols")).isEqualTo(TtlProfile.builder().l1(Duration.ofHours(1)).build());
    assertThat(namespaceTtl(manager, "prices")).as("the properties win over the file")
        .isEqualTo(TtlProfile.builder().l1(Duration.ofSeconds(2)).build());
  }

  @Test
  void aSettingsObjectInThePropertiesWinsOverText() {
    CacheOptions options = CacheOptions.builder().ttl(TtlProfile.MARKET_PRICE).maximumSize(100).build();
    Properties properties = text("hotpath.jcache.cache.prices.ttl.l1=PT1H");
    properties.put(JCacheSettings.PROPERTY, JCacheSettings.builder().cache("prices", options).build());
    CacheManager manager = provider.getCacheManager(URI.create("test:object"), null, properties);
    manager.createCache("prices", new MutableConfiguration<String, String>());
    assertThat(namespaceTtl(manager, "prices")).isEqualTo(TtlProfile.MARKET_PRICE);

    Properties wrong = new Properties();
    wrong.put(JCacheSettings.PROPERTY, "not settings");
    assertThatThrownBy(() -> provider.getCacheManager(URI.create("test:wrong"), null, wrong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must hold a JCacheSettings but holds a java.lang.String");
  }

  @Test
  void cacheNamesThatAreNotNamespaceNamesAreMappedTheSameWayOnEveryNode() {
    assertThat(HotpathCacheManager.namespaceName("org.example.Symbols")).isEqualTo("org.example.Symbols");
    String mapped = HotpathCacheManager.namespaceName("users by id/v2");
    assertThat(mapped).matches("users_by_id_v2-[0-9a-f]{8}").isEqualTo(HotpathCacheManager.namespaceName("users by id/v2"));
    assertThat(HotpathCacheManager.namespaceName("users by id/v3")).isNotEqualTo(mapped);
    assertThat(HotpathCacheManager.namespaceName("_x".repeat(100))).hasSize(64).startsWith("c_x");
    assertThat(HotpathCacheManager.namespaceName("")).matches("c-[0-9a-f]{8}");
  }

  private static TtlProfile namespaceTtl(CacheManager manager, String cache) {
    TieredCache tiered = manager.getCache(cache).unwrap(HotpathCache.class).tieredCache();
    return tiered.namespace(HotpathCacheManager.namespaceName(cache)).spec().ttl();
  }
}
