package dev.hotpath.cache;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates the {@link AlertPolicy} over the window since the previous evaluation, raises and
 * clears alerts (edge-triggered), and keeps the resulting {@link CacheHealth}.
 */
final class AlertMonitor {
  private static final Logger LOG = LoggerFactory.getLogger(AlertMonitor.class);

  private final TieredCache cache;
  private final AlertPolicy policy;
  private final List<AlertListener> listeners;
  private final Map<String, Window> previous = new HashMap<>();
  private Set<Key> active = new LinkedHashSet<>();
  private Map<Key, CacheAlert> activeAlerts = new HashMap<>();
  private volatile CacheHealth last = new CacheHealth(CacheHealth.Status.UP, List.of());

  AlertMonitor(
      TieredCache cache, AlertPolicy policy, List<AlertListener> listeners, ScheduledExecutorService scheduler) {
    this.cache = cache;
    this.policy = policy;
    this.listeners = List.copyOf(listeners);
    long every = policy.interval().toNanos();
    scheduler.scheduleWithFixedDelay(this::evaluateQuietly, every, every, TimeUnit.NANOSECONDS);
  }

  private void evaluateQuietly() {
    try {
      evaluate();
    } catch (RuntimeException e) {
      LOG.error("alert evaluation failed", e);
    }
  }

  synchronized CacheHealth evaluate() {
    long now = cache.runtime().ticker().read();
    Map<Key, CacheAlert> raised = new HashMap<>();
    boolean down = false;
    for (TieredNamespace<?, ?> ns : cache.tieredNamespaces()) {
      Window current = new Window(ns.stats(), ns.latency().count(), ns.latency().totalNanos(), now);
      Window before = previous.put(ns.name(), current);
      if (before == null) {
        before = Window.EMPTY;
      }
      down |= check(current, before, raised);
    }
    for (Map.Entry<Key, CacheAlert> e : raised.entrySet()) {
      if (!active.contains(e.getKey())) {
        listeners.forEach(l -> notify(() -> l.onAlert(e.getValue())));
      }
    }
    for (Key key : active) {
      if (!raised.containsKey(key)) {
        CacheAlert cleared = activeAlerts.get(key);
        listeners.forEach(l -> notify(() -> l.onCleared(cleared)));
      }
    }
    active = new LinkedHashSet<>(raised.keySet());
    activeAlerts = raised;
    List<CacheAlert> alerts = new ArrayList<>(raised.values());
    CacheHealth.Status status =
        down ? CacheHealth.Status.DOWN : alerts.isEmpty() ? CacheHealth.Status.UP : CacheHealth.Status.DEGRADED;
    last = new CacheHealth(status, alerts);
    return last;
  }

  /** The health of the latest evaluation, without evaluating. */
  CacheHealth last() {
    return last;
  }

  /** Adds the namespace's crossed thresholds to {@code raised}; true when a tier is down. */
  private boolean check(Window now, Window before, Map<Key, CacheAlert> raised) {
    NamespaceStats s = now.stats;
    String ns = s.namespace();
    boolean down = false;
    for (int i = 1; i < s.tiers().size(); i++) {
      TierStats tier = s.tiers().get(i);
      TierStats old = before.stats == null ? null : before.stats.tier(tier.tier());
      long errors = tier.errors() - (old == null ? 0 : old.errors());
      if (errors > policy.maxTierErrors()) {
        raise(raised, new CacheAlert(CacheAlert.Type.TIER_FAILURES, ns, tier.tier(), errors, policy.maxTierErrors()));
        // DOWN: every key read in the window failed (failed writes alone do not make reads fail).
        long readErrors = tier.readErrors() - (old == null ? 0 : old.readErrors());
        long keysRead =
            tier.hits() + tier.misses() - (old == null ? 0 : old.hits() + old.misses());
        down |= readErrors > 0 && readErrors >= keysRead;
      }
    }
    double seconds = (now.atNanos - before.atNanos) / 1e9;
    if (before.stats != null && seconds > 0) {
      double evictionRate = (s.evictions() - before.stats.evictions()) / seconds;
      if (evictionRate > policy.maxEvictionsPerSecond()) {
        raise(raised, new CacheAlert(
            CacheAlert.Type.HIGH_EVICTION_RATE, ns, null, evictionRate, policy.maxEvictionsPerSecond()));
      }
    }
    long requests = s.requests() - (before.stats == null ? 0 : before.stats.requests());
    if (requests < policy.minRequests()) {
      return down;
    }
    long hits = s.hits() - (before.stats == null ? 0 : before.stats.hits());
    double hitRate = (double) hits / requests;
    if (hitRate < policy.minHitRate()) {
      raise(raised, new CacheAlert(CacheAlert.Type.LOW_HIT_RATE, ns, null, hitRate, policy.minHitRate()));
    }
    TierStats l1 = s.tiers().get(0);
    TierStats l1Before = before.stats == null ? new TierStats("memory", 0, 0, 0, 0, 0, java.time.Duration.ZERO) : before.stats.tiers().get(0);
    long l1Requests = l1.hits() + l1.misses() - l1Before.hits() - l1Before.misses();
    double l1HitRate = l1Requests == 0 ? 1.0 : (double) (l1.hits() - l1Before.hits()) / l1Requests;
    if (l1HitRate < policy.minL1HitRate()) {
      raise(raised, new CacheAlert(CacheAlert.Type.LOW_L1_HIT_RATE, ns, null, l1HitRate, policy.minL1HitRate()));
    }
    long timed = now.latencyCount - before.latencyCount;
    if (timed > 0) {
      double meanMillis = (now.latencyNanos - before.latencyNanos) / (double) timed / 1e6;
      double maxMillis = policy.maxLatency().toNanos() / 1e6;
      if (meanMillis > maxMillis) {
        raise(raised, new CacheAlert(CacheAlert.Type.HIGH_LATENCY, ns, null, meanMillis, maxMillis));
      }
    }
    return down;
  }

  private static void raise(Map<Key, CacheAlert> raised, CacheAlert alert) {
    raised.put(new Key(alert.type(), alert.namespace(), alert.tier()), alert);
  }

  private static void notify(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      LOG.warn("alert listener failed", e);
    }
  }

  private record Key(CacheAlert.Type type, String namespace, String tier) {}

  private record Window(NamespaceStats stats, long latencyCount, long latencyNanos, long atNanos) {
    static final Window EMPTY = new Window(null, 0, 0, 0);
  }
}
