package dev.hotpath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.cache.WarmupPlan;
import dev.hotpath.cache.WarmupStrategy;
import dev.hotpath.engine.BatchRequest;
import dev.hotpath.engine.Source;
import dev.hotpath.engine.SourceReply;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.RateLimit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * cache-redis and cache-timescale are optional dependencies of the engine module: the builder,
 * loaded again by a class loader that hides them and their drivers (Lettuce and Netty, pgjdbc,
 * HikariCP), builds and runs an in-process Hotpath there without asking for one of their classes,
 * while a Hotpath with Redis configured cannot be built there. Follows ratelimit's {@code
 * WithoutLettuceTest}.
 */
class WithoutDriversTest {
  private static final List<String> HIDDEN = List.of(
      "io.lettuce.", "io.netty.", "reactor.", "org.postgresql.", "com.zaxxer.hikari.",
      "dev.hotpath.cache.redis.", "dev.hotpath.cache.timescale.");

  /** Defines Hotpath's own classes itself, refuses the hidden ones, and remembers every one asked for. */
  static final class NoDriversLoader extends ClassLoader {
    final Set<String> refused = ConcurrentHashMap.newKeySet();

    NoDriversLoader(ClassLoader parent) {
      super(parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (HIDDEN.stream().anyMatch(name::startsWith)) {
        refused.add(name);
        throw new ClassNotFoundException(name);
      }
      if (!name.startsWith("dev.hotpath.")) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
            if (in == null) {
              throw new ClassNotFoundException(name);
            }
            byte[] bytes = in.readAllBytes();
            c = defineClass(name, bytes, 0, bytes.length);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
        return c;
      }
    }
  }

  /** A Hotpath with a namespace, a limiter, an engine and a warmup: what it did, in words. */
  public static final class InProcessHotpath implements Supplier<List<String>> {
    @Override
    public List<String> get() {
      NamespaceSpec<String, String> symbols = NamespaceSpec.builder("symbols", String.class, String.class)
          .ttl(TtlProfile.SYMBOL_CONFIG)
          .loader(key -> "config:" + key)
          .build();
      Source<String, String> exchange = new Source<>() {
        @Override
        public String name() {
          return "exchange";
        }

        @Override
        public CompletableFuture<SourceReply<String, String>> fetch(List<String> keys) {
          return CompletableFuture.completedFuture(SourceReply.of(Map.of(keys.get(0), "fetched:" + keys.get(0))));
        }
      };
      WarmupPlan plan = WarmupPlan.builder().strategy(WarmupStrategy.keys("symbols", symbols, () -> List.of("BTCUSDT"))).build();
      List<String> facts = new ArrayList<>();
      try (Hotpath hotpath = Hotpath.fromEnvironment(Map.of())
          .namespace(symbols)
          .rateLimiter("api", RateLimit.of(Bandwidth.perPeriod(2, Duration.ofHours(1))))
          .engine("symbols", symbols, exchange)
          .warmup(plan, Hotpath.WarmupMode.BLOCK)
          .build()) {
        hotpath.bindTo(new SimpleMeterRegistry());
        facts.add("warmed " + hotpath.cache().namespace(symbols).getIfPresent("BTCUSDT"));
        facts.add("limiter " + hotpath.rateLimiter("api").getClass().getSimpleName() + " "
            + hotpath.rateLimiter("api").tryConsume("k", 1) + " " + hotpath.rateLimiter("api").tryConsume("k", 1) + " "
            + hotpath.rateLimiter("api").tryConsume("k", 1));
        try {
          facts.add("engine " + hotpath.engine("symbols", symbols).process(BatchRequest.of(List.of("ETHUSDT"))).value("ETHUSDT"));
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        facts.add("health " + hotpath.health().status() + " " + hotpath.health().parts().size() + " parts");
      }
      return facts;
    }
  }

  /** A Hotpath with Redis configured: needs the hidden classes. */
  public static final class RedisHotpath implements Supplier<List<String>> {
    @Override
    public List<String> get() {
      try (Hotpath hotpath = Hotpath.builder().redis("redis://127.0.0.1:1")
          .rateLimiter("api", RateLimit.of(Bandwidth.perPeriod(2, Duration.ofHours(1))))
          .build()) {
        return List.of(hotpath.toString());
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Supplier<List<String>> load(ClassLoader loader, Class<?> scenario) throws Exception {
    Class<?> isolated = loader.loadClass(scenario.getName());
    assertThat(isolated).isNotSameAs(scenario);
    return (Supplier<List<String>>) isolated.getDeclaredConstructor().newInstance();
  }

  @Test
  void anInProcessHotpathBuildsAndRunsWithoutTheRedisAndPostgresModules() throws Exception {
    NoDriversLoader loader = new NoDriversLoader(getClass().getClassLoader());

    List<String> facts = load(loader, InProcessHotpath.class).get();

    assertThat(facts).containsExactly(
        "warmed config:BTCUSDT",
        "limiter LocalRateLimiter true true false",
        "engine fetched:ETHUSDT",
        "health UP 3 parts");
    assertThat(loader.refused).as("hidden classes asked for").isEmpty();
  }

  /**
   * Frameworks read a type's whole surface by reflection (Spring's bean introspection, Kotlin's
   * reflection, Guava's NullPointerTester), which resolves every parameter, return and field type:
   * no signature of the builder's types may name a class of the optional modules or their drivers.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"dev.hotpath.Hotpath", "dev.hotpath.Hotpath$Builder", "dev.hotpath.Hotpath$EngineCustomizer",
      "dev.hotpath.Hotpath$RateLimiters", "dev.hotpath.Hotpath$WarmupMode", "dev.hotpath.HotpathHealth",
      "dev.hotpath.HotpathHealth$Part", "dev.hotpath.HostRedisClient"})
  void reflectionOverTheBuildersTypesNeedsNoDriver(String type) throws Exception {
    NoDriversLoader loader = new NoDriversLoader(getClass().getClassLoader());
    Class<?> isolated = loader.loadClass(type);

    assertThat(isolated.getMethods()).isNotEmpty();
    assertThat(isolated.getDeclaredMethods()).isNotNull();
    assertThat(isolated.getDeclaredConstructors()).isNotNull();
    assertThat(isolated.getDeclaredFields()).isNotNull();
    assertThat(loader.refused).as("hidden classes asked for").isEmpty();
  }

  @Test
  void theLoaderReallyHidesThem() throws Exception {
    NoDriversLoader loader = new NoDriversLoader(getClass().getClassLoader());
    Supplier<List<String>> redis = load(loader, RedisHotpath.class);

    assertThatThrownBy(redis::get).isInstanceOf(NoClassDefFoundError.class);
    assertThat(loader.refused).anyMatch(name -> name.startsWith("io.lettuce.") || name.startsWith("dev.hotpath.cache.redis."));
  }
}
