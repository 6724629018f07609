package dev.hotpath.engine;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Registers an engine's {@code hotpath.engine.*} meters. They read the engine's counters when
 * scraped (the engine pays nothing per item for them) and hold the engine weakly.
 */
final class EngineMeters {

  private EngineMeters() {
  }

  static void bind(EngineCore<?, ?> core, MeterRegistry registry) {
    Tags tags = Tags.of("source", core.name);
    EngineStats stats = core.stats;
    counter(registry, "hotpath.engine.items", tags.and("result", "cache"), stats.itemsFromCache,
        "Items served by a cache tier");
    counter(registry, "hotpath.engine.items", tags.and("result", "source"), stats.itemsFromSource,
        "Items fetched from the source");
    for (FailureKind kind : FailureKind.values()) {
      counter(registry, "hotpath.engine.items", tags.and("result", kind.name().toLowerCase(Locale.ROOT)),
          stats.itemsFailed[kind.ordinal()], "Items that failed: " + kind);
    }
    for (EngineStats.CallResult result : EngineStats.CallResult.values()) {
      counter(registry, "hotpath.engine.source.calls", tags.and("result", result.name().toLowerCase(Locale.ROOT)),
          stats.calls[result.ordinal()], "Source calls by outcome (refused: HTTP 429/418)");
    }
    counter(registry, "hotpath.engine.weight.used", tags, stats.weightUsed, "Rate-limit weight paid by source calls");
    counter(registry, "hotpath.engine.batches.rejected", tags, stats.batchesRejected,
        "Batches refused because their queue was full");
    FunctionTimer.builder("hotpath.engine.batch.duration", stats, s -> s.batches.sum(), s -> s.batchNanos.sum(),
            TimeUnit.NANOSECONDS)
        .tags(tags).description("From submission until a batch was done").register(registry);
    for (Priority priority : Priority.values()) {
      Gauge.builder("hotpath.engine.queue.length", core.admission, a -> a.queued(priority))
          .tags(tags.and("priority", priority.name().toLowerCase(Locale.ROOT)))
          .description("Items of open batches, per priority queue").register(registry);
    }
    Gauge.builder("hotpath.engine.workers.active", core.runner, r -> r.slotsInUse()).tags(tags)
        .description("Source calls holding a slot (waiting for their weight or in flight)").register(registry);
    Gauge.builder("hotpath.engine.concurrency.limit", core.runner, r -> r.limit()).tags(tags)
        .description("The current limit of concurrent source calls").register(registry);
  }

  private static void counter(MeterRegistry registry, String name, Tags tags, LongAdder adder, String description) {
    FunctionCounter.builder(name, adder, LongAdder::sum).tags(tags).description(description).register(registry);
  }
}
