package dev.hotpath.cache;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Publishes a {@link TieredCache}'s counters to Micrometer. Meters read the cache's own counters
 * when scraped, so reads pay nothing for them. Meters (tags {@code cache} = namespace, {@code
 * tier}):
 *
 * <ul>
 *   <li>{@code hotpath.cache.gets} {result=hit|miss, tier} — reads per tier
 *   <li>{@code hotpath.cache.tier.errors} {tier}, {@code hotpath.cache.decode.failures} {tier}
 *   <li>{@code hotpath.cache.loads} {result=success|failure} — loader calls
 *   <li>{@code hotpath.cache.evictions}, {@code hotpath.cache.size}
 *   <li>{@code hotpath.cache.latency} — a function timer of reads past the in-process tier
 *   <li>{@code hotpath.cache.writebehind.pending}, {@code .overflows}, {@code .undelivered}
 *   <li>{@code hotpath.cache.health} — of the latest alert evaluation: 1 up, 0.5 degraded, 0 down
 * </ul>
 *
 * <p>The cache is held strongly; bind once per registry.
 */
public final class CacheMetrics implements MeterBinder {
  private final TieredCache cache;

  /** Metrics for {@code cache}. */
  public CacheMetrics(TieredCache cache) {
    this.cache = Objects.requireNonNull(cache, "cache");
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    for (TieredNamespace<?, ?> ns : cache.tieredNamespaces()) {
      Tags tags = Tags.of("cache", ns.name());
      for (String tier : cache.tierNames()) {
        if (ns.stats().tier(tier) == null) {
          continue;
        }
        Tags tierTags = tags.and("tier", tier);
        counter(registry, "hotpath.cache.gets", tierTags.and("result", "hit"), ns, n -> n.stats().tier(tier).hits());
        counter(registry, "hotpath.cache.gets", tierTags.and("result", "miss"), ns, n -> n.stats().tier(tier).misses());
        counter(registry, "hotpath.cache.tier.errors", tierTags, ns, n -> n.stats().tier(tier).errors());
        counter(registry, "hotpath.cache.decode.failures", tierTags, ns, n -> n.stats().tier(tier).decodeFailures());
      }
      counter(registry, "hotpath.cache.loads", tags.and("result", "success"), ns,
          n -> n.stats().loads() - n.stats().loadFailures());
      counter(registry, "hotpath.cache.loads", tags.and("result", "failure"), ns, n -> n.stats().loadFailures());
      counter(registry, "hotpath.cache.evictions", tags, ns, n -> n.stats().evictions());
      gauge(registry, "hotpath.cache.size", tags, ns, n -> n.estimatedSize());
      FunctionTimer.builder(
              "hotpath.cache.latency", ns, n -> n.latency().count(), n -> n.latency().totalNanos(), TimeUnit.NANOSECONDS)
          .tags(tags)
          .description("latency of reads past the in-process tier")
          .register(registry);
      if (ns.spec().writeMode() == WriteMode.WRITE_BEHIND) {
        gauge(registry, "hotpath.cache.writebehind.pending", tags, ns, n -> n.stats().writeBehind().pending());
        counter(registry, "hotpath.cache.writebehind.overflows", tags, ns, n -> n.stats().writeBehind().overflows());
        counter(registry, "hotpath.cache.writebehind.undelivered", tags, ns, n -> n.stats().writeBehind().undelivered());
      }
    }
    Gauge.builder("hotpath.cache.health", cache, c -> switch (c.health().status()) {
          case UP -> 1.0;
          case DEGRADED -> 0.5;
          case DOWN -> 0.0;
        })
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
