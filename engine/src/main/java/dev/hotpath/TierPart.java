package dev.hotpath;

import dev.hotpath.cache.CacheAlert;
import dev.hotpath.cache.CacheHealth.Status;
import dev.hotpath.cache.spi.Tier;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * A tier the builder created (Redis or PostgreSQL), with what its health is read from. Holds no
 * driver type: {@link RedisParts} and {@link PostgresParts} make it.
 */
final class TierPart {
  /**
   * The names the builder gives its tiers (the tiers' defaults), known before they exist: TTL
   * profiles name them, and the builder checks those names before it connects.
   */
  static final String REDIS = "redis";
  static final String POSTGRES = "postgres";

  final HotpathHealth.Kind kind;
  final Tier tier;
  /** The tier's name, read once: health names a closed tier without asking it. */
  final String name;
  private final BooleanSupplier circuitOpen;
  private final LongSupplier unsentChanges;

  /**
   * @param circuitOpen whether the tier refuses calls now because its server did not answer
   * @param unsentChanges changes the tier could not make in its server and will resend
   */
  TierPart(HotpathHealth.Kind kind, Tier tier, BooleanSupplier circuitOpen, LongSupplier unsentChanges) {
    this.kind = kind;
    this.tier = tier;
    this.name = tier.name();
    this.circuitOpen = circuitOpen;
    this.unsentChanges = unsentChanges;
  }

  /** Down while its circuit is open; degraded while changes wait or its failures raised alerts. */
  HotpathHealth.Part health(List<CacheAlert> alerts) {
    if (circuitOpen.getAsBoolean()) {
      return new HotpathHealth.Part(kind, name, Status.DOWN,
          "circuit open: the server did not answer; reads go to the next tier and the loader until a probe gets through");
    }
    List<String> reasons = new ArrayList<>();
    long unsent = unsentChanges.getAsLong();
    if (unsent > 0) {
      reasons.add(unsent + " changes wait to be made in the server");
    }
    for (CacheAlert alert : alerts) {
      if (alert.type() == CacheAlert.Type.TIER_FAILURES && name.equals(alert.tier())) {
        reasons.add((long) alert.observed() + " failed operations on namespace '" + alert.namespace()
            + "' in the last alert window");
      }
    }
    return reasons.isEmpty()
        ? new HotpathHealth.Part(kind, name, Status.UP, "answering")
        : new HotpathHealth.Part(kind, name, Status.DEGRADED, String.join("; ", reasons));
  }
}
