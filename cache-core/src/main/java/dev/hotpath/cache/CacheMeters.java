package dev.hotpath.cache;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The meters of {@link TieredCache#bindTo}. Every meter reads the cache's own counters when
 * scraped, so reads pay nothing for them. Meters, tagged {@code cache=<namespace>} (so two caches
 * bound to one registry need distinct namespace names: Micrometer keeps the first cache's meters,
 * and binding the second logs a warning naming the namespace):
 *
 * <ul>
 *   <li>under Micrometer's cache names, which the dashboards made for Caffeine and JCache read:
 *       {@code cache.gets} {result=hit|miss} (a hit is a key any tier held; a miss went to the
 *       loader or found nothing), {@code cache.puts}, {@code cache.evictions} (in process, for
 *       size), {@code cache.size} (in process), {@code cache.load} {result=success|failure};
 *   <li>per tier, tagged {@code tier} too: {@code hotpath.cache.tier.gets} {result}, {@code
 *       hotpath.cache.tier.errors}, {@code hotpath.cache.tier.decode.failures}. These are not
 *       {@code cache.gets} with a {@code tier} tag, because one read counts in several tiers (a
 *       miss in process, then a hit in Redis), so summing them would not give the hit rate;
 *   <li>{@code hotpath.cache.latency}, a function timer of reads past the in-process tier;
 *   <li>write-behind namespaces: {@code hotpath.cache.writebehind.pending}, {@code .overflows},
 *       {@code .deadletters} (writes given up after their attempts), {@code .undelivered};
 *   <li>{@code hotpath.cache.writebacks.skipped}: values a read found or loaded but did not store
 *       in the tiers above, because the key changed meanwhile or its lock was busy (a later miss,
 *       never a stale value);
 *   <li>once per cache, tagged {@code node}: {@code hotpath.cache.health}, of the latest alert
 *       evaluation: 1 up, 0.5 degraded, 0 down; and, when the cache owns its load pool, {@code
 *       hotpath.cache.load.threads} (busy), {@code .threads.max}, {@code .queued} and {@code
 *       .rejected}.
 * </ul>
 */
final class CacheMeters {
  private static final Logger LOG = LoggerFactory.getLogger(CacheMeters.class);

  private CacheMeters() {}

  static void bind(TieredCache cache, MeterRegistry registry) {
    for (TieredNamespace<?, ?> ns : cache.tieredNamespaces()) {
      Tags tags = Tags.of("cache", ns.name());
      if (registry.find("cache.gets").tags(tags).meter() != null) {
        LOG.warn("Namespace '{}': the registry already has cache meters tagged cache={} of another cache's"
            + " namespace of the same name; Micrometer keeps those, so this one is not counted there."
            + " Give namespaces bound to one registry distinct names.", ns.name(), ns.name());
      }
      counter(registry, "cache.gets", tags.and("result", "hit"), ns, n -> n.stats().hits());
      counter(registry, "cache.gets", tags.and("result", "miss"), ns, n -> n.stats().misses());
      counter(registry, "cache.puts", tags, ns, n -> n.stats().puts());
      counter(registry, "cache.evictions", tags, ns, n -> n.stats().evictions());
      gauge(registry, "cache.size", tags, ns, TieredNamespace::estimatedSize);
      counter(registry, "cache.load", tags.and("result", "success"), ns,
          n -> n.stats().loads() - n.stats().loadFailures());
      counter(registry, "cache.load", tags.and("result", "failure"), ns, n -> n.stats().loadFailures());
      for (String tier : cache.tierNames()) {
        if (ns.stats().tier(tier) == null) {
          continue;
        }
        Tags tierTags = tags.and("tier", tier);
        counter(registry, "hotpath.cache.tier.gets", tierTags.and("result", "hit"), ns, n -> n.stats().tier(tier).hits());
        counter(registry, "hotpath.cache.tier.gets", tierTags.and("result", "miss"), ns, n -> n.stats().tier(tier).misses());
        counter(registry, "hotpath.cache.tier.errors", tierTags, ns, n -> n.stats().tier(tier).errors());
        counter(registry, "hotpath.cache.tier.decode.failures", tierTags, ns, n -> n.stats().tier(tier).decodeFailures());
      }
      FunctionTimer.builder(
              "hotpath.cache.latency", ns, n -> n.latency().count(), n -> n.latency().totalNanos(), TimeUnit.NANOSECONDS)
          .tags(tags)
          .description("latency of reads past the in-process tier")
          .register(registry);
      if (ns.spec().writeMode() == WriteMode.WRITE_BEHIND) {
        gauge(registry, "hotpath.cache.writebehind.pending", tags, ns, n -> n.stats().writeBehind().pending());
        counter(registry, "hotpath.cache.writebehind.overflows", tags, ns, n -> n.stats().writeBehind().overflows());
        counter(registry, "hotpath.cache.writebehind.deadletters", tags, ns, n -> n.stats().writeBehind().deadLetters());
        counter(registry, "hotpath.cache.writebehind.undelivered", tags, ns, n -> n.stats().writeBehind().undelivered());
      }
      counter(registry, "hotpath.cache.writebacks.skipped", tags, ns, n -> n.stats().writeBacksSkipped());
    }
    LoadExecutor pool = cache.loadExecutor();
    if (pool != null) {
      Tags node = Tags.of("node", cache.nodeId());
      Gauge.builder("hotpath.cache.load.threads", pool, LoadExecutor::getActiveCount).tags(node)
          .description("threads of the cache's load pool running a load").register(registry);
      Gauge.builder("hotpath.cache.load.threads.max", pool, LoadExecutor::getMaximumPoolSize).tags(node)
          .register(registry);
      Gauge.builder("hotpath.cache.load.queued", pool, p -> p.getQueue().size()).tags(node)
          .description("loads waiting for a thread").register(registry);
      FunctionCounter.builder("hotpath.cache.load.rejected", pool, LoadExecutor::rejectedCount).tags(node)
          .description("misses refused because every load thread was busy and the queue full")
          .register(registry);
    }
    Gauge.builder("hotpath.cache.health", cache, c -> switch (c.health().status()) {
          case UP -> 1.0;
          case DEGRADED -> 0.5;
          case DOWN -> 0.0;
        })
        .tags("node", cache.nodeId())
        .register(registry);
  }

  private static void counter(
      MeterRegistry registry, String name, Tags tags, TieredNamespace<?, ?> ns, ToLongFunction<TieredNamespace<?, ?>> f) {
    FunctionCounter.builder(name, ns, n -> f.applyAsLong(n)).tags(tags).register(registry);
  }

  private static void gauge(
      MeterRegistry registry, String name, Tags tags, TieredNamespace<?, ?> ns, ToDoubleFunction<TieredNamespace<?, ?>> f) {
    Gauge.builder(name, ns, f).tags(tags).register(registry);
  }
}
