package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.jcache.CacheOptions;
import dev.hotpath.cache.jcache.HotpathCachingProvider;
import dev.hotpath.cache.jcache.JCacheSettings;
import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;
import javax.cache.spi.CachingProvider;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A JCache cache over a namespace stored in a shared tier (where maxKeySize applies): a key over
 * the limit is refused by every operation taking keys before the writer, the loader or a listener
 * hears of it, and a bulk operation with one such key changes nothing, here or in the system of
 * record.
 */
class JCacheKeySizeTest {
  private static final Duration HOUR = Duration.ofHours(1);
  private static final String HUGE = "k".repeat(NamespaceSpec.DEFAULT_MAX_KEY_SIZE + 1);
  /** What the writer, the loader and the listeners were told, in order; static because their factories are serialized. */
  private static final List<String> HEARD = new CopyOnWriteArrayList<>();

  private final CachingProvider provider = Caching.getCachingProvider(HotpathCachingProvider.class.getName());
  private Cache<String, String> cache;

  @BeforeEach
  void createCache() {
    HEARD.clear();
    Properties settings = new Properties();
    settings.put(JCacheSettings.PROPERTY, JCacheSettings.builder()
        .tier(new ByteMapTier("shared", Ticker.system()))
        .cache("quotes", CacheOptions.builder().ttl(TtlProfile.builder().l1(HOUR).l2(HOUR).build()).build())
        .build());
    CacheManager manager = provider.getCacheManager(URI.create("test:" + getClass().getSimpleName()), null, settings);
    cache = manager.createCache("quotes", new MutableConfiguration<String, String>()
        .setTypes(String.class, String.class)
        .setWriteThrough(true)
        .setCacheWriterFactory(FactoryBuilder.factoryOf(RecordingWriter.class))
        .setReadThrough(true)
        .setCacheLoaderFactory(FactoryBuilder.factoryOf(RecordingLoader.class))
        .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
            FactoryBuilder.factoryOf(RecordingListener.class), null, false, true)));
  }

  @AfterEach
  void closeManagers() {
    provider.close();
  }

  @Test
  void removeAllWithOneKeyOverTheLimitDeletesNothingAnywhere() {
    cache.put("a", "1");
    cache.put("b", "2");
    HEARD.clear();

    assertThatThrownBy(() -> cache.removeAll(new LinkedHashSet<>(List.of("a", HUGE, "b"))))
        .isInstanceOf(KeyTooLargeException.class);

    assertThat(HEARD).as("writer and listeners").isEmpty();
    assertThat(cache.containsKey("a")).isTrue();
    assertThat(cache.containsKey("b")).isTrue();
  }

  @Test
  void putAllWithOneKeyOverTheLimitWritesNothingAnywhere() {
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("a", "1");
    entries.put(HUGE, "2");
    entries.put("b", "3");

    assertThatThrownBy(() -> cache.putAll(entries)).isInstanceOf(KeyTooLargeException.class);

    assertThat(HEARD).as("writer and listeners").isEmpty();
    assertThat(cache.containsKey("a")).isFalse();
    assertThat(cache.containsKey("b")).isFalse();
  }

  @Test
  void everyOperationTakingAKeyRefusesOneOverTheLimitBeforeWriterLoaderOrListenersHearOfIt() {
    Set<String> keys = new LinkedHashSet<>(List.of("a", HUGE));
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put(HUGE, "1");
    List<ThrowingCallable> calls = List.of(
        () -> cache.get(HUGE),
        () -> cache.getAll(keys),
        () -> cache.containsKey(HUGE),
        () -> cache.loadAll(keys, true, null),
        () -> cache.put(HUGE, "1"),
        () -> cache.getAndPut(HUGE, "1"),
        () -> cache.putAll(entries),
        () -> cache.putIfAbsent(HUGE, "1"),
        () -> cache.remove(HUGE),
        () -> cache.remove(HUGE, "1"),
        () -> cache.getAndRemove(HUGE),
        () -> cache.replace(HUGE, "1", "2"),
        () -> cache.replace(HUGE, "1"),
        () -> cache.getAndReplace(HUGE, "1"),
        () -> cache.removeAll(keys),
        () -> cache.invoke(HUGE, (entry, args) -> {
          entry.setValue("1");
          return null;
        }),
        () -> cache.invokeAll(keys, (entry, args) -> {
          entry.setValue("1");
          return null;
        }));
    for (int i = 0; i < calls.size(); i++) {
      assertThatThrownBy(calls.get(i)).as("call %d", i).isInstanceOf(KeyTooLargeException.class);
    }
    assertThat(HEARD).as("writer, loader and listeners").isEmpty();
    assertThat(cache.iterator().hasNext()).isFalse();
  }

  public static final class RecordingWriter implements CacheWriter<String, String>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      HEARD.add("write " + entry.getKey());
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      for (Cache.Entry<? extends String, ? extends String> entry : new ArrayList<>(entries)) {
        write(entry);
      }
      entries.clear();
    }

    @Override
    public void delete(Object key) {
      HEARD.add("delete " + key);
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      for (Object key : new ArrayList<>(keys)) {
        delete(key);
      }
      keys.clear();
    }
  }

  public static final class RecordingLoader implements CacheLoader<String, String>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public String load(String key) {
      HEARD.add("load " + key);
      return "loaded";
    }

    @Override
    public Map<String, String> loadAll(Iterable<? extends String> keys) {
      Map<String, String> loaded = new LinkedHashMap<>();
      keys.forEach(key -> loaded.put(key, load(key)));
      return loaded;
    }
  }

  public static final class RecordingListener implements CacheEntryCreatedListener<String, String>,
      CacheEntryUpdatedListener<String, String>, CacheEntryRemovedListener<String, String>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      events.forEach(e -> HEARD.add("created " + e.getKey()));
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      events.forEach(e -> HEARD.add("updated " + e.getKey()));
    }

    @Override
    public void onRemoved(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      events.forEach(e -> HEARD.add("removed " + e.getKey()));
    }
  }
}
