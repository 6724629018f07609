package dev.hotpath.cache;

import dev.hotpath.cache.internal.BoundRegistries;
import dev.hotpath.cache.spi.Tier;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tiered cache: named, typed {@linkplain Namespace namespaces} over an in-process tier
 * (Caffeine) and, optionally, shared tiers such as Redis and PostgreSQL, with an invalidation bus
 * that keeps the in-process copies of several nodes honest.
 *
 * <pre>{@code
 * NamespaceSpec<String, String> symbols =
 *     NamespaceSpec.builder("symbols", String.class, String.class)
 *         .ttl(TtlProfile.SYMBOL_CONFIG)
 *         .loader(symbol -> database.symbolConfig(symbol))
 *         .build();
 * try (TieredCache cache = TieredCache.builder().namespace(symbols).build()) {
 *   String config = cache.namespace(symbols).get("BTCUSDT");
 * }
 * }</pre>
 *
 * <p><b>Who closes what.</b> The code that creates a tier or a bus closes it. Giving one to {@link
 * Builder#tier} or {@link Builder#invalidationBus} hands that duty to the cache: {@link #close()}
 * closes it (the usual case, a tier built for one cache). A tier or bus several caches share, or
 * that its creator closes itself, is lent instead with {@link Builder#sharedTier} or {@link
 * Builder#sharedInvalidationBus}: the cache uses it and leaves it open, and its creator closes it
 * after the last cache using it. A bus a tier brings (see {@link Tier#invalidationBus()}) is the
 * tier's: the tier closes it, never a cache. What the cache creates itself (its default in-process
 * bus, its threads) it closes.
 *
 * <p>Thread-safe. {@link #close()} flushes write-behind buffers, stops the cache's threads and
 * closes the tiers and bus it was handed.
 */
public final class TieredCache implements AutoCloseable, MeterBinder {
  private static final Logger LOG = LoggerFactory.getLogger(TieredCache.class);
  private static final int DEFAULT_LOAD_THREADS = 64;
  private static final int DEFAULT_LOAD_QUEUE = 4_096;

  private final Runtime runtime;
  private final List<Tier> sharedTiers;
  /** The tiers given with {@link Builder#tier}: this cache closes them. */
  private final List<Tier> ownedTiers;
  private final Map<String, TieredNamespace<?, ?>> namespaces;
  private final Subscription subscription;
  private final WarmupPlan warmupPlan;
  private final AlertMonitor alerts;
  private final LoadExecutor ownedExecutor;
  /** Whether {@link #close()} closes the bus: not one a tier brought, nor one lent to the cache. */
  private final boolean ownsBus;
  private final BoundRegistries boundTo = new BoundRegistries();
  private final java.util.concurrent.atomic.AtomicBoolean warmupScheduled =
      new java.util.concurrent.atomic.AtomicBoolean();

  private TieredCache(Builder b, LoadExecutor ownedExecutor, ScheduledThreadPoolExecutor scheduler) {
    this.ownedExecutor = ownedExecutor;
    Executor executor = b.executor != null ? b.executor : ownedExecutor;
    String nodeId = b.nodeId != null ? b.nodeId : UUID.randomUUID().toString();
    InvalidationBus bus = b.chosenBus();
    this.ownsBus = !b.busLent && b.tiers.stream().noneMatch(t -> t.invalidationBus() == bus);
    Ticker ticker = b.ticker != null ? b.ticker : Ticker.system();
    this.runtime = new Runtime(nodeId, bus, ticker, executor, scheduler);
    this.sharedTiers = List.copyOf(b.tiers);
    this.ownedTiers = b.tiers.stream().filter(t -> !b.lentTiers.contains(t)).toList();
    // Caffeine's own upkeep (eviction, expiry) must not queue behind blocked loads in the bounded
    // pool, nor take the places of loads in its queue: with the cache's pool it gets Caffeine's
    // default, the common pool. A host's executor serves both, as the host asked.
    MemoryTier memory = new MemoryTier(ticker, b.executor != null ? b.executor : ForkJoinPool.commonPool());
    Map<String, TieredNamespace<?, ?>> built = new LinkedHashMap<>();
    for (NamespaceSpec<?, ?> spec : b.namespaces.values()) {
      built.put(spec.name(), new TieredNamespace<>(spec, memory, sharedTiers, runtime));
    }
    this.namespaces = built;
    this.subscription = bus.subscribe(new Dispatcher());
    this.warmupPlan = b.warmup;
    this.alerts = new AlertMonitor(
        this, b.alertPolicy != null ? b.alertPolicy : AlertPolicy.defaults(), b.alertListeners, scheduler);
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The namespace {@code spec} was registered with: the typed way in.
   *
   * @throws IllegalArgumentException when no namespace of that name was registered, or it was
   *     registered with other key or value types
   * @throws NullPointerException if {@code spec} is null
   */
  @SuppressWarnings("unchecked")
  public <K, V> Namespace<K, V> namespace(NamespaceSpec<K, V> spec) {
    Objects.requireNonNull(spec, "spec");
    TieredNamespace<?, ?> ns = registered(spec.name());
    NamespaceSpec<?, ?> held = ns.spec();
    if (!held.keyType().equals(spec.keyType()) || !held.valueType().equals(spec.valueType())) {
      throw new IllegalArgumentException(
          "namespace '" + spec.name() + "' holds " + held.keyType() + " -> " + held.valueType()
              + ", not " + spec.keyType() + " -> " + spec.valueType());
    }
    return (Namespace<K, V>) ns;
  }

  /**
   * The registered namespace {@code name}, with its types unknown to the compiler. Use {@link
   * #namespace(NamespaceSpec)} to read and write with types; this is for tools that list or
   * invalidate namespaces by name.
   *
   * @throws IllegalArgumentException when there is no such namespace
   * @throws NullPointerException if {@code name} is null
   */
  public Namespace<?, ?> namespace(String name) {
    return registered(Objects.requireNonNull(name, "name"));
  }

  private TieredNamespace<?, ?> registered(String name) {
    TieredNamespace<?, ?> ns = namespaces.get(name);
    if (ns == null) {
      throw new IllegalArgumentException("no namespace '" + name + "'; registered: " + namespaces.keySet());
    }
    return ns;
  }

  /** Every namespace, in registration order. Unmodifiable. */
  public Collection<Namespace<?, ?>> namespaces() {
    return List.copyOf(namespaces.values());
  }

  /** Stats of every namespace, in registration order. */
  public List<NamespaceStats> stats() {
    List<NamespaceStats> all = new ArrayList<>(namespaces.size());
    namespaces.values().forEach(ns -> all.add(ns.stats()));
    return all;
  }

  /** This cache instance's id on the invalidation bus. */
  public String nodeId() {
    return runtime.nodeId;
  }

  /** The names of the tiers, in process first. */
  public List<String> tierNames() {
    List<String> names = new ArrayList<>();
    names.add(MemoryTier.NAME);
    sharedTiers.forEach(t -> names.add(t.name()));
    return names;
  }

  /**
   * Subscribes {@code listener} to every invalidation event on the bus, this node's and others',
   * delivered on the bus's thread (see {@link InvalidationListener}). This node's changes of a
   * namespace kept in process only reach it too, through {@link InvalidationBus#publishLocally}.
   * Close the handle to unsubscribe.
   */
  public Subscription addInvalidationListener(InvalidationListener listener) {
    return runtime.bus.subscribe(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Runs the warmup plan given to the builder now, blocking until every strategy finished or the
   * plan's deadline passed and the strategies it cut off stopped (see {@link WarmupStrategy}). The
   * first call also schedules the plan's repetition when it has an interval. With no plan, returns
   * an empty report.
   *
   * @throws IllegalStateException when the cache is closed
   */
  public WarmupReport warmUp() {
    checkOpen();
    if (warmupPlan == null) {
      return new WarmupReport(List.of(), java.time.Duration.ZERO);
    }
    WarmupRun run = new WarmupRun(warmupPlan, this, runtime.scheduler);
    WarmupReport report = run.run();
    if (warmupPlan.repeatEvery() != null && warmupScheduled.compareAndSet(false, true)) {
      run.schedule();
    }
    return report;
  }

  /**
   * The health found by the latest alert evaluation (they run every {@link AlertPolicy#interval()}
   * on the cache's scheduler); {@link CacheHealth.Status#UP} before the first. Cheap: health
   * probes may call it as often as they like without changing the evaluation window.
   */
  public CacheHealth health() {
    return alerts.last();
  }

  /**
   * Evaluates the alert thresholds now, over the reads since the previous evaluation, notifies
   * listeners in this thread, and returns the resulting health. Starts a new window: calling it
   * often shrinks the windows the scheduled evaluations see.
   */
  public CacheHealth evaluateAlerts() {
    return alerts.evaluate();
  }

  /**
   * Publishes this cache's meters to {@code registry}: every namespace's under Micrometer's cache
   * names ({@code cache.gets}, {@code cache.puts}, {@code cache.evictions}, {@code cache.size},
   * {@code cache.load}, tagged {@code cache=<namespace>}), Hotpath's own under {@code
   * hotpath.cache.*}, and the meters of every shared tier (see {@link Tier#bindTo}). Meters read
   * the cache's counters when scraped, so reads pay nothing for them.
   *
   * <p>Once per registry: binding to a registry this cache is bound to already registers nothing;
   * binding to another registry registers there too. A tier that several caches share and bind to
   * one registry has its meters registered there once (Hotpath's tiers remember their registries).
   * The cache meters are tagged by namespace name only: two caches bound to one registry need
   * distinct names, or the second's namespace is not counted there (a warning says which).
   * Thread-safe.
   *
   * @throws NullPointerException if {@code registry} is null
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    boundTo.bindOnce(registry, r -> {
      CacheMeters.bind(this, r);
      sharedTiers.forEach(tier -> tier.bindTo(r));
    });
  }

  Runtime runtime() {
    return runtime;
  }

  /** The pool the cache owns for loads, or null when the host gave an executor. */
  LoadExecutor loadExecutor() {
    return ownedExecutor;
  }

  Collection<TieredNamespace<?, ?>> tieredNamespaces() {
    return namespaces.values();
  }

  private void checkOpen() {
    if (runtime.closed) {
      throw new IllegalStateException("the cache is closed");
    }
  }

  /**
   * Flushes write-behind buffers (within each one's close timeout), then stops the cache's threads
   * and closes the bus and the tiers the cache was handed (never those lent with {@link
   * Builder#sharedTier} or {@link Builder#sharedInvalidationBus}, nor a tier's own bus; see the
   * class comment). Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (runtime.closed) {
        return;
      }
      runtime.closed = true;
    }
    for (TieredNamespace<?, ?> ns : namespaces.values()) {
      try {
        ns.close();
      } catch (RuntimeException e) {
        LOG.error("closing namespace '{}' failed", ns.name(), e);
      }
    }
    closeQuietly(subscription);
    runtime.scheduler.shutdownNow();
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
    if (ownsBus) {
      closeQuietly(runtime.bus);
    }
    ownedTiers.forEach(TieredCache::closeQuietly);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      LOG.warn("closing {} failed", closeable, e);
    }
  }

  static ThreadFactory daemon(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread t = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public String toString() {
    return "TieredCache[node=" + runtime.nodeId + ", tiers=" + tierNames() + ", namespaces="
        + namespaces.keySet() + "]";
  }

  /** Routes bus events to the namespaces of this cache. */
  private final class Dispatcher implements InvalidationListener {
    @Override
    public void onInvalidation(InvalidationEvent event) {
      TieredNamespace<?, ?> ns = namespaces.get(event.namespace());
      if (ns != null) {
        ns.onInvalidation(event);
      }
    }

    /** Lost events can only be of namespaces other nodes publish: those that cross nodes. */
    @Override
    public void onEventsPossiblyLost() {
      List<String> cleared = new ArrayList<>();
      for (TieredNamespace<?, ?> ns : namespaces.values()) {
        if (ns.crossesNodes()) {
          ns.onEventsPossiblyLost();
          cleared.add(ns.name());
        }
      }
      LOG.warn("invalidation events may have been lost; cleared the in-process entries of {}", cleared);
    }

    @Override
    public void onEventsPossiblyLost(Set<String> lost) {
      List<String> cleared = new ArrayList<>();
      for (String name : lost) {
        TieredNamespace<?, ?> ns = namespaces.get(name);
        if (ns != null) {
          ns.onEventsPossiblyLost();
          cleared.add(name);
        }
      }
      if (!cleared.isEmpty()) {
        LOG.warn("invalidation events of {} may have been lost; cleared their in-process entries", cleared);
      }
    }
  }

  static final class Runtime implements CacheRuntime {
    final String nodeId;
    final InvalidationBus bus;
    final Ticker ticker;
    final Executor executor;
    final ScheduledExecutorService scheduler;
    volatile boolean closed;

    Runtime(String nodeId, InvalidationBus bus, Ticker ticker, Executor executor, ScheduledExecutorService scheduler) {
      this.nodeId = nodeId;
      this.bus = bus;
      this.ticker = ticker;
      this.executor = executor;
      this.scheduler = scheduler;
    }

    @Override
    public String nodeId() {
      return nodeId;
    }

    @Override
    public InvalidationBus bus() {
      return bus;
    }

    @Override
    public Ticker ticker() {
      return ticker;
    }

    @Override
    public Executor executor() {
      return executor;
    }

    @Override
    public ScheduledExecutorService scheduler() {
      return scheduler;
    }

    @Override
    public boolean isClosed() {
      return closed;
    }
  }

  /**
   * Builds a {@link TieredCache}. Every setter may be called once ({@link IllegalStateException}
   * otherwise); {@link #tier}, {@link #namespace} and {@link #alertListener} add one item per call.
   * Not thread-safe.
   */
  public static final class Builder {
    private final List<Tier> tiers = new ArrayList<>();
    /** The tiers of {@link #tiers} given with {@link #sharedTier}, by identity. */
    private final Set<Tier> lentTiers = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<String, NamespaceSpec<?, ?>> namespaces = new LinkedHashMap<>();
    private InvalidationBus bus;
    private boolean busLent;
    private Executor executor;
    private Integer loadThreads;
    private Integer loadQueueCapacity;
    private Ticker ticker;
    private String nodeId;
    private WarmupPlan warmup;
    private AlertPolicy alertPolicy;
    private final List<AlertListener> alertListeners = new ArrayList<>();

    private Builder() {}

    /**
     * Adds a tier outside the process after the in-process one and the tiers added before it, and
     * hands it over: the cache closes it on {@link TieredCache#close()}. For a tier other caches
     * share, use {@link #sharedTier}.
     *
     * @throws IllegalArgumentException when a tier of that name was added already
     */
    public Builder tier(Tier tier) {
      add(tier, "tier");
      return this;
    }

    /**
     * Adds a tier like {@link #tier} but lends it: the cache uses it and never closes it. For a
     * tier several caches share, or one whose creator closes it itself; close it after the last
     * cache using it. A bus the tier brings is used as with {@link #tier}, and stays the tier's.
     *
     * @throws IllegalArgumentException when a tier of that name was added already
     */
    public Builder sharedTier(Tier tier) {
      lentTiers.add(add(tier, "sharedTier"));
      return this;
    }

    private Tier add(Tier tier, String field) {
      Objects.requireNonNull(tier, field);
      String name = Objects.requireNonNull(tier.name(), field + ".name()");
      if (name.equals(MemoryTier.NAME) || tiers.stream().anyMatch(t -> t.name().equals(name))) {
        throw new IllegalArgumentException("tier '" + name + "' is already part of the cache");
      }
      tiers.add(tier);
      return tier;
    }

    /**
     * Registers a namespace.
     *
     * @throws IllegalArgumentException when a namespace of that name is registered already
     */
    public Builder namespace(NamespaceSpec<?, ?> spec) {
      Objects.requireNonNull(spec, "spec");
      if (namespaces.containsKey(spec.name())) {
        throw new IllegalArgumentException("namespace '" + spec.name() + "' is registered twice");
      }
      namespaces.put(spec.name(), spec);
      return this;
    }

    /**
     * The bus carrying invalidations between nodes. Rarely needed: when a tier brings a bus (see
     * {@link Tier#invalidationBus()}, as the Redis tier does) the cache uses it without this call,
     * and without such a tier the default is {@link InvalidationBus#inProcess()}, which reaches
     * the caches of this JVM that share the same instance.
     *
     * @throws IllegalStateException at {@link #build()} when a tier brings a different bus
     */
    public Builder invalidationBus(InvalidationBus bus) {
      Arguments.unset(this.bus, "invalidationBus");
      this.bus = Objects.requireNonNull(bus, "invalidationBus");
      return this;
    }

    /**
     * Like {@link #invalidationBus}, but lends the bus: the cache subscribes to it and publishes on
     * it, and never closes it. For an {@link InvalidationBus#inProcess()} bus that several caches
     * of this JVM share: closing one of them leaves the bus working for the others. Its creator
     * closes it after the last cache using it. Either this or {@code invalidationBus}.
     *
     * @throws IllegalStateException at {@link #build()} when a tier brings a different bus
     */
    public Builder sharedInvalidationBus(InvalidationBus bus) {
      Arguments.unset(this.bus, "invalidationBus");
      this.bus = Objects.requireNonNull(bus, "sharedInvalidationBus");
      this.busLent = true;
      return this;
    }

    /**
     * Where loads run, and the shared-tier reads of the asynchronous reads ({@link
     * Namespace#async()}); each such miss holds one of its threads through the shared tiers and the
     * loader. A blocking {@code get} or {@code getAll} reads the shared tiers in the caller's thread
     * and hands only the keys no tier holds to this executor. A host's executor also runs the
     * in-process tier's maintenance (with the default pool, the common pool runs it). Default: a pool the cache owns and shuts down on close, of {@link
     * #loadThreads} daemon threads ({@code hotpath-load-N}) and a queue of {@link
     * #loadQueueCapacity} loads. A host-supplied executor is not shut down; when it refuses a task,
     * the read fails with {@link LoadRejectedException}.
     *
     * @throws IllegalStateException at {@link #build()} when combined with {@code loadThreads} or
     *     {@code loadQueueCapacity}, which size the cache's own pool
     */
    public Builder executor(Executor executor) {
      Arguments.unset(this.executor, "executor");
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Most threads of the cache's own load pool; default 64. Misses beyond it wait in the queue
     * (see {@link #loadQueueCapacity}); concurrent misses of one key share one load and one thread.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder loadThreads(int threads) {
      Arguments.unset(this.loadThreads, "loadThreads");
      this.loadThreads = Arguments.positive(threads, "loadThreads");
      return this;
    }

    /**
     * Most loads waiting for a thread of the cache's own pool; default 4,096. A miss that finds
     * every thread busy and the queue full fails at once with {@link LoadRejectedException}
     * (counted as {@code hotpath.cache.load.rejected}) instead of waiting without bound.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder loadQueueCapacity(int loads) {
      Arguments.unset(this.loadQueueCapacity, "loadQueueCapacity");
      this.loadQueueCapacity = Arguments.positive(loads, "loadQueueCapacity");
      return this;
    }

    /** The clock for TTLs and latency; default {@link Ticker#system()}. For tests. */
    public Builder ticker(Ticker ticker) {
      Arguments.unset(this.ticker, "ticker");
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** This node's id on the bus; default a random UUID. */
    public Builder nodeId(String nodeId) {
      Arguments.unset(this.nodeId, "nodeId");
      Objects.requireNonNull(nodeId, "nodeId");
      if (nodeId.isBlank()) {
        throw new IllegalArgumentException("nodeId must not be blank but was '" + nodeId + "'");
      }
      this.nodeId = nodeId;
      return this;
    }

    /** The warmup plan {@link TieredCache#warmUp()} runs. */
    public Builder warmup(WarmupPlan plan) {
      Arguments.unset(this.warmup, "warmup");
      this.warmup = Objects.requireNonNull(plan, "warmup");
      return this;
    }

    /** Alert thresholds; default {@link AlertPolicy#defaults()}. */
    public Builder alertPolicy(AlertPolicy policy) {
      Arguments.unset(this.alertPolicy, "alertPolicy");
      this.alertPolicy = Objects.requireNonNull(policy, "alertPolicy");
      return this;
    }

    /** Adds a listener for raised and cleared alerts. */
    public Builder alertListener(AlertListener listener) {
      alertListeners.add(Objects.requireNonNull(listener, "alertListener"));
      return this;
    }

    /**
     * The cache.
     *
     * <p>When {@code build()} throws, the tiers and bus given to the builder are not closed: they
     * are still the host's to close.
     *
     * @throws IllegalStateException when no namespace is registered, a profile names a tier the
     *     cache does not have, a namespace stored in a shared tier has no codec for its key or
     *     value type, or the warmup plan names an unregistered namespace
     */
    public TieredCache build() {
      if (namespaces.isEmpty()) {
        throw new IllegalStateException("no namespace registered");
      }
      if (executor != null && (loadThreads != null || loadQueueCapacity != null)) {
        throw new IllegalStateException(
            "loadThreads and loadQueueCapacity size the cache's own pool; with executor(...) size"
                + " the host's executor instead");
      }
      chosenBus();
      validateFor(tiers.stream().map(Tier::name).toList());
      LoadExecutor ownedExecutor = executor == null
          ? new LoadExecutor(
              loadThreads != null ? loadThreads : DEFAULT_LOAD_THREADS,
              loadQueueCapacity != null ? loadQueueCapacity : DEFAULT_LOAD_QUEUE)
          : null;
      // A write-behind flush retrying a failing writer holds its thread; give each buffer one.
      long writeBehinds =
          namespaces.values().stream().filter(s -> s.writeMode() == WriteMode.WRITE_BEHIND).count();
      ScheduledThreadPoolExecutor scheduler =
          new ScheduledThreadPoolExecutor(2 + (int) writeBehinds, daemon("hotpath-scheduler"));
      scheduler.setRemoveOnCancelPolicy(true);
      try {
        return new TieredCache(this, ownedExecutor, scheduler);
      } catch (RuntimeException | Error e) {
        // Nothing else holds the pools this build started: stop them rather than leak their threads.
        scheduler.shutdownNow();
        if (ownedExecutor != null) {
          ownedExecutor.shutdownNow();
        }
        throw e;
      }
    }

    /**
     * The bus set on the builder, else the one bus the tiers bring, else a new in-process bus.
     *
     * @throws IllegalStateException when tiers bring different buses, or a tier's bus differs
     *     from the one set on the builder
     */
    InvalidationBus chosenBus() {
      Tier bringer = null;
      for (Tier tier : tiers) {
        InvalidationBus brought = tier.invalidationBus();
        if (brought == null) {
          continue;
        }
        if (bus != null && brought != bus) {
          throw new IllegalStateException(
              "invalidationBus " + bus + " conflicts with tier '" + tier.name() + "', which brings "
                  + brought + "; leave invalidationBus unset to use the tier's");
        }
        if (bringer != null && brought != bringer.invalidationBus()) {
          throw new IllegalStateException(
              "tiers '" + bringer.name() + "' and '" + tier.name() + "' bring different invalidation"
                  + " buses, and a cache has one");
        }
        bringer = tier;
      }
      if (bus != null) {
        return bus;
      }
      return bringer != null ? bringer.invalidationBus() : InvalidationBus.inProcess();
    }

    /**
     * Checks the namespaces and the warmup plan as {@link #build()} does, for a cache whose shared
     * tiers (those after the in-process one) will have these names, and creates nothing: for a
     * host that creates its tiers only once the rest of its configuration is known to be right
     * (the {@code Hotpath} builder checks this before it connects to Redis or PostgreSQL).
     *
     * @param sharedTierNames the names of the shared tiers the cache will have, in order
     * @throws IllegalStateException when no namespace is registered, a profile names a tier not
     *     in {@code sharedTierNames}, a namespace stored in a shared tier has no codec for its key
     *     or value type, or the warmup plan names an unregistered namespace
     */
    public void validateFor(List<String> sharedTierNames) {
      Objects.requireNonNull(sharedTierNames, "sharedTierNames");
      if (namespaces.isEmpty()) {
        throw new IllegalStateException("no namespace registered");
      }
      for (NamespaceSpec<?, ?> spec : namespaces.values()) {
        validate(spec, sharedTierNames);
      }
      if (warmup != null) {
        for (String ns : warmup.namespaces()) {
          if (!namespaces.containsKey(ns)) {
            throw new IllegalStateException("warmup names namespace '" + ns + "', which is not registered");
          }
        }
      }
    }

    private static void validate(NamespaceSpec<?, ?> spec, List<String> tierNames) {
      for (String tierName : spec.ttl().tierOverrides()) {
        if (!tierNames.contains(tierName)) {
          throw new IllegalStateException(
              "namespace '" + spec.name() + "' has a TTL for tier '" + tierName
                  + "', which the cache does not have; tiers: " + tierNames);
        }
      }
      for (String tierName : tierNames) {
        if (spec.ttl().ttlFor(tierName) == null) {
          continue;
        }
        if (spec.keyCodec() == null) {
          throw new IllegalStateException(
              "namespace '" + spec.name() + "' is stored in tier '" + tierName
                  + "' but has no keyCodec for " + spec.keyType());
        }
        if (spec.valueCodec() == null) {
          throw new IllegalStateException(
              "namespace '" + spec.name() + "' is stored in tier '" + tierName
                  + "' but has no valueCodec for " + spec.valueType());
        }
      }
    }
  }
}
