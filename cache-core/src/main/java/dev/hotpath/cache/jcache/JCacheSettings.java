package dev.hotpath.cache.jcache;

import dev.hotpath.cache.InvalidationBus;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.spi.Tier;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import javax.cache.spi.CachingProvider;

/**
 * What a Hotpath {@code CacheManager} needs beyond JSR-107: the shared tiers its caches may sit
 * on, the invalidation bus between nodes, and {@link CacheOptions} per cache name. A manager gets
 * them when it is first asked for, through {@link CachingProvider#getCacheManager(java.net.URI,
 * ClassLoader, Properties)}:
 *
 * <ul>
 *   <li>a {@code JCacheSettings} object under the key {@link #PROPERTY} of the properties (the way
 *       in for tiers and codecs, which are objects; Spring Boot's {@code JCachePropertiesCustomizer}
 *       can put it there), or else
 *   <li>text entries, from the properties themselves and from the manager's URI when it names a
 *       {@code .properties} resource ({@code classpath:}, {@code file:} or {@code jar:}), the
 *       properties winning; see {@link Builder#cachesFrom(Properties)} for the keys.
 * </ul>
 *
 * <p>The manager does not close the tiers, bus or executor given here: they are the host's. It
 * closes the in-process bus it makes when none is given.
 *
 * <p>Immutable and thread-safe.
 */
public final class JCacheSettings {
  /** The key of a {@code JCacheSettings} object in the properties given for a cache manager. */
  public static final String PROPERTY = JCacheSettings.class.getName();

  /** The prefix of the text keys read by {@link Builder#cachesFrom(Properties)}. */
  public static final String PREFIX = "hotpath.jcache.";

  private static final JCacheSettings DEFAULTS = builder().build();

  private final List<Tier> tiers;
  private final InvalidationBus bus;
  private final String nodeId;
  private final Executor executor;
  private final Clock clock;
  private final CacheOptions defaults;
  private final Map<String, CacheOptions> caches;

  private JCacheSettings(Builder b) {
    this.tiers = List.copyOf(b.tiers);
    this.bus = b.bus;
    this.nodeId = b.nodeId;
    this.executor = b.executor != null ? b.executor : ForkJoinPool.commonPool();
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    this.defaults = b.defaults != null ? b.defaults : CacheOptions.defaults();
    this.caches = Collections.unmodifiableMap(new LinkedHashMap<>(b.caches));
  }

