package dev.hotpath;

import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.WarmupReport;
import dev.hotpath.engine.BatchEngine;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RedisDownPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What {@link Hotpath.Builder#build()} created, handed to the constructor. */
final class Assembly {
  private static final Logger LOG = LoggerFactory.getLogger(Assembly.class);
  final Closer closer = new Closer();
  String nodeId;
  TieredCache cache;
  final List<TierPart> tiers = new ArrayList<>();
  final Map<String, LimiterPart> limiters = new LinkedHashMap<>();
  final Map<String, EnginePart> engines = new LinkedHashMap<>();
  CompletableFuture<WarmupReport> warmup;

  /** Creates every part of {@code b}; when one fails, closes those created before it and throws. */
  static Assembly assemble(Hotpath.Builder b) {
    Assembly a = new Assembly();
    try {
      a.create(b);
      return a;
    } catch (RuntimeException | Error e) {
      a.closer.closeAll();
      throw e;
    }
  }

  private void create(Hotpath.Builder b) {
    nodeId = b.nodeId != null ? b.nodeId : UUID.randomUUID().toString();
    boolean withCache = !b.namespaces.isEmpty();
    // Referenced only when configured: the JVM loads RedisParts (and Lettuce) or PostgresParts
    // (and pgjdbc, HikariCP) on the first call of theirs, never for an in-process Hotpath.
    RedisParts redis = b.redisUrl != null || b.redisClient != null
        ? RedisParts.open(b.redisUrl, b.redisClient, b.redisKeyPrefix != null ? b.redisKeyPrefix : "hotpath",
            b.redisTimeout, nodeId, withCache, closer)
        : null;
    if (redis != null && redis.tier != null) {
      tiers.add(redis.tier);
    }
    if (b.usesPostgres()) {
      tiers.add(PostgresParts.open(b.postgresUrl, b.postgresUser, b.postgresPassword, b.postgresDataSource,
          b.postgresSchema, closer));
    }
    if (withCache) {
      TieredCache.Builder cacheBuilder = b.cacheBuilder().nodeId(nodeId);
      tiers.forEach(t -> cacheBuilder.sharedTier(t.tier));
      cache = closer.add("cache", cacheBuilder.build());
    }
    RedisDownPolicy downPolicy = b.downPolicy != null ? b.downPolicy : RedisDownPolicy.failClosed();
    // Loops, not lambdas: a lambda capturing RedisParts would name it in a method type even when
    // Redis is not configured.
    for (Map.Entry<String, RateLimit> limit : b.rateLimits.entrySet()) {
      limiters.put(limit.getKey(), redis != null
          ? redis.rateLimiter(limit.getKey(), limit.getValue(), downPolicy, closer)
          : LimiterPart.local(limit.getKey(), limit.getValue()));
    }
    Hotpath.RateLimiters lookup = name -> LimiterPart.find(limiters, name);
    for (EngineSpec<?, ?> spec : b.engines.values()) {
      BatchEngine<?, ?> engine = closer.add("engine " + spec.name(), spec.build(cache, lookup));
      engines.put(spec.name(), new EnginePart(spec.name(), engine, spec.namespace()));
    }
    warmup = startWarmup(b);
  }

  private CompletableFuture<WarmupReport> startWarmup(Hotpath.Builder b) {
    if (b.warmupPlan == null || b.warmupMode == Hotpath.WarmupMode.OFF) {
      return CompletableFuture.completedFuture(new WarmupReport(List.of(), Duration.ZERO));
    }
    if (b.warmupMode == Hotpath.WarmupMode.BLOCK) {
      return CompletableFuture.completedFuture(cache.warmUp());
    }
    CompletableFuture<WarmupReport> report = new CompletableFuture<>();
    Thread thread = new Thread(() -> {
      try {
        report.complete(cache.warmUp());
      } catch (RuntimeException | Error e) {
        report.completeExceptionally(e);
      }
    }, "hotpath-warmup-start");
    thread.setDaemon(true);
    // An interrupt cuts the run short (its strategies count as timed out) and the run returns once
    // they stopped; the join is bounded by the plan's deadline for a strategy or a progress
    // listener that does not stop.
    Duration patience = b.warmupPlan.deadline();
    closer.add("warmup", () -> {
      thread.interrupt();
      try {
        thread.join(Math.max(1, patience.toMillis()));
      } finally {
        if (thread.isAlive()) {
          LOG.warn("the start warmup did not stop within {} of being interrupted; closing the parts it uses"
              + " while it runs", patience);
        }
      }
    });
    thread.start();
    return report;
  }
}
