package dev.hotpath;

import static java.util.Objects.requireNonNull;

import dev.hotpath.cache.CacheAlert;
import dev.hotpath.cache.CacheHealth.Status;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.WarmupPlan;
import dev.hotpath.cache.WarmupReport;
import dev.hotpath.cache.spi.UrlMasking;
import dev.hotpath.engine.BatchEngine;
import dev.hotpath.engine.Source;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimiter;
import dev.hotpath.ratelimit.RedisDownPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a host embeds, built, warmed, measured and closed as one: the tiered cache over the
 * tiers the environment has (in process always; Redis and PostgreSQL when configured), the rate
 * limiters (in Redis when Redis is configured, in process otherwise) and the batch engines.
 *
 * <pre>{@code
 * try (Hotpath hotpath = Hotpath.fromEnvironment()      // HOTPATH_REDIS_URL, HOTPATH_POSTGRES_URL, ...
 *         .namespace(symbols)
 *         .rateLimiter("binance", RateLimit.of(weight))
 *         .engine("tickers", prices, exchange, (engine, limiters) -> engine.quota(limiters.get("binance"), "ip-1"))
 *         .build()) {
 *   String btc = hotpath.cache().namespace(symbols).get("BTCUSDT");
 * }
 * }</pre>
 *
 * <p><b>What it creates.</b> With Redis configured by URL: one Lettuce client, from which the Redis
 * tier (keys under {@code <redisKeyPrefix>:}) and every rate limiter (buckets under {@code
 * <redisKeyPrefix>:ratelimit:<name>:}) open their connections; the tier brings the invalidation bus
 * that keeps the nodes' in-process copies honest. With PostgreSQL configured by URL: the PostgreSQL
 * tier and its pool. Then the cache (when a namespace is configured), the limiters, the engines,
 * and the start warmup ({@link WarmupMode}). Each part is built by its own builder and behaves as
 * its class documents.
 *
 * <p><b>Who closes what.</b> {@link #close()} closes exactly what the builder created, in reverse
 * creation order (warmup, engines, limiters, cache, PostgreSQL tier, Redis tier, Redis client), and
 * never what the host passed in: a Lettuce client given to {@link Builder#redis(HostRedisClient)}
 * and a {@code DataSource} given to {@link Builder#postgres(DataSource)} stay open. The builder lends its
 * tiers to the cache ({@code TieredCache.Builder#sharedTier}) and closes them itself, after the
 * cache. When {@link Builder#build()} fails, what it had created is closed before it throws.
 *
 * <p><b>Optional drivers.</b> Lettuce, pgjdbc and HikariCP (through {@code hotpath-cache-redis} and
 * {@code hotpath-cache-timescale}, optional dependencies of this module) are loaded only when Redis
 * or PostgreSQL is configured: a host of the in-process cache does not need them on its class path.
 * No signature of this class or its nested types names one of their types (the host's Lettuce
 * client comes wrapped by {@link HotpathRedis}), so reflecting over them needs none either.
 *
 * <p>Thread-safe.
 */
public final class Hotpath implements MeterBinder, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Hotpath.class);

  private final String nodeId;
  private final TieredCache cache;
  private final List<TierPart> tiers;
  private final Map<String, LimiterPart> limiters;
  private final Map<String, EnginePart> engines;
  private final CompletableFuture<WarmupReport> warmup;
  private final Closer closer;
  /** Held by the close() that closes the parts, so that a concurrent close() returns only after it. */
  private final Object closing = new Object();
  private volatile boolean closed;

  private Hotpath(Assembly a) {
    this.nodeId = a.nodeId;
    this.cache = a.cache;
    this.tiers = List.copyOf(a.tiers);
    this.limiters = a.limiters;
    this.engines = a.engines;
    this.warmup = a.warmup;
    this.closer = a.closer;
  }

  /** A builder with nothing configured: an in-process cache unless {@code redis} or {@code postgres} is set. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder configured from the process's environment, so that one template runs unchanged in
   * every environment: {@code HOTPATH_REDIS_URL} ({@link Builder#redis(String)}), {@code
   * HOTPATH_POSTGRES_URL}, {@code HOTPATH_POSTGRES_USER} and {@code HOTPATH_POSTGRES_PASSWORD}
   * ({@link Builder#postgres(String, String, String)}), {@code HOTPATH_NODE_ID} ({@link
   * Builder#nodeId}). A variable that is unset or blank configures nothing; with none set, the
   * Hotpath runs in process only. URLs and the node id are trimmed; the user and the password are
   * taken as they are. Namespaces, limiters and engines are added in code, and a setting the
   * environment made cannot be set again ({@link IllegalStateException}).
   *
   * <p>The environment says which servers there are, the code what the application uses: with no
   * namespace configured, a PostgreSQL URL from the environment is not used (logged at INFO at
   * {@code build()}), as PostgreSQL stores namespaces; a {@code postgres(...)} set in code without
   * a namespace fails the build.
   *
   * @throws IllegalArgumentException when a variable's value is refused; the message names the
   *     variable and never shows a password
   * @throws IllegalStateException when a user or password is set without a PostgreSQL URL
   */
  public static Builder fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /** {@link #fromEnvironment()} over {@code environment}, for tests. */
  static Builder fromEnvironment(Map<String, String> environment) {
    return Environment.configure(new Builder(), environment);
  }

  /**
   * The cache holding the configured namespaces; {@code cache().namespace(spec)} is the typed way
   * to a namespace. Closed by {@link #close()}, not by the host.
   *
   * @throws IllegalStateException when no namespace was configured
   */
  public TieredCache cache() {
    if (cache == null) {
      throw new IllegalStateException("no namespace is configured, so there is no cache");
    }
    return cache;
  }

  /**
   * The rate limiter of that name: a {@code RedisRateLimiter} when Redis is configured, else a
   * {@code LocalRateLimiter}.
   *
   * @throws IllegalArgumentException when there is none of that name
   */
  public RateLimiter rateLimiter(String name) {
    return LimiterPart.find(limiters, name);
  }

  /**
   * The engine of that name, with its types: {@code namespace} is the spec it was configured with
   * (or one of the same name and types).
   *
   * @throws IllegalArgumentException when there is no engine of that name, or it serves another
   *     namespace or types
   */
  public <K, V> BatchEngine<K, V> engine(String name, NamespaceSpec<K, V> namespace) {
    return enginePart(name).typed(requireNonNull(namespace, "namespace"));
  }

  /**
   * The engine of that name, its types unknown to the compiler; for tools that list engines. Use
   * {@link #engine(String, NamespaceSpec)} to submit batches with types.
   *
   * @throws IllegalArgumentException when there is no engine of that name
   */
  public BatchEngine<?, ?> engine(String name) {
    return enginePart(name).engine;
  }

  private EnginePart enginePart(String name) {
    EnginePart part = engines.get(requireNonNull(name, "name"));
    if (part == null) {
      throw new IllegalArgumentException("no engine '" + name + "'; configured: " + engines.keySet());
    }
    return part;
  }

  /** This node's id on the invalidation bus and in Redis's invalidation records. */
  public String nodeId() {
    return nodeId;
  }

  /**
   * The start warmup's report: already complete after {@link WarmupMode#BLOCK}, completing when the
   * run ends with {@link WarmupMode#BACKGROUND} (also when {@link #close()} cuts it short: its
   * strategies then count as timed out), and an empty report with {@link WarmupMode#OFF} or no
   * plan. Never completes exceptionally unless the warmup itself threw.
   */
  public CompletableFuture<WarmupReport> warmup() {
    return warmup.copy();
  }

  /**
   * The health of every part, each with its reason, and the overall status (see {@link
   * HotpathHealth}). Cheap: it reads states and the cache's latest alert evaluation, and runs
   * nothing; a health endpoint may call it as often as it likes. Once {@link #close()} began,
   * every part is {@link Status#DOWN} ("closed"), answered at once without reading the parts.
   */
  public HotpathHealth health() {
    if (closed) {
      return closedHealth();
    }
    List<HotpathHealth.Part> parts = new ArrayList<>();
    List<CacheAlert> alerts = cache != null ? cache.health().alerts() : List.of();
    if (cache != null) {
      parts.add(CachePart.health(cache, warmup, alerts));
    }
    tiers.forEach(t -> parts.add(t.health(alerts)));
    limiters.values().forEach(l -> parts.add(l.health()));
    engines.values().forEach(e -> parts.add(e.health()));
    // A close() that began meanwhile may have made some parts read as failing rather than closed.
    return closed ? closedHealth() : new HotpathHealth(HotpathHealth.overall(parts), parts);
  }

  /** Every part down, "closed", by the names the parts were configured with. */
  private HotpathHealth closedHealth() {
    List<HotpathHealth.Part> parts = new ArrayList<>();
    if (cache != null) {
      parts.add(closedPart(HotpathHealth.Kind.CACHE, CachePart.NAME));
    }
    tiers.forEach(t -> parts.add(closedPart(t.kind, t.name)));
    limiters.keySet().forEach(name -> parts.add(closedPart(HotpathHealth.Kind.RATE_LIMITER, name)));
    engines.keySet().forEach(name -> parts.add(closedPart(HotpathHealth.Kind.ENGINE, name)));
    return new HotpathHealth(Status.DOWN, parts);
  }

  private static HotpathHealth.Part closedPart(HotpathHealth.Kind kind, String name) {
    return new HotpathHealth.Part(kind, name, Status.DOWN, "closed");
  }

  /**
   * Binds every part's meters to {@code registry}: the cache's and its tiers' (see {@link
   * TieredCache#bindTo}), each rate limiter's ({@code hotpath.ratelimiter.*{name}}) and each
   * engine's ({@code hotpath.engine.*{source}}).
   *
   * <p>Once per registry: binding to a registry this Hotpath is bound to already registers nothing
   * (each part remembers the registries it is bound to, so a part bound by the host too is not
   * registered twice either); binding to another registry registers there too. Thread-safe.
   *
   * @throws NullPointerException if registry is null
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    requireNonNull(registry, "registry");
    if (cache != null) {
      cache.bindTo(registry);
    }
    limiters.values().forEach(l -> l.limiter.bindTo(registry));
    engines.values().forEach(e -> e.engine.bindTo(registry));
  }

  /**
   * Closes what the builder created, newest first (see the class comment): a background warmup is
   * interrupted (and waited for, up to its plan's deadline), engines drain within their drain
   * timeout, write-behind buffers flush. Never closes what the host passed in. Returns when
   * everything is closed, also when another thread is closing (a shutdown hook, say): it waits for
   * that one. Idempotent; never throws. When interrupted while it waits for a part, it still
   * closes the others and returns with the thread's interrupt status set.
   */
  @Override
  public void close() {
    synchronized (closing) {
      if (!closed) {
        closed = true;
        closer.closeAll();
      }
    }
  }

  /** The names of the parts {@link #close()} closed, in the order it closed them. */
  List<String> closedParts() {
    return closer.closed();
  }

  @Override
  public String toString() {
    return "Hotpath[node=" + nodeId + ", tiers=" + (cache != null ? cache.tierNames() : List.of())
        + ", rateLimiters=" + limiters.keySet() + ", engines=" + engines.keySet() + "]";
  }

  /** When the start warmup runs. */
  public enum WarmupMode {
    /**
     * {@link Builder#build()} runs the plan and returns when it ended: by its deadline at the
     * latest, and the moment its cut-off strategies take to stop (see {@code WarmupStrategy}).
     */
    BLOCK,
    /**
     * {@link Builder#build()} starts the plan on a thread of its own ({@code hotpath-warmup-start})
     * and returns at once; {@link Hotpath#warmup()} completes when it ends, and until then the
     * cache's health says "warmup running" (DEGRADED), which a readiness probe can wait for.
     */
    BACKGROUND,
    /** Nothing runs at start; {@code cache().warmUp()} runs the plan when the host wants. */
    OFF
  }

  /**
   * Configures an engine the builder creates: quota, retry, circuit breaker, queues. It gets the
   * builder of the engine and the rate limiters the Hotpath created, for {@code
   * engine.quota(limiters.get("binance"), "ip-1")}.
   */
  @FunctionalInterface
  public interface EngineCustomizer<K, V> {
    /**
     * Sets what the engine needs on {@code engine}; {@code build()} is called by the Hotpath
     * builder. An exception thrown here (or by the engine's {@code build()}) fails {@link
     * Builder#build()} and names the engine: an {@link IllegalArgumentException}, {@link
     * IllegalStateException} or {@link NullPointerException} keeps its type, its message prefixed
     * with {@code "engine '<name>': "}; any other is the cause of an {@link IllegalStateException}
     * with that prefix.
     */
    void customize(BatchEngine.Builder<K, V> engine, RateLimiters limiters);
  }

  /** The rate limiters the Hotpath builder created, by name; given to an {@link EngineCustomizer}. */
  @FunctionalInterface
  public interface RateLimiters {
    /**
     * The limiter of that name.
     *
     * @throws IllegalArgumentException when none of that name is configured
     */
    RateLimiter get(String name);
  }

  /**
   * Builds a {@link Hotpath}. Each setter may be called once ({@link IllegalStateException} "… was
   * already set"); {@link #namespace}, {@link #rateLimiter} and {@link #engine} add one item per
   * call and refuse a name given twice ({@link IllegalArgumentException}). Values are checked when
   * set and combinations at {@link #build()}, each error naming the field and the value (never a
   * password). Not thread-safe; {@code build()} may be called again, building new parts.
   */
  public static final class Builder {
    /** The schemes Lettuce reads, without its aliases ({@code redis+ssl}, ...): the message lists them all. */
    private static final List<String> REDIS_SCHEMES =
        List.of("redis", "rediss", "redis-sentinel", "rediss-sentinel", "redis-socket");
    private static final Pattern REDIS_URL =
        Pattern.compile("(?i)^(" + String.join("|", REDIS_SCHEMES) + ")://.*", Pattern.DOTALL);
    /** "redis://, rediss://, ... or redis-socket://". */
    private static final String REDIS_URL_KINDS =
        String.join("://, ", REDIS_SCHEMES.subList(0, REDIS_SCHEMES.size() - 1)) + ":// or "
            + REDIS_SCHEMES.get(REDIS_SCHEMES.size() - 1) + "://";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    String redisUrl;
    HostRedisClient redisClient;
    String redisKeyPrefix;
    Duration redisTimeout;
    RedisDownPolicy downPolicy;
    String postgresUrl;
    String postgresUser;
    String postgresPassword;
    DataSource postgresDataSource;
    String postgresSchema;
    /** PostgreSQL came from {@code HOTPATH_POSTGRES_URL}: not used when no namespace is configured. */
    boolean postgresFromEnvironment;
    String nodeId;
    final Map<String, NamespaceSpec<?, ?>> namespaces = new LinkedHashMap<>();
    final Map<String, RateLimit> rateLimits = new LinkedHashMap<>();
    final Map<String, EngineSpec<?, ?>> engines = new LinkedHashMap<>();
    WarmupPlan warmupPlan;
    WarmupMode warmupMode;

    private Builder() {}

    /**
     * Redis at {@code url}: {@code redis://[[user:]password@]host[:port][/db]}, {@code rediss://}
     * for TLS, {@code redis-sentinel://host1,host2/db?sentinelMasterId=m} (or {@code
     * rediss-sentinel://}), {@code redis-socket:///path/to/socket}. The builder creates a Lettuce
     * client for it and closes it with the Hotpath. For Redis Cluster, pass your cluster client
     * ({@link #redis(HostRedisClient)} with {@link HotpathRedis#cluster}). Needs {@code
     * hotpath-cache-redis} on the class path.
     *
     * @throws IllegalArgumentException when {@code url} is not a Redis URL (the message masks its
     *     password)
     * @throws IllegalStateException when Redis was already set
     */
    public Builder redis(String url) {
      requireNonNull(url, "redis");
      requireUnset("redis", redisUrl != null || redisClient != null);
      if (!REDIS_URL.matcher(url).matches()) {
        throw new IllegalArgumentException("redis must be a " + REDIS_URL_KINDS + " URL but was '" + UrlMasking.mask(url) + "'");
      }
      this.redisUrl = url;
      return this;
    }

    /**
     * Redis through the host's Lettuce client ({@code redis(HotpathRedis.client(lettuceClient))},
     * or {@link HotpathRedis#cluster} for Redis Cluster), from which the tier and the limiters open
     * their own connections. The Hotpath never closes it.
     *
     * @throws IllegalStateException when Redis was already set
     */
    public Builder redis(HostRedisClient client) {
      requireNonNull(client, "redis");
      requireUnset("redis", redisUrl != null || redisClient != null);
      this.redisClient = client;
      return this;
    }

    /**
     * The prefix of every Redis key the Hotpath writes, without the trailing ':'; default {@code
     * "hotpath"}. Give each application its own. Checked by the Redis tier at {@link #build()}.
     *
     * @throws IllegalStateException at build when Redis is not configured
     */
    public Builder redisKeyPrefix(String prefix) {
      requireNonNull(prefix, "redisKeyPrefix");
      requireUnset("redisKeyPrefix", redisKeyPrefix != null);
      this.redisKeyPrefix = prefix.endsWith(":") ? prefix.substring(0, prefix.length() - 1) : prefix;
      return this;
    }

    /**
     * The longest a caller waits for Redis: each command of the Redis tier and each call of a
     * Redis-backed rate limiter; past it the tier serves a miss and a limiter answers by its {@link
     * #rateLimiterDownPolicy}. Default 250 ms (the tier's and the limiters' default).
     *
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException at build when Redis is not configured
     */
    public Builder redisTimeout(Duration timeout) {
      requireNonNull(timeout, "redisTimeout");
      requireUnset("redisTimeout", redisTimeout != null);
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("redisTimeout must be positive but was " + timeout);
      }
      this.redisTimeout = timeout;
      return this;
    }

    /**
     * What the Redis-backed rate limiters do while Redis does not answer; default {@link
     * RedisDownPolicy#failClosed()}: they admit nothing Redis did not count, and throw {@code
     * RateLimiterUnavailableException}. Without Redis, limiters are local and this is not used, so
     * a template may set it for every environment.
     */
    public Builder rateLimiterDownPolicy(RedisDownPolicy policy) {
      requireNonNull(policy, "rateLimiterDownPolicy");
      requireUnset("rateLimiterDownPolicy", downPolicy != null);
      this.downPolicy = policy;
      return this;
    }

    /** {@link #postgres(String, String, String)} with the user and password in the URL, or none. */
    public Builder postgres(String jdbcUrl) {
      return postgres(jdbcUrl, null, null);
    }

    /**
     * PostgreSQL at {@code jdbcUrl} ({@code jdbc:postgresql://host:5432/db}): the builder creates a
     * small pool for the PostgreSQL tier and closes it with the Hotpath. Needs {@code
     * hotpath-cache-timescale} on the class path. PostgreSQL stores namespaces: configure one.
     *
     * @param user the user, or null to take it from the URL
     * @param password the password, or null; never printed
     * @throws IllegalArgumentException when {@code jdbcUrl} is not a PostgreSQL JDBC URL (the
     *     message masks its password)
     * @throws IllegalStateException when PostgreSQL was already set
     */
    public Builder postgres(String jdbcUrl, String user, String password) {
      requireNonNull(jdbcUrl, "postgres");
      requireUnset("postgres", postgresUrl != null || postgresDataSource != null);
      if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException("postgres must be a jdbc:postgresql: URL but was '" + UrlMasking.mask(jdbcUrl) + "'");
      }
      this.postgresUrl = jdbcUrl;
      this.postgresUser = user;
      this.postgresPassword = password;
      return this;
    }

    /**
     * PostgreSQL through the host's pool. The Hotpath never closes it; configure its timeouts (see
     * {@code PostgresTier.Builder#dataSource}).
     *
     * @throws IllegalStateException when PostgreSQL was already set
     */
    public Builder postgres(DataSource dataSource) {
      requireNonNull(dataSource, "postgres");
      requireUnset("postgres", postgresUrl != null || postgresDataSource != null);
      this.postgresDataSource = dataSource;
      return this;
    }

    /**
     * The schema of the PostgreSQL tier's table; default {@code hotpath}. Checked by the tier at
     * {@link #build()}.
     *
     * @throws IllegalStateException at build when PostgreSQL is not configured
     */
    public Builder postgresSchema(String schema) {
      requireNonNull(schema, "postgresSchema");
      requireUnset("postgresSchema", postgresSchema != null);
      this.postgresSchema = schema;
      return this;
    }

    /**
     * This node's id on the invalidation bus and in Redis's invalidation records; default a random
     * UUID. Must differ between the nodes sharing a Redis (a pod name does).
     *
     * @throws IllegalArgumentException if blank
     */
    public Builder nodeId(String nodeId) {
      requireNonNull(nodeId, "nodeId");
      requireUnset("nodeId", this.nodeId != null);
      if (nodeId.isBlank()) {
        throw new IllegalArgumentException("nodeId must not be blank but was '" + nodeId + "'");
      }
      this.nodeId = nodeId;
      return this;
    }

    /**
     * Adds a namespace to the cache. Its TTL profile's {@code l2} applies to whichever shared
     * tiers are configured, so one spec serves every environment.
     *
     * @throws IllegalArgumentException when a namespace of that name was added already
     */
    public Builder namespace(NamespaceSpec<?, ?> spec) {
      requireNonNull(spec, "namespace");
      requireNew("namespace", spec.name(), namespaces);
      namespaces.put(spec.name(), spec);
      return this;
    }

    /**
     * Adds a rate limiter of that name and limit: Redis-backed (shared by every node using the
     * same Redis and {@link #redisKeyPrefix}) when Redis is configured, else local to this process.
     *
     * @param name the limiter's name, in meters and exceptions: {@code [A-Za-z0-9][A-Za-z0-9_.-]*},
     *     at most 64 characters
     * @throws IllegalArgumentException when the name is refused or was added already
     */
    public Builder rateLimiter(String name, RateLimit limit) {
      requireNonNull(name, "rateLimiter name");
      requireNonNull(limit, "rateLimiter limit");
      requireName("rateLimiter", name);
      requireNew("rateLimiter", name, rateLimits);
      rateLimits.put(name, limit);
      return this;
    }

    /** {@link #engine(String, NamespaceSpec, Source, EngineCustomizer)} with the engine's defaults. */
    public <K, V> Builder engine(String name, NamespaceSpec<K, V> namespace, Source<K, V> source) {
      return engine(name, namespace, source, (engine, limiters) -> {});
    }

    /**
     * Adds a batch engine of that name over {@code namespace} (added with {@link #namespace},
     * before or after) and {@code source}, configured by {@code customizer}. Engines' meters are
     * tagged by source name, so each engine needs a source of its own name.
     *
     * @param name {@code [A-Za-z0-9][A-Za-z0-9_.-]*}, at most 64 characters
     * @throws IllegalArgumentException when the name is refused or was added already
     * @throws IllegalStateException at build when the namespace is not configured (or with other
     *     types), or two engines' sources share a name
     */
    public <K, V> Builder engine(String name, NamespaceSpec<K, V> namespace, Source<K, V> source,
        EngineCustomizer<K, V> customizer) {
      requireNonNull(name, "engine name");
      requireNonNull(namespace, "engine namespace");
      requireNonNull(source, "engine source");
      requireNonNull(customizer, "engine customizer");
      requireName("engine", name);
      requireNew("engine", name, engines);
      engines.put(name, new EngineSpec<>(name, namespace, source, customizer));
      return this;
    }

    /**
     * The warmup the cache runs (see {@code TieredCache#warmUp()}), started by {@link #build()} as
     * {@code mode} says. Its repetition, if the plan has one, starts after the first run.
     *
     * @throws IllegalStateException at build, before anything is created, when the plan names a
     *     namespace not configured
     */
    public Builder warmup(WarmupPlan plan, WarmupMode mode) {
      requireNonNull(plan, "warmup");
      requireNonNull(mode, "warmup mode");
      requireUnset("warmup", warmupPlan != null);
      this.warmupPlan = plan;
      this.warmupMode = mode;
      return this;
    }

    /**
     * Checks the configuration, then creates and starts every part, in this order: the Redis
     * client, the Redis tier, the PostgreSQL tier, the cache, the rate limiters, the engines, the
     * warmup. A combination that cannot work fails before anything is created.
     *
     * @throws IllegalStateException before anything is created, for a combination that cannot
     *     work: nothing configured, an engine over a namespace not configured, a Redis or PostgreSQL
     *     setting without its server, PostgreSQL set in code without a namespace, a warmup without a
     *     namespace or of a namespace not configured, a namespace's TTL for a tier that is not
     *     configured ({@code "redis"}, {@code "postgres"}) or a namespace stored in a shared tier
     *     without a codec; and, once the parts are being created, a Redis that does not accept a
     *     connection ("redis did not accept a connection at build() ..."; PostgreSQL is connected
     *     to when first used) or an engine's customizer that throws (see {@link EngineCustomizer})
     * @throws IllegalArgumentException for a value a part's builder refuses (a Redis URL Lettuce
     *     cannot parse, a key prefix, a schema name)
     */
    public Hotpath build() {
      validate();
      return new Hotpath(Assembly.assemble(this));
    }

    /** Whether the PostgreSQL tier is created: configured, and not from the environment alone for no namespace. */
    boolean usesPostgres() {
      return (postgresUrl != null || postgresDataSource != null) && !(postgresFromEnvironment && namespaces.isEmpty());
    }

    /** A cache builder with the namespaces and the warmup plan; the tiers and the node id are added by who builds. */
    TieredCache.Builder cacheBuilder() {
      TieredCache.Builder cache = TieredCache.builder();
      namespaces.values().forEach(cache::namespace);
      if (warmupPlan != null) {
        cache.warmup(warmupPlan);
      }
      return cache;
    }

    private void validate() {
      boolean redis = redisUrl != null || redisClient != null;
      boolean postgres = usesPostgres();
      if (namespaces.isEmpty() && rateLimits.isEmpty()) {
        throw new IllegalStateException("nothing to build: add a namespace or a rateLimiter");
      }
      if (redisKeyPrefix != null && !redis) {
        throw new IllegalStateException("redisKeyPrefix is set to '" + redisKeyPrefix + "' but redis is not configured");
      }
      if (redisTimeout != null && !redis) {
        throw new IllegalStateException("redisTimeout is set to " + redisTimeout + " but redis is not configured");
      }
      if (postgresSchema != null && postgresUrl == null && postgresDataSource == null) {
        throw new IllegalStateException("postgresSchema is set to '" + postgresSchema + "' but postgres is not configured");
      }
      if (postgres && namespaces.isEmpty()) {
        throw new IllegalStateException("postgres is configured but no namespace is: the PostgreSQL tier stores namespaces");
      }
      if (warmupPlan != null && namespaces.isEmpty()) {
        throw new IllegalStateException("warmup is set but no namespace is configured");
      }
      if (!namespaces.isEmpty()) {
        // The cache's own checks, run now by the names the builder will give its tiers: after
        // the tiers connected would be too late to be a configuration error.
        List<String> sharedTiers = new ArrayList<>();
        if (redis) {
          sharedTiers.add(TierPart.REDIS);
        }
        if (postgres) {
          sharedTiers.add(TierPart.POSTGRES);
        }
        cacheBuilder().validateFor(sharedTiers);
      }
      Map<String, String> engineBySource = new LinkedHashMap<>();
      for (EngineSpec<?, ?> engine : engines.values()) {
        engine.validate(namespaces);
        String other = engineBySource.putIfAbsent(engine.source().name(), engine.name());
        if (other != null) {
          throw new IllegalStateException("engines '" + other + "' and '" + engine.name() + "' both have a source named '"
              + engine.source().name() + "'; engine meters are tagged by source name, so give each source its own");
        }
      }
      if (postgresFromEnvironment && !postgres) {
        LOG.info("{} is set but no namespace is configured: PostgreSQL stores namespaces, so it is not used",
            Environment.POSTGRES_URL);
      }
    }

    private static void requireUnset(String field, boolean set) {
      if (set) {
        throw new IllegalStateException(field + " was already set");
      }
    }

    private static void requireNew(String field, String name, Map<String, ?> added) {
      if (added.containsKey(name)) {
        throw new IllegalArgumentException(field + " '" + name + "' is added twice");
      }
    }

    private static void requireName(String field, String name) {
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(field + " name must match " + NAME + " but was '" + name + "'");
      }
    }
  }
}
