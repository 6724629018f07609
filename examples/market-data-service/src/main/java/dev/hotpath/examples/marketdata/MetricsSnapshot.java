package dev.hotpath.examples.marketdata;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hotpath.HotpathHealth;
import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceStats;
import dev.hotpath.cache.TierStats;
import dev.hotpath.cache.timescale.RetentionManager;
import dev.hotpath.cache.timescale.TimeSeriesWriter;
import dev.hotpath.engine.EngineSnapshot;
import java.time.Instant;

/**
 * The JSON of {@code GET /api/metrics}: what the engine, the cache tiers, the client limits, the
 * exchange and the storage are doing now, in the figures the replaced dashboards promised (symbols
 * per second, hit rate per tier, quota used against its limit, active workers, queue length, error
 * rate). Built on each call from counters and snapshots; nothing here blocks on a server.
 */
final class MetricsSnapshot {
  private MetricsSnapshot() {}

  static ObjectNode of(MarketDataService s) {
    ObjectNode root = HttpIo.MAPPER.createObjectNode();
    root.put("timestamp", Instant.now(s.clock).toString());
    root.put("node", s.hotpath.nodeId());
    root.put("status", s.health().status().name());

    EngineSnapshot e = s.engine.snapshot();
    ObjectNode engine = root.putObject("engine");
    engine.put("symbolsPerSecond", round(s.stats.symbols.perSecond()));
    engine.put("seriesPerSecond", round(s.stats.series.perSecond()));
    engine.put("itemsPerSecond", round(e.itemsPerSecond()));
    engine.put("cacheHitRate", round(e.cacheHitRate()));
    engine.put("errorRate", round(e.errorRate()));
    engine.put("quotaUsed", e.quotaUsed());
    engine.put("quotaLimit", e.quotaLimit());
    engine.put("weightUsed", e.weightUsed());
    engine.put("activeWorkers", e.activeWorkers());
    engine.put("concurrencyLimit", e.concurrencyLimit());
    engine.put("queueLength", e.queueLength());
    engine.put("batchesInProgress", e.batchesInProgress());
    engine.put("circuit", e.circuitState().name());
    engine.put("pausedForMs", e.pausedFor().toMillis());

    ObjectNode cache = root.putObject("cache");
    namespace(cache.putObject("ohlc"), s.candles);
    namespace(cache.putObject("indicators"), s.indicatorCache);

    ObjectNode api = root.putObject("api");
    api.put("requests", s.stats.requests.sum());
    api.put("badRequests", s.stats.badRequests.sum());
    api.put("notModified", s.stats.notModified.sum());
    api.put("serverErrors", s.stats.serverErrors.sum());
    api.put("tooManyRequests", s.limits.refusedTotal());
    api.set("tooManyRequestsByPlan", HttpIo.MAPPER.valueToTree(s.limits.refusedByPlan()));
    api.set("admittedByPlan", HttpIo.MAPPER.valueToTree(s.limits.allowedByPlan()));

    long items = s.stats.items.sum();
    long fromCache = s.stats.itemsFromCache.sum();
    long fromSource = s.stats.itemsFromSource.sum();
    long calls = s.source.calls();
    ObjectNode source = root.putObject("source");
    source.put("name", s.config.simulated() ? "simulated binance" : "binance " + s.config.binanceUrl);
    source.put("series", items);
    source.put("seriesFromCache", fromCache);
    source.put("seriesFromSource", fromSource);
    source.put("seriesFailed", s.stats.itemsFailed.sum());
    source.put("klinesCalls", calls);
    // One klines call per series is what a service without the cache and the roll-up makes.
    source.put("callsSavedByCache", fromCache);
    source.put("callsSavedByRollup", Math.max(0, fromSource - calls));
    source.put("refusalsReceived", s.source.refusals());

    ObjectNode storage = root.putObject("storage");
    writer(storage.putObject("candles1mWriter"), s.writer.stats()).put("notWritten", s.recorder.notWritten());
    writer(storage.putObject("indicatorWriter"), s.analytics.indicatorWriter().stats());
    writer(storage.putObject("signalWriter"), s.analytics.signalWriter().stats());
    writer(storage.putObject("eventLogWriter"), s.events.writer().stats());
    RetentionManager.Status r = s.retention.status();
    ObjectNode retention = storage.putObject("retention");
    retention.put("running", r.running());
    retention.put("nextRun", r.nextRun() == null ? null : r.nextRun().toString());
    retention.put("lastRun", r.lastRun() == null ? null : r.lastRun().finishedAt().toString());
    retention.put("rowsRemovedLastRun", r.lastRun() == null ? 0 : r.lastRun().rowsRemoved());
    return root;
  }

  private static ObjectNode writer(ObjectNode out, TimeSeriesWriter.Stats w) {
    out.put("written", w.written());
    out.put("buffered", w.buffered());
    out.put("failedFlushes", w.failedFlushes());
    out.put("refused", w.refused());
    return out;
  }

  private static void namespace(ObjectNode out, Namespace<?, ?> ns) {
    NamespaceStats stats = ns.stats();
    out.put("requests", stats.requests());
    out.put("hitRate", round(stats.hitRate()));
    out.put("l1HitRate", round(stats.l1HitRate()));
    out.put("size", stats.size());
    ObjectNode tiers = out.putObject("tiers");
    for (String tier : new String[] {"redis", "postgres"}) {
      TierStats t = stats.tier(tier);
      if (t != null) {
        tiers.putObject(tier).put("hitRate", round(t.hitRate())).put("hits", t.hits()).put("misses", t.misses())
            .put("errors", t.errors());
      }
    }
  }

  /** The health as JSON: overall and per part. */
  static ObjectNode health(HotpathHealth health, boolean stopping) {
    ObjectNode root = HttpIo.MAPPER.createObjectNode();
    root.put("status", stopping ? "DOWN" : health.status().name());
    if (stopping) {
      root.put("reason", "the service is stopping");
    }
    var parts = root.putArray("parts");
    for (HotpathHealth.Part part : health.parts()) {
      parts.addObject().put("kind", part.kind().name()).put("name", part.name()).put("status", part.status().name())
          .put("reason", part.reason());
    }
    return root;
  }

  private static double round(double value) {
    return Double.isFinite(value) ? Math.round(value * 10_000) / 10_000.0 : 0;
  }
}
