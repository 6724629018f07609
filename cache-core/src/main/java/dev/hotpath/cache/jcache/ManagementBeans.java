package dev.hotpath.cache.jcache;

import java.lang.management.ManagementFactory;
import javax.cache.CacheException;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.management.CacheMXBean;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Registers a cache's JSR-107 MXBeans in the platform MBean server, under the names JSR-107 gives:
 * {@code javax.cache:type=CacheConfiguration|CacheStatistics,CacheManager=<uri>,Cache=<name>},
 * with the characters an object name cannot hold ({@code , : = newline}) replaced by dots.
 */
final class ManagementBeans {
  enum Kind {
    CONFIGURATION("CacheConfiguration"),
    STATISTICS("CacheStatistics");

    final String type;

    Kind(String type) {
      this.type = type;
    }
  }

  private ManagementBeans() {}

  static void register(HotpathCache<?, ?> cache, Kind kind, Object bean) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName name = name(cache, kind);
    try {
      server.registerMBean(bean, name);
    } catch (InstanceAlreadyExistsException e) {
      // enabled twice: the bean is there
    } catch (JMException e) {
      throw new CacheException("registering " + name + " failed", e);
    }
  }

  static void unregister(HotpathCache<?, ?> cache, Kind kind) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName name = name(cache, kind);
    try {
      server.unregisterMBean(name);
    } catch (InstanceNotFoundException e) {
      // never enabled, or disabled already
    } catch (JMException e) {
      throw new CacheException("unregistering " + name + " failed", e);
    }
  }

  private static ObjectName name(HotpathCache<?, ?> cache, Kind kind) {
    String text = "javax.cache:type=" + kind.type + ",CacheManager="
        + safe(cache.getCacheManager().getURI().toString()) + ",Cache=" + safe(cache.getName());
    try {
      return new ObjectName(text);
    } catch (MalformedObjectNameException e) {
      throw new CacheException("not a valid MBean name: " + text, e);
    }
  }

  private static String safe(String s) {
    return s.replaceAll("[,:=\n]", ".");
  }

  /** The {@link CacheMXBean} of a cache: its configuration, read when asked. */
  static final class Configuration implements CacheMXBean {
    private final HotpathCache<?, ?> cache;

    Configuration(HotpathCache<?, ?> cache) {
      this.cache = cache;
    }

    private CompleteConfiguration<?, ?> config() {
      return cache.configurationSnapshot();
    }

    @Override
    public String getKeyType() {
      return config().getKeyType().getName();
    }

    @Override
    public String getValueType() {
      return config().getValueType().getName();
    }

    @Override
    public boolean isReadThrough() {
      return config().isReadThrough();
    }

    @Override
    public boolean isWriteThrough() {
      return config().isWriteThrough();
    }

    @Override
    public boolean isStoreByValue() {
      return config().isStoreByValue();
    }

    @Override
    public boolean isStatisticsEnabled() {
      return config().isStatisticsEnabled();
    }

    @Override
    public boolean isManagementEnabled() {
      return config().isManagementEnabled();
    }
  }
}