  /** No shared tier, in-process bus, {@link CacheOptions#defaults()} for every cache. */
  public static JCacheSettings defaults() {
    return DEFAULTS;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The shared tiers, in the order a read walks them. Unmodifiable. */
  public List<Tier> tiers() {
    return tiers;
  }

  /** The invalidation bus, or null: then a tier's own bus, else one in-process bus per manager. */
  public InvalidationBus invalidationBus() {
    return bus;
  }

  /** The node id prefix of the manager's caches, or null for a random one per manager. */
  public String nodeId() {
    return nodeId;
  }

  /** Where asynchronous listeners and {@code loadAll} run; default the common fork-join pool. */
  public Executor executor() {
    return executor;
  }

  /** The clock of JSR-107 expiry times; the system's UTC clock unless a test gives another. */
  public Clock clock() {
    return clock;
  }

  /** The options of caches without options of their own. */
  public CacheOptions defaultOptions() {
    return defaults;
  }

  /** The options of the cache named {@code cacheName}: its own, else {@link #defaultOptions()}. */
  public CacheOptions optionsFor(String cacheName) {
    return caches.getOrDefault(Objects.requireNonNull(cacheName, "cacheName"), defaults);
  }

  /** The caches with options of their own. Unmodifiable. */
  public Map<String, CacheOptions> caches() {
    return caches;
  }

  @Override
  public String toString() {
    return "JCacheSettings[tiers=" + tiers.stream().map(Tier::name).toList()
        + (bus != null ? ", bus=" + bus : "") + (nodeId != null ? ", nodeId=" + nodeId : "")
        + ", defaults=" + defaults + ", caches=" + caches + "]";
  }

  /**
   * Builds {@link JCacheSettings}. Every setter may be called once ({@link IllegalStateException}
   * otherwise); {@link #tier} and {@link #cache} add one item per call. Not thread-safe.
   */
  public static final class Builder {
    private final List<Tier> tiers = new ArrayList<>();
    private final Map<String, CacheOptions> caches = new LinkedHashMap<>();
    private InvalidationBus bus;
    private String nodeId;
    private Executor executor;
    private Clock clock;
    private CacheOptions defaults;

    private Builder() {}

    /**
     * Adds a shared tier (Redis, PostgreSQL) after those added before. A cache is stored in it when
     * its profile gives the tier a TTL. The manager does not close it.
     *
     * @throws IllegalArgumentException when a tier of that name was added already
     */
    public Builder tier(Tier tier) {
      Objects.requireNonNull(tier, "tier");
      if (tiers.stream().anyMatch(t -> t.name().equals(tier.name()))) {
        throw new IllegalArgumentException("tier '" + tier.name() + "' was added already");
      }
      tiers.add(tier);
      return this;
    }

    /**
     * The bus between nodes. Rarely needed: a tier that brings one (Redis) is used without this,
     * and without such a tier each manager makes an in-process bus.
     */
    public Builder invalidationBus(InvalidationBus bus) {
      once(this.bus, "invalidationBus");
      this.bus = Objects.requireNonNull(bus, "invalidationBus");
      return this;
    }

    /**
     * The node id of the manager's caches on the bus: each cache is a node {@code <nodeId>/<cache
     * name>}. Default: a random UUID per manager.
     *
     * @throws IllegalArgumentException if blank
     */
    public Builder nodeId(String nodeId) {
      once(this.nodeId, "nodeId");
      Objects.requireNonNull(nodeId, "nodeId");
      if (nodeId.isBlank()) {
        throw new IllegalArgumentException("nodeId must not be blank but was '" + nodeId + "'");
      }
      this.nodeId = nodeId;
      return this;
    }

    /** Where asynchronous listeners and {@code loadAll} run; default the common fork-join pool. */
    public Builder executor(Executor executor) {
      once(this.executor, "executor");
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The clock of JSR-107 expiry times (epoch milliseconds); for tests. Default the system UTC clock. */
    public Builder clock(Clock clock) {
      once(this.clock, "clock");
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The options of caches without options of their own; default {@link CacheOptions#defaults()}. */
    public Builder defaultOptions(CacheOptions options) {
      once(this.defaults, "defaultOptions");
      this.defaults = Objects.requireNonNull(options, "defaultOptions");
      return this;
    }

    /**
     * The options of the cache named {@code cacheName}.
     *
     * @throws IllegalArgumentException when that cache has options already
     */
    public Builder cache(String cacheName, CacheOptions options) {
      Objects.requireNonNull(cacheName, "cacheName");
      Objects.requireNonNull(options, "options");
      if (caches.putIfAbsent(cacheName, options) != null) {
        throw new IllegalArgumentException("cache '" + cacheName + "' has options already");
      }
      return this;
    }

    /**
     * Reads default and per-cache options from text, as a manager does from the properties it is
     * given when no {@code JCacheSettings} object is among them. Keys outside {@link #PREFIX} are
     * ignored; durations are ISO-8601 ({@code PT10M}):
     *
     * <pre>
     * hotpath.jcache.default.ttl.l1=PT10M           # the profile of caches without their own
     * hotpath.jcache.default.maximum-size=50000
     * hotpath.jcache.cache.symbols.ttl.l1=PT1H       # cache "symbols": in process for 1 hour,
     * hotpath.jcache.cache.symbols.ttl.l2=PT1H       # and in the shared tiers for 1 hour
     * hotpath.jcache.cache.symbols.ttl.tier.postgres=PT24H
     * hotpath.jcache.cache.symbols.ttl.jitter=0.1
     * hotpath.jcache.cache.prices.ttl.l1=PT1S
     * hotpath.jcache.cache.prices.cross-node-invalidation=true
     * </pre>
     *
     * A cache with any {@code ttl.*} key has the profile those keys give (its {@code ttl.l1} is
     * then required); without, it takes the default profile. {@code maximum-size} and {@code
     * cross-node-invalidation} each fall back to the default's. Cache names may contain dots.
     * Codecs are objects and cannot be given here.
     *
     * @throws IllegalArgumentException for an unknown key under the prefix, a value that does not
     *     parse (the message names the key), or a cache that has options already
     * @throws IllegalStateException when default options were set already and the text has
     *     default keys, or a profile misses {@code ttl.l1}
     */
    public Builder cachesFrom(Properties properties) {
      Objects.requireNonNull(properties, "properties");
      Map<String, Map<String, String>> byCache = new TreeMap<>();
      Map<String, String> defaultKeys = new TreeMap<>();
      for (String key : properties.stringPropertyNames()) {
        if (!key.startsWith(PREFIX)) {
          continue;
        }
        String rest = key.substring(PREFIX.length());
        String value = properties.getProperty(key).trim();
        if (rest.startsWith("default.")) {
          defaultKeys.put(rest.substring("default.".length()), value);
        } else if (rest.startsWith("cache.")) {
          String[] nameAndSetting = splitCacheKey(key, rest.substring("cache.".length()));
          byCache.computeIfAbsent(nameAndSetting[0], n -> new TreeMap<>()).put(nameAndSetting[1], value);
        } else {
          throw new IllegalArgumentException(
              "unknown key " + key + ": expected " + PREFIX + "default.<setting> or " + PREFIX + "cache.<name>.<setting>");
        }
      }
      CacheOptions base = defaults != null ? defaults : CacheOptions.defaults();
      if (!defaultKeys.isEmpty()) {
        defaultOptions(parse(PREFIX + "default.", defaultKeys, base));
        base = defaults;
      }
      for (Map.Entry<String, Map<String, String>> e : byCache.entrySet()) {
        cache(e.getKey(), parse(PREFIX + "cache." + e.getKey() + ".", e.getValue(), base));
      }
      return this;
    }

    private static final List<String> SETTINGS =
        List.of(".ttl.l1", ".ttl.l2", ".ttl.jitter", ".maximum-size", ".cross-node-invalidation");

    /** Splits {@code <name>.<setting>} where the name may hold dots: the setting is a known suffix. */
    private static String[] splitCacheKey(String key, String nameAndSetting) {
      int tier = nameAndSetting.lastIndexOf(".ttl.tier.");
      if (tier > 0) {
        return new String[] {nameAndSetting.substring(0, tier), nameAndSetting.substring(tier + 1)};
      }
      for (String setting : SETTINGS) {
        if (nameAndSetting.endsWith(setting) && nameAndSetting.length() > setting.length()) {
          int cut = nameAndSetting.length() - setting.length();
          return new String[] {nameAndSetting.substring(0, cut), setting.substring(1)};
        }
      }
      throw new IllegalArgumentException("unknown key " + key + ": the setting must be one of "
          + SETTINGS.stream().map(s -> s.substring(1)).toList() + " or ttl.tier.<tier>");
    }

    /** Options from {@code settings} over {@code base}; without {@code ttl.*} keys, base's profile. */
    private static CacheOptions parse(String prefix, Map<String, String> settings, CacheOptions base) {
      CacheOptions.Builder options = base.toBuilder();
      TtlProfile.Builder ttl = null;
      for (Map.Entry<String, String> e : settings.entrySet()) {
        String key = prefix + e.getKey();
        String value = e.getValue();
        String setting = e.getKey();
        if (setting.startsWith("ttl.")) {
          ttl = ttl != null ? ttl : TtlProfile.builder();
        }
        switch (setting) {
          case "ttl.l1" -> ttl.l1(duration(key, value));
          case "ttl.l2" -> ttl.l2(duration(key, value));
          case "ttl.jitter" -> ttl.jitter(number(key, value));
          case "maximum-size" -> options.maximumSize(whole(key, value));
          case "cross-node-invalidation" -> options.crossNodeInvalidation(bool(key, value));
          default -> {
            if (setting.startsWith("ttl.tier.") && setting.length() > "ttl.tier.".length()) {
              ttl.tier(setting.substring("ttl.tier.".length()), duration(key, value));
            } else {
              throw new IllegalArgumentException("unknown key " + key);
            }
          }
        }
      }
      if (ttl != null) {
        try {
          options.ttl(ttl.build());
        } catch (IllegalStateException e) {
          throw new IllegalStateException(prefix + "ttl: " + e.getMessage(), e);
        }
      }
      return options.build();
    }

    private static Duration duration(String key, String value) {
      try {
        return Duration.parse(value);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(key + " must be an ISO-8601 duration such as PT10M but was '" + value + "'", e);
      }
    }

    private static double number(String key, String value) {
      try {
        return Double.parseDouble(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + " must be a number but was '" + value + "'", e);
      }
    }

    private static long whole(String key, String value) {
      try {
        return Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + " must be a whole number but was '" + value + "'", e);
      }
    }

    private static boolean bool(String key, String value) {
      if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
        throw new IllegalArgumentException(key + " must be true or false but was '" + value + "'");
      }
      return Boolean.parseBoolean(value);
    }

    private static void once(Object current, String field) {
      if (current != null) {
        throw new IllegalStateException(field + " was already set");
      }
    }

    /**
     * The settings.
     *
     * @throws IllegalStateException when tiers bring different invalidation buses, or {@code
     *     invalidationBus} differs from the one a tier brings
     */
    public JCacheSettings build() {
      InvalidationBus brought = null;
      for (Tier tier : tiers) {
        InvalidationBus own = tier.invalidationBus();
        if (own == null) {
          continue;
        }
        if (brought != null && own != brought) {
          throw new IllegalStateException("the tiers bring different invalidation buses, and a cache has one");
        }
        brought = own;
      }
      if (bus != null && brought != null && bus != brought) {
        throw new IllegalStateException(
            "invalidationBus " + bus + " conflicts with the bus a tier brings (" + brought + "); leave it unset");
      }
      return new JCacheSettings(this);
    }
  }
}
