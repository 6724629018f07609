package dev.hotpath.cache.jcache;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.WeakHashMap;
import javax.cache.CacheManager;
import javax.cache.configuration.OptionalFeature;
import javax.cache.spi.CachingProvider;

/**
 * The JSR-107 {@link CachingProvider} of Hotpath, registered through {@code META-INF/services}:
 * {@code Caching.getCachingProvider(HotpathCachingProvider.class.getName())} finds it (and {@code
 * Caching.getCachingProvider()} does when it is the only provider on the class path).
 *
 * <p>Cache managers are kept per class loader and URI, as JSR-107 asks: asking again for the same
 * pair returns the same open manager, whatever properties are given the second time. A new
 * manager takes its {@link JCacheSettings} from the properties and the URI (see there). The
 * default URI is this class's name and names no resource.
 *
 * <p>Thread-safe.
 */
public final class HotpathCachingProvider implements CachingProvider {
  private static final URI DEFAULT_URI = URI.create(HotpathCachingProvider.class.getName());

  /** Managers by class loader, then URI; a class loader that is gone takes its managers with it. */
  private final Map<ClassLoader, Map<URI, HotpathCacheManager>> managers = new WeakHashMap<>();

  /** For {@link java.util.ServiceLoader}; hosts use {@code Caching.getCachingProvider(...)}. */
  public HotpathCachingProvider() {}

  @Override
  public CacheManager getCacheManager(URI uri, ClassLoader classLoader, Properties properties) {
    URI key = uri != null ? uri : getDefaultURI();
    ClassLoader loader = classLoader != null ? classLoader : getDefaultClassLoader();
    Properties given = properties != null ? properties : getDefaultProperties();
    synchronized (managers) {
      Map<URI, HotpathCacheManager> byUri = managers.computeIfAbsent(loader, l -> new HashMap<>());
      HotpathCacheManager manager = byUri.get(key);
      if (manager == null) {
        manager = new HotpathCacheManager(this, key, loader, given, settings(key, loader, given));
        byUri.put(key, manager);
      }
      return manager;
    }
  }

  /** The settings object among {@code properties}, else settings read from the URI's resource and the text properties. */
  static JCacheSettings settings(URI uri, ClassLoader loader, Properties properties) {
    Object given = properties.get(JCacheSettings.PROPERTY);
    if (given instanceof JCacheSettings settings) {
      return settings;
    }
    if (given != null) {
      throw new IllegalArgumentException(
          "the property " + JCacheSettings.PROPERTY + " must hold a JCacheSettings but holds a " + given.getClass().getName());
    }
    Properties text = resource(uri, loader);
    for (String name : properties.stringPropertyNames()) {
      text.setProperty(name, properties.getProperty(name));
    }
    return JCacheSettings.builder().cachesFrom(text).build();
  }

  /** The properties of the URI's {@code .properties} resource, or none when it names no such resource. */
  private static Properties resource(URI uri, ClassLoader loader) {
    Properties text = new Properties();
    String path = uri.getSchemeSpecificPart();
    if (uri.getScheme() == null || path == null || !path.endsWith(".properties")) {
      return text;
    }
    try {
      InputStream in = switch (uri.getScheme()) {
        case "classpath" -> loader.getResourceAsStream(path.startsWith("/") ? path.substring(1) : path);
        case "file", "jar" -> uri.toURL().openStream();
        default -> null;
      };
      if (in == null) {
        throw new IllegalArgumentException("the cache manager URI " + uri + " names no resource");
      }
      try (in) {
        text.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the cache manager URI " + uri + " failed", e);
    }
    return text;
  }

  /** Removes a closed manager; called by the manager. */
  void forget(HotpathCacheManager manager) {
    synchronized (managers) {
      Map<URI, HotpathCacheManager> byUri = managers.get(manager.getClassLoader());
      if (byUri != null) {
        byUri.remove(manager.getURI(), manager);
        if (byUri.isEmpty()) {
          managers.remove(manager.getClassLoader());
        }
      }
    }
  }

  @Override
  public ClassLoader getDefaultClassLoader() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null ? context : HotpathCachingProvider.class.getClassLoader();
  }

  @Override
  public URI getDefaultURI() {
    return DEFAULT_URI;
  }

  @Override
  public Properties getDefaultProperties() {
    return new Properties();
  }

  @Override
  public CacheManager getCacheManager(URI uri, ClassLoader classLoader) {
    return getCacheManager(uri, classLoader, getDefaultProperties());
  }

  @Override
  public CacheManager getCacheManager() {
    return getCacheManager(getDefaultURI(), getDefaultClassLoader());
  }

  /** Closes every manager of this provider. */
  @Override
  public void close() {
    for (HotpathCacheManager manager : snapshot(null, null)) {
      manager.close();
    }
  }

  /** Closes the managers of {@code classLoader}. */
  @Override
  public void close(ClassLoader classLoader) {
    for (HotpathCacheManager manager : snapshot(classLoader != null ? classLoader : getDefaultClassLoader(), null)) {
      manager.close();
    }
  }

  /** Closes the manager of {@code uri} and {@code classLoader}, if there is one. */
  @Override
  public void close(URI uri, ClassLoader classLoader) {
    ClassLoader loader = classLoader != null ? classLoader : getDefaultClassLoader();
    for (HotpathCacheManager manager : snapshot(loader, uri != null ? uri : getDefaultURI())) {
      manager.close();
    }
  }

  private java.util.List<HotpathCacheManager> snapshot(ClassLoader loader, URI uri) {
    synchronized (managers) {
      return managers.entrySet().stream()
          .filter(e -> loader == null || e.getKey() == loader)
          .flatMap(e -> e.getValue().values().stream())
          .filter(m -> uri == null || m.getURI().equals(uri))
          .toList();
    }
  }

  /** Store-by-reference is supported, besides the required store-by-value. */
  @Override
  public boolean isSupported(OptionalFeature feature) {
    return Objects.requireNonNull(feature, "optionalFeature") == OptionalFeature.STORE_BY_REFERENCE;
  }

  @Override
  public String toString() {
    return "HotpathCachingProvider";
  }
}
