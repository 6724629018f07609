package dev.hotpath.cache.jcache;

import dev.hotpath.cache.Codec;
import dev.hotpath.cache.InvalidationBus;
import dev.hotpath.cache.InvalidationListener;
import dev.hotpath.cache.KeyCodec;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.Subscription;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.TypeToken;
import dev.hotpath.cache.InvalidationEvent;
import dev.hotpath.cache.internal.ForwardingTier;
import dev.hotpath.cache.spi.Tier;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.ref.WeakReference;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;

/**
 * A JSR-107 {@link CacheManager} whose caches are Hotpath namespaces. Each cache is one namespace
 * in a {@link TieredCache} of its own, over the shared tiers and the bus of the manager's {@link
 * JCacheSettings}, with the {@link CacheOptions} the settings give for its name; the namespace is
 * named after the cache (see {@link #namespaceName(String)}).
 *
 * <p>Obtain one through {@code Caching.getCachingProvider(HotpathCachingProvider.class.getName())
 * .getCacheManager(...)}, or {@code unwrap} a manager to this class to {@linkplain #bindTo bind
 * its meters}. Thread-safe.
 */
public final class HotpathCacheManager implements CacheManager, MeterBinder {
  private static final Pattern NAMESPACE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  private final HotpathCachingProvider provider;
  private final URI uri;
  /** Held weakly, as the provider holds its managers: a manager must not keep an undeployed application's classes. */
  private final WeakReference<ClassLoader> classLoader;
  private final Properties properties;
  private final JCacheSettings settings;
  private final String nodeId;
  /** The bus the manager made (when neither the settings nor a tier bring one); closed with it. */
  private final InvalidationBus ownBus;
  /** Whether a tier brings the bus: then each cache picks it up from the tier, and none is set. */
  private final boolean tierBringsBus;
  private final Map<String, HotpathCache<?, ?>> caches = new ConcurrentHashMap<>();
  private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  HotpathCacheManager(
      HotpathCachingProvider provider, URI uri, ClassLoader classLoader, Properties properties, JCacheSettings settings) {
    this.provider = provider;
    this.uri = uri;
    this.classLoader = new WeakReference<>(classLoader);
    this.properties = properties;
    this.settings = settings;
    this.nodeId = settings.nodeId() != null ? settings.nodeId() : UUID.randomUUID().toString();
    this.tierBringsBus = settings.tiers().stream().anyMatch(t -> t.invalidationBus() != null);
    this.ownBus = settings.invalidationBus() == null && !tierBringsBus ? InvalidationBus.inProcess() : null;
  }

  /** The settings the manager was made with. */
  public JCacheSettings settings() {
    return settings;
  }

