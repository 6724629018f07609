package dev.hotpath.examples.spring;

import dev.hotpath.Hotpath;
import dev.hotpath.HotpathRedis;
import dev.hotpath.cache.Codec;
import dev.hotpath.cache.JsonCodec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.jcache.CacheOptions;
import dev.hotpath.cache.jcache.HotpathCacheManager;
import dev.hotpath.cache.jcache.HotpathCachingProvider;
import dev.hotpath.cache.jcache.JCacheSettings;
import dev.hotpath.cache.redis.RedisTier;
import dev.hotpath.cache.spi.Tier;
import dev.hotpath.cache.timescale.PostgresTier;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.ClientAddress;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimitDecision;
import dev.hotpath.ratelimit.RateLimitHeaders;
import dev.hotpath.ratelimit.RateLimiter;
import dev.hotpath.ratelimit.RateLimiterUnavailableException;
import dev.hotpath.ratelimit.RedisDownPolicy;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import org.springframework.boot.cache.autoconfigure.CacheManagerCustomizer;
import org.springframework.boot.cache.metrics.CacheMeterBinderProvider;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.jcache.JCacheCache;
import org.springframework.cache.jcache.JCacheCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Hotpath under Spring Boot, from {@code hotpath.*} in application.yml: each Spring cache
 * ({@code @Cacheable}, {@code spring.cache.type=jcache}) is a Hotpath namespace with its TTL profile,
 * in process and, when configured, in Redis and PostgreSQL with invalidation across instances;
 * requests under {@code /api/} take a permit of a per-client rate limiter, shared through Redis;
 * Hotpath's meters go to Actuator's registry ({@code /actuator/prometheus}). The application
 * declares its caches as {@link CacheDefinition} beans (name, key and value types, codecs).
 */
@Configuration(proxyBeanMethods = false)
@EnableCaching
@EnableConfigurationProperties(HotpathConfiguration.HotpathProperties.class)
public class HotpathConfiguration {
  /** The name of the per-client limiter, in meters ({@code hotpath.ratelimiter.calls{name=clients}}). */
  public static final String CLIENT_LIMITER = "clients";

  /**
   * The Lettuce client and the shared tiers the properties configure, closed with the context
   * after the cache manager and the limiter that use them.
   */
  @Bean(destroyMethod = "close")
  SharedTiers hotpathTiers(HotpathProperties hotpath) {
    return SharedTiers.open(hotpath);
  }

  /**
   * The JCache manager Spring's cache abstraction wraps (Boot's {@code JCacheCacheConfiguration}
   * uses this bean instead of making one). Made here rather than from {@code spring.cache.jcache.*}
   * because the provider keeps one manager per URI and class loader: under one URI, two contexts in
   * one JVM (tests, a refreshed context) would share the first one's manager, caches and tiers, so
   * each bean has a URI of its own (the node id and a UUID). It is also a {@code MeterBinder}, so
   * Actuator binds every cache's meters.
   */
  @Bean(destroyMethod = "close")
  HotpathCacheManager hotpathCacheManager(
      HotpathProperties hotpath, SharedTiers tiers, List<CacheDefinition<?, ?>> caches) {
    Set<String> defined = caches.stream().map(CacheDefinition::name).collect(Collectors.toCollection(TreeSet::new));
    if (!defined.equals(hotpath.caches().keySet())) {
      throw new IllegalStateException("hotpath.caches configures " + new TreeSet<>(hotpath.caches().keySet())
          + " but the application defines the caches " + defined + ": give each defined cache its profile");
    }
    JCacheSettings.Builder settings = JCacheSettings.builder().nodeId(hotpath.nodeId());
    tiers.all().forEach(settings::tier);
    caches.forEach(c -> settings.cache(c.name(), hotpath.caches().get(c.name()).options(c)));
    URI uri = URI.create("hotpath:spring:" + URLEncoder.encode(hotpath.nodeId(), StandardCharsets.UTF_8)
        + ":" + UUID.randomUUID());
    return openCacheManager(uri, getClass().getClassLoader(), settings.build(), caches);
  }

