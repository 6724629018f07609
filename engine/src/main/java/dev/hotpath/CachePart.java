package dev.hotpath;

import dev.hotpath.cache.CacheAlert;
import dev.hotpath.cache.CacheHealth.Status;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.cache.WarmupReport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The health of the in-process cache: its start warmup and the alerts that are not a tier's. */
final class CachePart {
  /** The cache part's name in {@link HotpathHealth}. */
  static final String NAME = "cache";

  private CachePart() {}

  /** Degraded while the start warmup runs, after it ended incomplete or failed, and while an alert is raised. */
  static HotpathHealth.Part health(TieredCache cache, CompletableFuture<WarmupReport> warmup, List<CacheAlert> alerts) {
    List<String> reasons = new ArrayList<>();
    if (!warmup.isDone()) {
      reasons.add("warmup running");
    } else if (warmup.isCompletedExceptionally()) {
      reasons.add("start warmup failed");
    } else if (!warmup.join().isComplete()) {
      reasons.add("start warmup incomplete: " + String.join(", ", warmup.join().results().stream()
          .filter(r -> r.status() != WarmupReport.Status.COMPLETED)
          .map(r -> r.strategy() + " " + r.status())
          .toList()));
    }
    for (CacheAlert alert : alerts) {
      if (alert.type() != CacheAlert.Type.TIER_FAILURES) { // a tier's part reports those
        reasons.add(alert.type() + " in namespace '" + alert.namespace() + "': " + alert.observed()
            + " against a threshold of " + alert.threshold());
      }
    }
    return reasons.isEmpty()
        ? new HotpathHealth.Part(HotpathHealth.Kind.CACHE, NAME, Status.UP, cache.namespaces().size() + " namespaces")
        : new HotpathHealth.Part(HotpathHealth.Kind.CACHE, NAME, Status.DEGRADED, String.join("; ", reasons));
  }
}
