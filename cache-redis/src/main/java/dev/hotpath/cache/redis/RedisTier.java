package dev.hotpath.cache.redis;

import static java.util.Objects.requireNonNull;

import dev.hotpath.cache.internal.BoundRegistries;
import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.Tier;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The Redis tier of a {@code TieredCache}, over Lettuce: standalone, Sentinel and Cluster through
 * one API, and the {@linkplain #invalidationBus() invalidation bus} that keeps other nodes'
 * in-process copies honest.
 *
 * <pre>{@code
 * RedisTier redis = RedisTier.builder()
 *     .uri("rediss://app:secret@cache.internal:6379")   // TLS and ACL user/password
 *     .keyPrefix("marketdata")
 *     .build();
 * TieredCache cache = TieredCache.builder()
 *     .tier(redis)                 // brings its invalidation bus: no .invalidationBus(...) needed
 *     .namespace(symbols)
 *     .build();
 * }</pre>
 *
 * <p><b>Keys and values.</b> An entry lives under {@code <prefix>:<namespace>:<key>} (in Cluster
 * {@code <prefix>:<namespace>:{hpN}<key>}, see {@link Builder#invalidationLogShards}) with the
 * namespace's TTL set by every write. Values are cache-core's versioned payloads, compressed above
 * {@link Builder#compressAbove}; values over {@link Builder#maxValueSize} are refused with a {@link
 * ValueTooLargeException}. Bytes under a key that are not such a payload are a miss and count as a
 * decode failure. Bulk reads are one MGET (split by slot in Cluster); bulk writes are pipelined
 * scripts.
 *
 * <p><b>Outage.</b> Every call waits at most {@link Builder#commandTimeout}; after {@link
 * Builder#failureThreshold} consecutive failures a circuit opens and calls are refused at once
 * (the cache serves from its other tiers and the loader, and counts skipped writes) until a
 * background probe, every {@link Builder#probeInterval}, finds Redis answering. By default
 * {@link Builder#build()} needs Redis to answer, so that a wrong address fails at start; with
 * {@link Builder#startWithoutRedis} the tier starts with its circuit open and connects in the
 * background.
 *
 * <p><b>Changes made while Redis is unreachable.</b> A put, invalidation or clear that the open
 * circuit refused, or whose write failed or timed out (it may or may not have happened), is
 * remembered by key: up to 10,000 keys per tier; past that, and for a clear, the namespace is
 * remembered whole. When Redis answers, the probe makes each remembered change there before it
 * closes the circuit: the key is deleted with its invalidation record through the same script as
 * any change (a whole namespace is cleared, with a record before and after), so Redis stops serving
 * the old value and every other node drops its copy when its bus reads the record. Values are not
 * kept, so a key put during the outage is a miss afterwards (on other nodes; the writer keeps its
 * L1 copy) rather than the new value. Until its change is made in Redis, a key is never read from
 * Redis by the node that changed it, so a node does not read its own old value back; a change
 * whose write failed with the circuit closed is resent by the bus's next reconcile. What remains:
 * a node that stops before Redis returns takes its remembered changes with it (other nodes keep
 * their copies until their L1 TTL, Redis until its TTL), and {@link RedisTierStats#unsentChanges()}
 * says how many are waiting.
 *
 * <p><b>What invalidation covers.</b> The namespaces whose changes cross nodes are those stored in
 * a tier outside the process (this one, PostgreSQL) and those built with {@code
 * NamespaceSpec.Builder#crossNodeInvalidation()}. Each node's in-process (L1) copies of such a
 * namespace are dropped when:
 *
 * <ul>
 *   <li>any Hotpath cache changes the key through a Redis tier with the same prefix: another
 *       process, or another cache of this JVM sharing this tier (records carry the changing
 *       cache's node id, so only that cache ignores them); this includes changes made while
 *       Redis was unreachable, which are recorded once it answers (see "Changes made while Redis
 *       is unreachable" above). The record is read from the invalidation log, so a message lost
 *       on the channel, a dropped connection or a node that fell behind costs nothing as long as
 *       the log still holds the records ({@link Builder#invalidationLogLength}); when it does
 *       not, the node clears those namespaces (never the ones kept in process only);
 *   <li>for the namespaces given to {@link Builder#trackRedisChanges} (standalone and Sentinel;
 *       none by default), anything else changes the key in Redis: another program's SET, DEL,
 *       EXPIRE or RENAME, the key's expiry, its eviction under {@code maxmemory}; a FLUSHDB or
 *       FLUSHALL clears those namespaces' L1. This is Redis client tracking ({@code CLIENT
 *       TRACKING ON REDIRECT <bus connection> BCAST PREFIX <prefix><namespace>: ... NOLOOP}, Redis 6
 *       or later, RESP3 connections: Lettuce's default); it is re-enabled after either connection
 *       reconnects, and those namespaces' L1 is then cleared on that node, since changes in
 *       between went unreported. A node does not drop what it just wrote itself; for a command
 *       timeout after writing a key, another program's change of that same key may be taken for
 *       the node's own and not reach the writing cache's L1 (see {@code LocalWrites}).
 * </ul>
 *
 * <p>Not covered, where a changed key's L1 copy lives until its own L1 TTL (keep L1 TTLs at or
 * below the Redis TTL for that reason): changes by other programs, expiries and evictions of the
 * namespaces not given to {@link Builder#trackRedisChanges}; all of those in Redis Cluster
 * (tracking is per cluster node, and the tier does not follow the topology with one tracking
 * connection per master); and all of those when the server is older than Redis 6, refuses {@code
 * CLIENT TRACKING} to the ACL user, or a host's client is configured for RESP2 (logged once at
 * INFO). The changes of a namespace kept in process only, without {@code crossNodeInvalidation()},
 * reach this node's invalidation listeners and no other node: they cost no Redis command.
 *
 * <p><b>Sharing the host's client.</b> The tier takes a Lettuce client, never a connection: give
 * {@link Builder#client} the {@link RedisClient} or {@link RedisClusterClient} the host already
 * uses, and the host and every tier built from it share one set of threads, event loops and
 * options. Each tier opens its own connections from the client (its command connection, with a
 * byte-array codec, and its bus's channel connection): client tracking is state of the command
 * connection and must not change what the host's own commands report. Closing the tier closes
 * those connections and leaves the client to the host.
 *
 * <p><b>Fills.</b> Values a read found in a lower tier or loaded from the source are stored with
 * {@code NamespaceStore#fill}: without an invalidation record, only where the key is empty, and only
 * when no invalidation of the key is in the log that this node has not yet been handed; see
 * {@code RedisTierStore} for the race this closes and what remains.
 *
 * <p><b>Sharing the tier.</b> Several caches of one JVM may share one tier (and so its connections
 * and its bus; their records carry each cache's own node id). Give it to each with {@code
 * TieredCache.Builder#sharedTier}, which leaves it open when a cache closes, and close the tier
 * after the last of them; a tier given with {@code TieredCache.Builder#tier} is closed by that
 * cache and belongs to it alone.
 *
 * <p>Thread-safe. {@link #close()} closes what the tier opened (its connections, its bus, and its
 * client when it created one) but never a client the host passed in.
 */
public final class RedisTier implements Tier, MeterBinder {
  /** The tier's default name, used in TTL profiles ({@code TtlProfile.Builder#tier}) and stats. */
  public static final String DEFAULT_NAME = "redis";

  private final String name;
  private final RedisLink link;
  private final ValueEnvelope envelope;
  private final RedisInvalidationBus bus;
  private final String description;
  private final BoundRegistries boundTo = new BoundRegistries();

  private RedisTier(Builder b, RedisLink link) {
    this.name = b.name != null ? b.name : DEFAULT_NAME;
    this.link = link;
    this.envelope = new ValueEnvelope(b.compressAbove == null ? 0 : b.compressAbove, b.maxValueSize);
    this.bus = new RedisInvalidationBus(link, Checks.saturatedNanos(b.reconcileInterval), b.busInboxCapacity);
    this.description = b.describe();
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * Opens the namespace and makes this tier's writes record its invalidations (see {@link
   * RedisInvalidationBus}), attributed to {@code binding.nodeId()}.
   */
  @Override
  public <K, V> NamespaceStore<K, V> open(NamespaceContext<K, V> binding) {
    requireNonNull(binding, "binding");
    link.recordsNamespace(binding.namespace());
    return new RedisTierStore<>(link, binding, envelope);
  }

  /**
   * The invalidation bus of this tier's nodes; the same instance on every call. A cache built with
   * this tier uses it without being told (see {@link Tier#invalidationBus()}). The bus is the
   * tier's: {@link #close()} closes it, a cache never does.
   */
  @Override
  public RedisInvalidationBus invalidationBus() {
    return bus;
  }

  /**
   * This tier's own id: in its toString and logs. Invalidation records carry the id of the cache
   * that opened the namespace ({@code NamespaceContext#nodeId()}) instead, since several caches may
   * share one tier.
   */
  public String nodeId() {
    return link.nodeId;
  }

  /** Whether calls are refused now because Redis did not answer; it closes by itself. */
  public boolean isCircuitOpen() {
    return link.breaker.isOpen();
  }

  /** For tests in this package: the connection state the tier's stores share. */
  RedisLink link() {
    return link;
  }

  /** Counters of the tier and its bus. */
  public RedisTierStats stats() {
    RedisInvalidationBus.RedisBusCounters bc = bus.counters();
    return new RedisTierStats(
        link.breaker.isOpen(),
        link.breaker.timesOpened(),
        link.failures.sum(),
        link.rejected.sum(),
        link.skippedWrites.sum(),
        link.skippedFills.sum(),
        bc.received(),
        bc.readFromLog(),
        bc.changedInRedis(),
        bc.possiblyLost(),
        bc.publishFailures(),
        link.unsent.size());
  }

  /**
   * Registers {@code hotpath.redis.*} meters tagged {@code tier=<name>} (never with a URL or
   * password): circuit state, failures, rejected calls, skipped writes and fills, changes waiting
   * to be resent, and the bus's counters.
   *
   * <p>Once per registry: binding to a registry this tier is bound to already registers nothing,
   * so several caches that share this tier may each bind it; binding to another registry registers
   * there too. Thread-safe.
   *
   * @throws NullPointerException if registry is null
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    boundTo.bindOnce(registry, this::register);
  }

  private void register(MeterRegistry registry) {
    Gauge.builder("hotpath.redis.circuit.open", this, t -> t.isCircuitOpen() ? 1 : 0)
        .tag("tier", name)
        .description("1 while the circuit is open and Redis calls are refused")
        .register(registry);
    counter(registry, "hotpath.redis.failures", s -> s.failures());
    counter(registry, "hotpath.redis.rejected", s -> s.rejected());
    counter(registry, "hotpath.redis.writes.skipped", s -> s.skippedWrites());
    counter(registry, "hotpath.redis.fills.skipped", s -> s.skippedFills());
    counter(registry, "hotpath.redis.invalidation.received", s -> s.messagesReceived());
    counter(registry, "hotpath.redis.invalidation.log.reads", s -> s.recordsReadFromLog());
    counter(registry, "hotpath.redis.invalidation.changed.in.redis", s -> s.keysChangedInRedis());
    counter(registry, "hotpath.redis.invalidation.lost", s -> s.eventsPossiblyLost());
    Gauge.builder("hotpath.redis.writes.unsent", this, t -> t.link.unsent.size())
        .tag("tier", name)
        .description("changes not yet made in Redis; resent before reads from Redis resume")
        .register(registry);
  }

  private void counter(MeterRegistry registry, String meter, ToDoubleFunction<RedisTierStats> f) {
    FunctionCounter.builder(meter, this, t -> f.applyAsDouble(t.stats())).tag("tier", name).register(registry);
  }

  /**
   * Closes the bus and what the tier opened (never the host's client). Waits for a
   * background call already running (at most its command or connect timeout, 10 s at the most).
   * Idempotent; never throws.
   */
  @Override
  public void close() {
    bus.close();
    link.close();
  }

  @Override
  public String toString() {
    return "RedisTier[" + name + ", " + description + ", prefix=" + link.layout.prefix() + ", node="
        + link.nodeId + "]";
  }

  /**
   * Builds a {@link RedisTier}. Set one source: {@link #uri} or {@link #clusterUris}, or a host's
   * {@link #client} (for a standalone or Sentinel client, optionally with the {@link #uri} to
   * connect to). Each setter may be called once ({@link IllegalStateException} otherwise). Not
   * thread-safe; {@link #build()} may be called again.
   */
  public static final class Builder {
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
    /** cache-core's namespace names. */
    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private String name;
    private RedisURI uri;
    private List<RedisURI> clusterUris;
    private RedisClient client;
    private RedisClusterClient clusterClient;
    private String keyPrefix;
    private String nodeId;
    private Duration commandTimeout;
    private Integer failureThreshold;
    private Duration probeInterval;
    private Integer compressAbove;
    private Integer maxValueSizeSet;
    private int maxValueSize = 1024 * 1024;
    private Integer logLength;
    private Integer logShards;
    private Duration reconcileInterval = Duration.ofSeconds(1);
    private boolean reconcileSet;
    private Boolean startWithoutRedis;
    private Set<String> trackedNamespaces;
    int busInboxCapacity = BusInbox.DEFAULT_CAPACITY;

    private Builder() {}

    /** The tier's name in TTL profiles and stats; default {@value #DEFAULT_NAME}. */
    public Builder name(String name) {
      Checks.unset(this.name, "name");
      requireNonNull(name, "name");
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("name must match " + NAME + " but was '" + name + "'");
      }
      this.name = name;
      return this;
    }

    /**
     * A standalone or Sentinel server, as a URL: {@code redis://[[user]:password@]host[:port][/db]},
     * {@code rediss://} for TLS, {@code redis-sentinel://[:password@]host1[:port],host2/db?sentinelMasterId=m},
     * {@code redis-socket:///path}. Parsed and checked now: a host and, when given, a port in
     * 1..65535 (Lettuce alone would take {@code host:notaport} for a host name and fail only at
     * {@link #build()}).
     *
     * @throws IllegalArgumentException when the URL does not parse or names no usable server; the
     *     message shows the URL with its password masked
     * @throws IllegalStateException when a URI was set already
     */
    public Builder uri(String url) {
      requireNonNull(url, "uri");
      Checks.unset(this.uri, "uri");
      return uri(RedisUris.parse(url, "uri"));
    }

    /**
     * A standalone or Sentinel server; TLS, user and password as set on {@code uri}. Copied, and
     * checked as {@link #uri(String)} checks a URL.
     *
     * @throws IllegalArgumentException when it names no usable server (no host, a host that is no
     *     host name or IP address, a port outside 1..65535)
     * @throws IllegalStateException when a URI was set already
     */
    public Builder uri(RedisURI uri) {
      requireNonNull(uri, "uri");
      Checks.unset(this.uri, "uri");
      this.uri = RedisUris.check(RedisUris.copy(uri), "uri");
      return this;
    }

    /**
     * The seed nodes of a Redis Cluster, each checked as {@link #uri(RedisURI)} checks its URI.
     *
     * @throws IllegalArgumentException when none is given or one names no usable server (the
     *     message names its index)
     * @throws IllegalStateException when seeds were set already
     */
    public Builder clusterUris(RedisURI... seeds) {
      requireNonNull(seeds, "clusterUris");
      Checks.unset(this.clusterUris, "clusterUris");
      if (seeds.length == 0) {
        throw new IllegalArgumentException("clusterUris must name at least one node but was empty");
      }
      List<RedisURI> copies = new ArrayList<>();
      for (int i = 0; i < seeds.length; i++) {
        RedisURI seed = requireNonNull(seeds[i], "clusterUris element");
        copies.add(RedisUris.check(RedisUris.copy(seed), "clusterUris[" + i + "]"));
      }
      this.clusterUris = List.copyOf(copies);
      return this;
    }

    /**
     * A host's client to open the tier's connections from (sharing its threads and resources); one
     * client may serve the host and several tiers. The tier connects to {@link #uri} when set, else
     * to the client's own URI, with the client's options. The tier does not close the client.
     */
    public Builder client(RedisClient client) {
      requireNonNull(client, "client");
      Checks.unset(this.client, "client");
      this.client = client;
      return this;
    }

    /** A host's cluster client to open the tier's connections from. The tier does not close it. */
    public Builder client(RedisClusterClient client) {
      requireNonNull(client, "client");
      Checks.unset(this.clusterClient, "client");
      this.clusterClient = client;
      return this;
    }

    /**
     * The prefix of every key the tier writes; 1 to 128 of {@code [A-Za-z0-9_.:-]}, a {@code ':'}
     * is appended when missing. Default {@code "hotpath:"}. Give each application its own; a prefix
     * must not be another's prefix followed by a namespace name.
     */
    public Builder keyPrefix(String prefix) {
      requireNonNull(prefix, "keyPrefix");
      Checks.unset(this.keyPrefix, "keyPrefix");
      if (!PREFIX.matcher(prefix).matches() || prefix.startsWith(":")) {
        throw new IllegalArgumentException(
            "keyPrefix must be 1 to 128 of [A-Za-z0-9_.:-], not starting with ':', but was '" + prefix + "'");
      }
      this.keyPrefix = prefix.endsWith(":") ? prefix : prefix + ":";
      return this;
    }

    /** This node's id in invalidation records; default a random UUID. Must differ between nodes. */
    public Builder nodeId(String nodeId) {
      Checks.unset(this.nodeId, "nodeId");
      requireNonNull(nodeId, "nodeId");
      if (nodeId.isBlank()) {
        throw new IllegalArgumentException("nodeId must not be blank but was '" + nodeId + "'");
      }
      this.nodeId = nodeId;
      return this;
    }

    /** The longest a caller waits for one Redis call (or one pipeline); default 250 ms. */
    public Builder commandTimeout(Duration timeout) {
      Checks.unset(this.commandTimeout, "commandTimeout");
      this.commandTimeout = Checks.positive(timeout, "commandTimeout");
      return this;
    }

    /** Consecutive failures that open the circuit; default 3. */
    public Builder failureThreshold(int failures) {
      Checks.unset(this.failureThreshold, "failureThreshold");
      this.failureThreshold = Checks.positive(failures, "failureThreshold");
      return this;
    }

    /** How often an open circuit probes Redis (PING) to close again; default 500 ms. */
    public Builder probeInterval(Duration interval) {
      Checks.unset(this.probeInterval, "probeInterval");
      this.probeInterval = Checks.positive(interval, "probeInterval");
      return this;
    }

    /**
     * Whether {@link #build()} succeeds while Redis is unreachable; default false (it throws, so
     * that a wrong address or a missing server is seen at start). When true, an unreachable server
     * at build is an outage like any other: the tier starts with its circuit open (reads are
     * misses, writes are skipped and counted), connects in the background every {@link
     * #probeInterval}, and once connected reconciles this node's in-process copies. A server that
     * answers with an error (a wrong password, say) still fails the build.
     */
    public Builder startWithoutRedis(boolean allowed) {
      Checks.unset(this.startWithoutRedis, "startWithoutRedis");
      this.startWithoutRedis = allowed;
      return this;
    }

    /** Compresses (DEFLATE) payloads of at least {@code bytes}; default: never. */
    public Builder compressAbove(int bytes) {
      Checks.unset(this.compressAbove, "compressAbove");
      this.compressAbove = Checks.positive(bytes, "compressAbove");
      return this;
    }

    /** The largest encoded payload (before compression) the tier stores; default 1 MiB. */
    public Builder maxValueSize(int bytes) {
      Checks.unset(this.maxValueSizeSet, "maxValueSize");
      this.maxValueSize = Checks.positive(bytes, "maxValueSize");
      this.maxValueSizeSet = bytes;
      return this;
    }

    /**
     * Records each log shard keeps (approximately: trimmed with {@code MAXLEN ~}); default 10 000.
     * A node disconnected for longer than that many changes clears the in-process entries of its
     * namespaces that cross nodes instead of replaying them. A record names at most 256 keys and 16
     * KiB of them (a change of more is split over several records, and a single key longer than
     * that is recorded as a change of its whole namespace), so a shard takes at most about {@code
     * records × 18 KiB} of Redis memory whatever the keys; with keys of a typical few dozen bytes,
     * a few hundred bytes per record.
     */
    public Builder invalidationLogLength(int records) {
      Checks.unset(this.logLength, "invalidationLogLength");
      this.logLength = Checks.positive(records, "invalidationLogLength");
      return this;
    }

    /**
     * Cluster only: how many logs (each in a hash slot of its own) the invalidation log is split
     * into, and so how many slots the entries are spread over; default 64. Every node of a
     * deployment must use the same value. Standalone and Sentinel use one log.
     */
    public Builder invalidationLogShards(int shards) {
      Checks.unset(this.logShards, "invalidationLogShards");
      this.logShards = Checks.positive(shards, "invalidationLogShards");
      return this;
    }

    /**
     * How often the bus compares its position with the log, the bound on staleness when a channel
     * message is lost without a disconnect; default 1 s.
     */
    public Builder reconcileInterval(Duration interval) {
      if (reconcileSet) {
        throw new IllegalStateException("reconcileInterval was already set");
      }
      this.reconcileInterval = Checks.positive(interval, "reconcileInterval");
      reconcileSet = true;
      return this;
    }

    /**
     * Asks Redis to report every change to these namespaces' keys that this tier did not make (a
     * SET, DEL, EXPIRE or RENAME by another program, the key's expiry, its eviction under {@code
     * maxmemory}), so that every node drops its in-process copy at once instead of keeping it until
     * its L1 TTL; default: no namespace. Standalone and Sentinel only (see "What invalidation
     * covers" on {@link RedisTier}).
     *
     * <p>It costs: Redis client tracking ({@code CLIENT TRACKING ... BCAST PREFIX} with one prefix
     * per namespace) on the tier's command connection, one report per change of such a key
     * delivered to every node (Hotpath's own changes included, which the writer recognises as its
     * own), and, whenever either of the tier's connections is re-established, the in-process
     * entries of these namespaces on that node, since changes made meanwhile went unreported.
     * Changes made through Hotpath reach other nodes through the invalidation log without it.
     *
     * @param namespaces names as registered with the cache; at least one
     * @throws IllegalArgumentException when a name is not a namespace name, or none is given
     */
    public Builder trackRedisChanges(String... namespaces) {
      requireNonNull(namespaces, "trackRedisChanges");
      Checks.unset(this.trackedNamespaces, "trackRedisChanges");
      if (namespaces.length == 0) {
        throw new IllegalArgumentException("trackRedisChanges must name at least one namespace but was empty");
      }
      Set<String> names = new TreeSet<>();
      for (String namespace : namespaces) {
        requireNonNull(namespace, "trackRedisChanges element");
        if (!NAMESPACE.matcher(namespace).matches()) {
          throw new IllegalArgumentException(
              "trackRedisChanges names must match " + NAMESPACE + " but was '" + namespace + "'");
        }
        names.add(namespace);
      }
      this.trackedNamespaces = Set.copyOf(names);
      return this;
    }

    /** How much work may wait for the bus thread (see {@link BusInbox}); for tests of its overflow. */
    Builder busInboxCapacity(int items) {
      this.busInboxCapacity = Checks.positive(items, "busInboxCapacity");
      return this;
    }

    /**
     * Connects and returns the tier.
     *
     * @throws IllegalStateException when no source or more than one was set, or a setting does not
     *     apply to the source (shards for a standalone server)
     * @throws RedisTierException when Redis refuses the connection (a wrong password, say) or, unless
     *     {@link #startWithoutRedis}, cannot be reached now; the message names the server, never the
     *     password
     */
    public RedisTier build() {
      boolean standalone = uri != null || client != null;
      boolean cluster = clusterUris != null || clusterClient != null;
      if (!standalone && !cluster) {
        throw new IllegalStateException("no Redis source: set uri, clusterUris or client");
      }
      if (standalone && cluster) {
        throw new IllegalStateException("both a standalone and a cluster source are set; set one");
      }
      if (clusterUris != null && clusterClient != null) {
        throw new IllegalStateException("clusterUris and a cluster client are both set; set one");
      }
      if (!cluster && logShards != null) {
        throw new IllegalStateException(
            "invalidationLogShards applies to Redis Cluster only but was set to " + logShards + " for a standalone source");
      }
      if (cluster && trackedNamespaces != null) {
        throw new IllegalStateException(
            "trackRedisChanges applies to standalone and Sentinel only but was set to " + trackedNamespaces
                + " for a cluster source");
      }
      Duration timeout = commandTimeout != null ? commandTimeout : Duration.ofMillis(250);
      int shards = cluster ? (logShards != null ? logShards : 64) : 1;
      KeyLayout layout = new KeyLayout(keyPrefix != null ? keyPrefix : "hotpath:", cluster, shards);
      List<AutoCloseable> owned = new ArrayList<>();
      RedisLink link = null;
      try {
        RedisConnector connector =
            cluster
                ? RedisConnector.cluster(clusterClient, clusterUris, timeout, owned)
                : RedisConnector.standalone(client, uri, timeout, owned);
        link = link(connector, owned, layout, timeout);
        try {
          link.connect();
        } catch (RedisConnectionException e) {
          if (!Boolean.TRUE.equals(startWithoutRedis) || RedisLink.refusedByServer(e)) {
            throw e;
          }
          link.connectInBackground(e);
        }
        RedisTier tier = new RedisTier(this, link);
        tier.bus.start();
        return tier;
      } catch (RuntimeException e) {
        if (link != null) {
          link.close();
        } else {
          for (int i = owned.size() - 1; i >= 0; i--) {
            try {
              owned.get(i).close();
            } catch (Exception suppressed) {
              e.addSuppressed(suppressed);
            }
          }
        }
        if (e instanceof io.lettuce.core.RedisException) {
          throw new RedisTierException("could not start the Redis tier on " + describe() + ": " + whyNotStarted(e), e);
        }
        throw e;
      }
    }

    /** Why connecting failed, saying plainly when the server refused the login (never the password). */
    private String whyNotStarted(RuntimeException e) {
      String refusal = RedisLink.serverRefusal(e);
      if (refusal != null) {
        return RedisLink.describeRefusal(refusal, RedisUris.user(clusterUris != null ? clusterUris.get(0) : uri));
      }
      return e.getMessage()
          + (Boolean.TRUE.equals(startWithoutRedis)
              ? ""
              : " (Redis must answer at build() unless startWithoutRedis(true); once built, the tier rides out outages)");
    }

    private RedisLink link(RedisConnector connector, List<AutoCloseable> owned, KeyLayout layout, Duration timeout) {
      return new RedisLink(
          connector,
          owned,
          layout,
          nodeId != null ? nodeId : UUID.randomUUID().toString(),
          "Redis tier '" + (name != null ? name : DEFAULT_NAME) + "' (" + describe() + ")",
          Checks.saturatedNanos(timeout),
          failureThreshold != null ? failureThreshold : 3,
          Checks.saturatedNanos(probeInterval != null ? probeInterval : Duration.ofMillis(500)),
          logLength != null ? logLength : 10_000,
          trackedNamespaces != null ? trackedNamespaces : Set.of());
    }

    /** Where the tier connects, for logs and toString: hosts, TLS and Sentinel master; never credentials. */
    String describe() {
      if (clusterUris != null) {
        return "cluster " + clusterUris.stream().map(Builder::hostAndPort).collect(Collectors.joining(","));
      }
      if (uri != null) {
        if (!uri.getSentinels().isEmpty()) {
          return "sentinel " + uri.getSentinels().stream().map(Builder::hostAndPort).collect(Collectors.joining(","))
              + " master " + uri.getSentinelMasterId();
        }
        return (uri.isSsl() ? "rediss://" : "redis://") + hostAndPort(uri) + "/" + uri.getDatabase();
      }
      return (clusterClient != null ? "cluster" : "standalone") + " via host's client";
    }

    private static String hostAndPort(RedisURI u) {
      return (u.getHost() == null ? u.getSocket() : u.getHost()) + ":" + u.getPort();
    }

    @Override
    public String toString() {
      return "RedisTier.Builder[" + (name != null ? name : DEFAULT_NAME) + ", "
          + (uri == null && clusterUris == null ? "no uri" : describe())
          + ", prefix=" + keyPrefix + "]";
    }

  }
}