  /**
   * The manager of {@code uri} with {@code caches} created in it; closed (and so forgotten by the
   * provider) when one of them cannot be created, so that a failed start leaves no manager behind.
   */
  static HotpathCacheManager openCacheManager(
      URI uri, ClassLoader loader, JCacheSettings settings, List<CacheDefinition<?, ?>> caches) {
    Properties properties = new Properties();
    properties.put(JCacheSettings.PROPERTY, settings);
    HotpathCacheManager manager = Caching.getCachingProvider(HotpathCachingProvider.class.getName())
        .getCacheManager(uri, loader, properties)
        .unwrap(HotpathCacheManager.class);
    try {
      caches.forEach(c -> c.create(manager));
    } catch (RuntimeException e) {
      try {
        manager.close();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
    return manager;
  }

  /**
   * Spring stores a {@code null} result as a placeholder no codec of a typed cache takes: refuse
   * it (a method that may return null declares {@code unless = "#result == null"}).
   */
  @Bean
  CacheManagerCustomizer<JCacheCacheManager> refuseNullValues() {
    return manager -> manager.setAllowNullValues(false);
  }

  /**
   * Keeps Boot's own JCache meters off these caches: they would take Hotpath's names ({@code
   * cache.gets}, ...) with other tags, from JSR-107 statistics that are off. Hotpath's, bound with
   * the manager, count per cache and tier.
   */
  @Bean
  @Order(Ordered.HIGHEST_PRECEDENCE)
  CacheMeterBinderProvider<JCacheCache> hotpathBindsItsOwnCacheMeters() {
    return (cache, tags) -> registry -> {};
  }

  /**
   * The rate limiters: in Redis (one limit per client across instances) when Redis is configured,
   * else in process. A {@code MeterBinder} too.
   */
  @Bean(destroyMethod = "close")
  Hotpath hotpath(HotpathProperties hotpath, SharedTiers tiers) {
    Hotpath.Builder builder = Hotpath.builder().nodeId(hotpath.nodeId())
        .rateLimiter(CLIENT_LIMITER, hotpath.clientLimit().rateLimit())
        .rateLimiterDownPolicy(hotpath.clientLimit().downPolicy());
    if (tiers.redisClient() != null) {
      builder.redis(HotpathRedis.client(tiers.redisClient())).redisKeyPrefix(hotpath.redisKeyPrefix())
          .redisTimeout(hotpath.redisTimeout());
    }
    return builder.build();
  }

  @Bean
  FilterRegistrationBean<ClientRateLimitFilter> clientRateLimitFilter(HotpathProperties properties, Hotpath hotpath) {
    FilterRegistrationBean<ClientRateLimitFilter> registration =
        new FilterRegistrationBean<>(new ClientRateLimitFilter(hotpath.rateLimiter(CLIENT_LIMITER),
            properties.clientLimit().clientHeader()));
    registration.addUrlPatterns("/api/*");
    return registration;
  }

  /**
   * {@code hotpath.*} of application.yml. Blank URLs mean no such server: a blank {@code
   * redis-url} keeps caches and limits in process. Never printed with its passwords.
   *
   * @param nodeId this instance's id on the invalidation bus; distinct per instance; blank: random
   * @param redisUrl {@code redis://[[user:]password@]host[:port][/db]}, or blank
   * @param redisKeyPrefix the prefix of every Redis key (default {@code hotpath}): one per application
   * @param redisTimeout the longest a request waits for Redis (default 250 ms); past it, a cache
   *     read goes on to the next tier and the limiter answers by its down policy
   * @param postgresUrl {@code jdbc:postgresql://host:5432/db}, or blank
   * @param postgresSchema the schema of the PostgreSQL tier's table (default {@code hotpath})
   * @param caches each cache's TTL profile, by cache name
   * @param clientLimit the requests each client may make
   */
  @ConfigurationProperties("hotpath")
  public record HotpathProperties(String nodeId, String redisUrl, String redisKeyPrefix, Duration redisTimeout,
      String postgresUrl, String postgresUser, String postgresPassword, String postgresSchema,
      Map<String, CacheProfile> caches, ClientLimit clientLimit) {
    public HotpathProperties {
      nodeId = blankToNull(nodeId) != null ? nodeId.trim() : UUID.randomUUID().toString();
      redisUrl = blankToNull(redisUrl);
      redisKeyPrefix = blankToNull(redisKeyPrefix) != null ? redisKeyPrefix : "hotpath";
      redisTimeout = redisTimeout != null ? redisTimeout : Duration.ofMillis(250);
      postgresUrl = blankToNull(postgresUrl);
      postgresUser = blankToNull(postgresUser);
      postgresSchema = blankToNull(postgresSchema) != null ? postgresSchema : "hotpath";
      caches = caches != null ? Map.copyOf(caches) : Map.of();
      clientLimit = clientLimit != null ? clientLimit : new ClientLimit(100, Duration.ofSeconds(1), 0.5, null);
    }

    private static String blankToNull(String value) {
      return value == null || value.isBlank() ? null : value;
    }

    @Override
    public String toString() {
      return "HotpathProperties[nodeId=" + nodeId + ", redis=" + (redisUrl != null ? "set" : "none")
          + ", redisKeyPrefix=" + redisKeyPrefix + ", redisTimeout=" + redisTimeout
          + ", postgres=" + (postgresUrl != null ? "set" : "none")
          + ", postgresSchema=" + postgresSchema + ", caches=" + caches + ", clientLimit=" + clientLimit + "]";
    }
  }

  /**
   * One cache's TTL profile: {@code l1} in process (required), {@code l2} in Redis and PostgreSQL
   * (none: in process only), {@code jitter} in [0, 1), and the most entries held in process.
   */
  public record CacheProfile(Duration l1, Duration l2, Double jitter, Long maximumSize) {
    CacheOptions options(CacheDefinition<?, ?> cache) {
      String field = "hotpath.caches." + cache.name();
      if (l1 == null) {
        throw new IllegalStateException(field + ".l1 is required: how long an entry stays in process");
      }
      try {
        TtlProfile.Builder ttl = TtlProfile.builder().l1(l1);
        if (l2 != null) {
          ttl.l2(l2);
        }
        if (jitter != null) {
          ttl.jitter(jitter);
        }
        CacheOptions.Builder options = CacheOptions.builder().ttl(ttl.build()).valueCodec(cache.valueCodec());
        if (maximumSize != null) {
          options.maximumSize(maximumSize);
        }
        return options.build();
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new IllegalStateException(field + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * What each client may do: {@code requests} per {@code per}, refilled greedily; while Redis does
   * not answer, each instance grants {@code redisDownShare} of it on its own. A client is its
   * remote address (behind a proxy or load balancer the proxy's, so all clients behind it share one
   * bucket), or, only when {@code trustedClientHeader} names a header (blank or absent: none), that
   * header's value where a request carries it, a request without it counting against its remote
   * address's bucket: name one only behind a proxy or an authentication layer that sets it and
   * strips it from clients' requests, since a client that reaches the service with it chooses whose
   * bucket it takes from, a fresh one per request if it likes.
   */
  public record ClientLimit(long requests, Duration per, double redisDownShare, String trustedClientHeader) {
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+"); // RFC 9110 token

    RateLimit rateLimit() {
      try {
        return RateLimit.of(Bandwidth.perPeriod(requests, per));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalStateException("hotpath.client-limit: " + e.getMessage(), e);
      }
    }

    RedisDownPolicy downPolicy() {
      try {
        return RedisDownPolicy.failOpen(redisDownShare);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("hotpath.client-limit.redis-down-share: " + e.getMessage(), e);
      }
    }

    /** The trusted header's name, or null when none is configured. */
    String clientHeader() {
      if (trustedClientHeader == null || trustedClientHeader.isBlank()) {
        return null;
      }
      String name = trustedClientHeader.trim();
      if (!HEADER_NAME.matcher(name).matches()) {
        throw new IllegalStateException("hotpath.client-limit.trusted-client-header must be an HTTP header name"
            + " such as X-Client-Id but was '" + name + "'");
      }
      return name;
    }
  }

  /**
   * A cache the application's {@code @Cacheable} methods name: its key and value types (checked on
   * every put) and the value codec for Redis and PostgreSQL. Keys are {@code String}, {@code Long},
   * {@code Integer} or {@code UUID} (Hotpath's built-in key codecs): cache methods with one such
   * parameter, or a {@code key} expression giving one.
   */
  public record CacheDefinition<K, V>(String name, Class<K> keyType, Class<V> valueType, Codec<V> valueCodec) {
    /** Values stored as JSON by Jackson. */
    public static <K, V> CacheDefinition<K, V> json(String name, Class<K> keyType, Class<V> valueType) {
      return new CacheDefinition<>(name, keyType, valueType, JsonCodec.of(valueType));
    }

    /** By reference, as Spring's other caches store: cached values must be immutable (records are). */
    void create(HotpathCacheManager manager) {
      manager.createCache(name, new MutableConfiguration<K, V>().setTypes(keyType, valueType).setStoreByValue(false));
    }
  }

  /** The Lettuce client and the tiers the properties configure, in the order a read walks them. */
  static final class SharedTiers implements AutoCloseable {
    private final RedisClient redisClient;
    private final List<Tier> tiers = new ArrayList<>();

    private SharedTiers(RedisClient redisClient) {
      this.redisClient = redisClient;
    }

    static SharedTiers open(HotpathProperties hotpath) {
      SharedTiers opened = new SharedTiers(hotpath.redisUrl() != null ? RedisClient.create(redisUri(hotpath)) : null);
      try {
        if (opened.redisClient != null) {
          opened.tiers.add(RedisTier.builder().client(opened.redisClient).keyPrefix(hotpath.redisKeyPrefix())
              .commandTimeout(hotpath.redisTimeout()).nodeId(hotpath.nodeId()).build());
        }
        if (hotpath.postgresUrl() != null) {
          opened.tiers.add(PostgresTier.builder()
              .jdbcUrl(hotpath.postgresUrl(), hotpath.postgresUser(), hotpath.postgresPassword())
              .schema(hotpath.postgresSchema()).build());
        }
        return opened;
      } catch (RuntimeException e) {
        opened.close();
        throw e;
      }
    }

    /** Lettuce's parser, whose message may quote the URL's password: neither is kept. */
    private static RedisURI redisUri(HotpathProperties hotpath) {
      try {
        return RedisURI.create(hotpath.redisUrl());
      } catch (RuntimeException e) {
        throw new IllegalStateException("hotpath.redis-url is not a Redis URL such as redis://host:6379"
            + " (not shown: it may hold a password)");
      }
    }

    List<Tier> all() {
      return List.copyOf(tiers);
    }

    /** The client, or null without Redis. */
    RedisClient redisClient() {
      return redisClient;
    }

    @Override
    public void close() {
      for (int i = tiers.size() - 1; i >= 0; i--) {
        tiers.get(i).close();
      }
      if (redisClient != null) {
        redisClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }

  /**
   * Takes one permit per request from the client's bucket. The client is the remote address (an
   * IPv6 one's /64 network, see {@link ClientAddress}), which a client cannot choose; only when a
   * trusted header is configured, that header's value where a request carries it. Behind a proxy
   * every request has the proxy's address, so all its clients share one bucket: let the proxy set a
   * trusted header, or take the address from {@code X-Forwarded-For} with {@code
   * server.forward-headers-strategy: native} only when the proxy overwrites that header and {@code
   * server.tomcat.remoteip.internal-proxies} / {@code trusted-proxies} are narrowed to it (else any
   * client sets its address); never {@code framework}, which believes any peer. Every answer
   * carries {@code RateLimit-Limit}, {@code -Remaining} and {@code -Reset}; a client over its limit
   * gets 429 at once with {@code Retry-After} in whole seconds, rounded up. The request thread
   * never waits for a permit.
   * Thread-safe.
   */
  public static final class ClientRateLimitFilter extends OncePerRequestFilter {
    private static final int MAX_CLIENT_ID_LENGTH = 128;
    /** The bucket of requests whose remote address is not an IP literal. */
    static final String UNPARSED_ADDRESS = ClientAddress.PREFIX + "unparsed";

    private final RateLimiter limiter;
    private final String trustedHeader;

    /**
     * @param trustedHeader the header naming the client, set by a proxy or an authentication layer
     *     in front that strips it from clients' requests; null: the remote address alone
     */
    ClientRateLimitFilter(RateLimiter limiter, String trustedHeader) {
      this.limiter = limiter;
      this.trustedHeader = trustedHeader;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      String id = trustedHeader != null ? request.getHeader(trustedHeader) : null;
      if (id != null && id.trim().length() > MAX_CLIENT_ID_LENGTH) {
        refuse(response, 400, trustedHeader + " is longer than " + MAX_CLIENT_ID_LENGTH + " characters");
        return;
      }
      // Prefixed, so that no client id can name another client's address; an IPv6 client counts by
      // its /64 network, which it could otherwise walk for a fresh bucket per request.
      String client = id == null || id.isBlank() ? addressKey(request.getRemoteAddr()) : "id:" + id.trim();
      RateLimitDecision decision;
      try {
        decision = limiter.tryAcquire(client);
      } catch (RateLimiterUnavailableException e) { // only under RedisDownPolicy.failClosed()
        response.setHeader(RateLimitHeaders.RETRY_AFTER, "1");
        refuse(response, 503, "the rate limit cannot be checked now; retry");
        return;
      }
      RateLimitHeaders.of(decision).forEach(response::setHeader);
      if (!decision.allowed()) {
        refuse(response, 429, "over the limit of " + decision.limit() + " requests; retry after "
            + RateLimitHeaders.retryAfter(decision) + " s");
        return;
      }
      chain.doFilter(request, response);
    }

    /**
     * The client key of the remote address; one bucket for all requests whose address is missing
     * or no IP literal (a forwarded-header value such as {@code unknown}), so that none of them goes
     * unlimited and none chooses its bucket by the text it sends.
     */
    static String addressKey(String remoteAddress) {
      if (remoteAddress == null) {
        return UNPARSED_ADDRESS;
      }
      try {
        return ClientAddress.key(remoteAddress);
      } catch (IllegalArgumentException e) {
        return UNPARSED_ADDRESS;
      }
    }

    private static void refuse(HttpServletResponse response, int status, String detail) throws IOException {
      response.setStatus(status);
      response.setContentType("application/problem+json");
      response.getWriter().write("{\"status\":" + status + ",\"detail\":\"" + detail.replace("\"", "'") + "\"}");
    }
  }
}