  /**
   * The namespace name of the cache named {@code cacheName}: the cache name itself when it is a
   * valid namespace name (1 to 64 of {@code [A-Za-z0-9_.-]}, starting with a letter or digit), else
   * the name with other characters replaced by {@code _}, cut to 55 characters, and {@code -}
   * plus 8 hex digits of its SHA-256, so every node derives the same name.
   */
  public static String namespaceName(String cacheName) {
    Objects.requireNonNull(cacheName, "cacheName");
    if (NAMESPACE_NAME.matcher(cacheName).matches()) {
      return cacheName;
    }
    String cleaned = cacheName.replaceAll("[^A-Za-z0-9_.-]", "_");
    if (cleaned.isEmpty() || !Character.isLetterOrDigit(cleaned.charAt(0)) || cleaned.charAt(0) > 'z') {
      cleaned = "c" + cleaned;
    }
    if (cleaned.length() > 55) {
      cleaned = cleaned.substring(0, 55);
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(cacheName.getBytes(StandardCharsets.UTF_8));
      return cleaned + "-" + HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  @Override
  public CachingProvider getCachingProvider() {
    return provider;
  }

  @Override
  public URI getURI() {
    return uri;
  }

  @Override
  public ClassLoader getClassLoader() {
    return classLoader.get();
  }

  @Override
  public Properties getProperties() {
    return properties;
  }

  @Override
  public synchronized <K, V, C extends Configuration<K, V>> Cache<K, V> createCache(String cacheName, C configuration) {
    checkOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    Objects.requireNonNull(configuration, "configuration");
    if (caches.containsKey(cacheName)) {
      throw new CacheException("a cache named '" + cacheName + "' exists already");
    }
    HotpathCache<K, V> cache = build(cacheName, complete(configuration));
    caches.put(cacheName, cache);
    try {
      cache.start();
    } catch (RuntimeException e) {
      cache.close();
      throw e;
    }
    return cache;
  }

  private static <K, V> CompleteConfiguration<K, V> complete(Configuration<K, V> configuration) {
    if (configuration instanceof CompleteConfiguration<K, V> complete) {
      return complete;
    }
    return new MutableConfiguration<K, V>()
        .setTypes(configuration.getKeyType(), configuration.getValueType())
        .setStoreByValue(configuration.isStoreByValue());
  }

  /** Options' codecs are untyped (they come by cache name); the host vouches for their types. */
  @SuppressWarnings("unchecked")
  private <K, V> HotpathCache<K, V> build(String cacheName, CompleteConfiguration<K, V> configuration) {
    CacheOptions options = settings.optionsFor(cacheName);
    String namespace = namespaceName(cacheName);
    // The codecs the namespace would pick for the cache's types, unless the options give some.
    NamespaceSpec.Builder<K, V> typed = NamespaceSpec.builder(namespace, configuration.getKeyType(), configuration.getValueType())
        .ttl(options.ttl());
    if (options.keyCodec() != null) {
      typed.keyCodec((KeyCodec<K>) options.keyCodec());
    }
    if (options.valueCodec() != null) {
      typed.valueCodec((Codec<V>) options.valueCodec());
    }
    NamespaceSpec<K, V> codecs = typed.build();

    TypeToken<StoredEntry<V>> stored = TypeToken.of((Class<StoredEntry<V>>) (Class<?>) StoredEntry.class);
    NamespaceSpec.Builder<K, StoredEntry<V>> spec = NamespaceSpec.builder(namespace, TypeToken.of(configuration.getKeyType()), stored)
        .ttl(options.ttl())
        .maximumSize(options.maximumSize());
    if (codecs.keyCodec() != null) {
      spec.keyCodec(codecs.keyCodec());
    }
    if (codecs.valueCodec() != null) {
      spec.valueCodec(new StoredEntryCodec<>(codecs.valueCodec()));
    }
    if (options.crossNodeInvalidation()) {
      spec.crossNodeInvalidation();
    }
    NamespaceSpec<K, StoredEntry<V>> built = spec.build();

    TieredCache.Builder tiered = TieredCache.builder().namespace(built).nodeId(nodeId + "/" + cacheName);
    boolean storedOutsideProcess = false;
    for (Tier tier : settings.tiers()) {
      tiered.tier(new BorrowedTier(tier));
      storedOutsideProcess |= options.ttl().ttlFor(tier.name()) != null;
    }
    if (!tierBringsBus) {
      tiered.invalidationBus(new BorrowedBus(settings.invalidationBus() != null ? settings.invalidationBus() : ownBus));
    }
    TieredCache cache;
    try {
      cache = tiered.build();
    } catch (IllegalStateException e) {
      throw new CacheException("cache '" + cacheName + "': " + e.getMessage(), e);
    }
    registries.forEach(cache::bindTo);
    Namespace<K, StoredEntry<V>> ns = cache.namespace(built);
    Copier copier = configuration.isStoreByValue()
        ? Copier.byValue(this::getClassLoader, codecs.keyCodec(), codecs.valueCodec())
        : Copier.BY_REFERENCE;
    try {
      return new HotpathCache<>(cacheName, this, configuration, cache, ns, storedOutsideProcess, copier, settings);
    } catch (RuntimeException e) {
      cache.close();
      throw e;
    }
  }

  @Override
  public <K, V> Cache<K, V> getCache(String cacheName, Class<K> keyType, Class<V> valueType) {
    checkOpen();
    Objects.requireNonNull(keyType, "keyType");
    Objects.requireNonNull(valueType, "valueType");
    HotpathCache<?, ?> cache = caches.get(Objects.requireNonNull(cacheName, "cacheName"));
    if (cache == null) {
      return null;
    }
    CompleteConfiguration<?, ?> config = cache.configurationSnapshot();
    if (config.getKeyType() != keyType || config.getValueType() != valueType) {
      throw new ClassCastException("cache '" + cacheName + "' holds " + config.getKeyType().getName() + " -> "
          + config.getValueType().getName() + ", not " + keyType.getName() + " -> " + valueType.getName());
    }
    @SuppressWarnings("unchecked")
    Cache<K, V> typed = (Cache<K, V>) cache;
    return typed;
  }

  @Override
  public <K, V> Cache<K, V> getCache(String cacheName) {
    checkOpen();
    @SuppressWarnings("unchecked")
    Cache<K, V> cache = (Cache<K, V>) caches.get(Objects.requireNonNull(cacheName, "cacheName"));
    return cache;
  }

  @Override
  public Iterable<String> getCacheNames() {
    checkOpen();
    return Set.copyOf(caches.keySet());
  }

  /** Clears the cache in every tier and closes it; a cache of that name may then be created again. */
  @Override
  public synchronized void destroyCache(String cacheName) {
    checkOpen();
    HotpathCache<?, ?> cache = caches.get(Objects.requireNonNull(cacheName, "cacheName"));
    if (cache != null) {
      cache.clear();
      cache.close();
    }
  }

  @Override
  public void enableManagement(String cacheName, boolean enabled) {
    checkOpen();
    HotpathCache<?, ?> cache = caches.get(Objects.requireNonNull(cacheName, "cacheName"));
    if (cache != null) {
      cache.enableManagement(enabled);
    }
  }

  @Override
  public void enableStatistics(String cacheName, boolean enabled) {
    checkOpen();
    HotpathCache<?, ?> cache = caches.get(Objects.requireNonNull(cacheName, "cacheName"));
    if (cache != null) {
      cache.enableStatistics(enabled);
    }
  }

  /**
   * Publishes the Hotpath meters of every cache of this manager, and of those created later, to
   * {@code registry} (see {@link TieredCache#bindTo}: {@code cache.gets}, {@code cache.puts}, ...
   * tagged {@code cache=<namespace>}, and {@code hotpath.cache.*}), and the meters of the
   * settings' tiers once (a Redis tier's {@code hotpath.redis.*}), however many caches share them.
   * These count tier reads and loads; JSR-107's own statistics are the {@code CacheStatistics}
   * MXBeans. Binding to several registries is allowed; binding twice to one registers nothing new.
   * Thread-safe.
   *
   * @throws NullPointerException if {@code registry} is null
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    // Under the lock createCache holds, so a cache created meanwhile is bound once, not twice.
    synchronized (this) {
      if (registries.contains(registry)) {
        return;
      }
      registries.add(registry);
      // Every cache of the manager shares these tiers: bound here, once, not by each cache's
      // TieredCache (BorrowedTier), since a host's own tier may not remember its registries and
      // Micrometer warns of every meter registered twice.
      settings.tiers().forEach(tier -> tier.bindTo(registry));
      caches.values().forEach(c -> c.tieredCache().bindTo(registry));
    }
  }

  /** Removes a closed cache; called by the cache. */
  void forget(HotpathCache<?, ?> cache) {
    caches.remove(cache.getName(), cache);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    provider.forget(this);
    for (HotpathCache<?, ?> cache : new ArrayList<>(caches.values())) {
      cache.close();
    }
    if (ownBus != null) {
      ownBus.close();
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    throw new IllegalArgumentException("a Hotpath cache manager does not unwrap to " + clazz.getName());
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the cache manager " + uri + " is closed");
    }
  }

  @Override
  public String toString() {
    return "HotpathCacheManager[" + uri + ", caches=" + caches.keySet() + ", " + settings + "]";
  }

  /**
   * A tier of the settings as one cache's {@link TieredCache} sees it: the cache closes its tiers
   * and binds their meters, but this one is shared by the manager's caches and is the host's, so
   * it is never closed here and its meters are bound by the manager, once per registry.
   */
  private static final class BorrowedTier extends ForwardingTier {
    BorrowedTier(Tier tier) {
      super(tier);
    }

    /** Binds nothing: the manager binds the shared tier itself (see {@link HotpathCacheManager#bindTo}). */
    @Override
    public void bindTo(MeterRegistry registry) {}

    @Override
    public void close() {}
  }

  /** The manager's bus as one cache sees it: shared, so closing the cache does not close it. */
  private static final class BorrowedBus implements InvalidationBus {
    private final InvalidationBus bus;

    BorrowedBus(InvalidationBus bus) {
      this.bus = bus;
    }

    @Override
    public void publish(InvalidationEvent event) {
      bus.publish(event);
    }

    @Override
    public void publishLocally(InvalidationEvent event) {
      bus.publishLocally(event);
    }

    @Override
    public Subscription subscribe(InvalidationListener listener) {
      return bus.subscribe(listener);
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
      return bus.toString();
    }
  }
}
