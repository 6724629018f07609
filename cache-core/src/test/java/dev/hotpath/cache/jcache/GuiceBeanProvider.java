package dev.hotpath.cache.jcache;

import com.google.inject.Guice;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.annotation.BeanProvider;
import org.jsr107.ri.annotations.guice.module.CacheAnnotationsModule;

/**
 * Gives the TCK's annotation tests their beans, intercepted by the reference implementation's
 * Guice module ({@code @CacheResult} and friends over our provider's default cache manager). Found
 * by the TCK through {@code META-INF/services}.
 *
 * <p>A fresh injector per lookup: the module's resolver factory looks the default cache manager up
 * once, when the injector makes it, and the tests close that manager between tests, so a shared
 * injector would hand later tests caches of a closed manager. The TCK reports its annotation tests
 * as passed, not skipped, when no bean provider loads; {@link #lookups()} lets {@link
 * JCacheTckTest} check that they really ran.
 */
public final class GuiceBeanProvider implements BeanProvider {
  private static final AtomicInteger LOOKUPS = new AtomicInteger();

  @Override
  public <T> T getBeanByType(Class<T> beanClass) {
    LOOKUPS.incrementAndGet();
    return Guice.createInjector(new CacheAnnotationsModule()).getInstance(beanClass);
  }

  /** The beans handed out since the JVM started. */
  static int lookups() {
    return LOOKUPS.get();
  }
}
