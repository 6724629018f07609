package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Lettuce is optional: the local limiter is loaded again by a class loader that hides io.lettuce,
 * and must build and limit there, while the Redis limiter cannot even be loaded.
 */
class WithoutLettuceTest {

  /** Defines this module's classes itself and refuses every Lettuce class. */
  static final class NoLettuceLoader extends ClassLoader {
    NoLettuceLoader(ClassLoader parent) {
      super(parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (name.startsWith("io.lettuce.")) {
        throw new ClassNotFoundException(name);
      }
      if (!name.startsWith("dev.hotpath.ratelimit.")) {
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

  @Test
  void theLocalLimiterWorksWithoutLettuceOnTheClasspath() throws Exception {
    ClassLoader loader = new NoLettuceLoader(getClass().getClassLoader());
    Class<?> bandwidth = loader.loadClass("dev.hotpath.ratelimit.Bandwidth");
    Class<?> rateLimit = loader.loadClass("dev.hotpath.ratelimit.RateLimit");
    Class<?> local = loader.loadClass("dev.hotpath.ratelimit.LocalRateLimiter");
    assertThat(local).isNotSameAs(LocalRateLimiter.class);

    Object bw = bandwidth.getMethod("perPeriod", long.class, Duration.class).invoke(null, 2L, Duration.ofSeconds(1));
    Object more = Array.newInstance(bandwidth, 0);
    Object limit = rateLimit.getMethod("of", bandwidth, more.getClass()).invoke(null, bw, more);
    Object builder = local.getMethod("builder").invoke(null);
    Class<?> builderType = builder.getClass();
    builderType.getMethod("name", String.class).invoke(builder, "isolated");
    builderType.getMethod("limit", rateLimit).invoke(builder, limit);
    Object limiter = builderType.getMethod("build").invoke(builder);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    local.getMethod("bindTo", MeterRegistry.class).invoke(limiter, registry);
    Method tryConsume = local.getMethod("tryConsume", String.class, long.class);
    assertThat(tryConsume.invoke(limiter, "k", 1L)).isEqualTo(true);
    assertThat(tryConsume.invoke(limiter, "k", 1L)).isEqualTo(true);
    assertThat(tryConsume.invoke(limiter, "k", 1L)).isEqualTo(false);
    assertThat(registry.get("hotpath.ratelimiter.calls").tag("result", "permitted").functionCounter().count()).isEqualTo(2);

    // the loader really hides Lettuce: the Redis limiter does not link there
    assertThatThrownBy(() -> loader.loadClass("dev.hotpath.ratelimit.RedisRateLimiter").getMethod("builder").invoke(null))
        .hasRootCauseInstanceOf(ClassNotFoundException.class);
  }
}
