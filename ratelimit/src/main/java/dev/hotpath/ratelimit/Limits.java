package dev.hotpath.ratelimit;

import java.util.List;

/**
 * Which limit applies to a key: one limit for all, or the key's tenant plan. Immutable; a limiter
 * swaps the whole object to replace its limits.
 */
final class Limits {

  private final RateLimit single;
  private final TenantPlans plans;

  private Limits(RateLimit single, TenantPlans plans) {
    this.single = single;
    this.plans = plans;
  }

  static Limits of(RateLimit limit) {
    return new Limits(limit, null);
  }

  static Limits of(TenantPlans plans) {
    return new Limits(null, plans);
  }

  RateLimit limitFor(String key) {
    return single != null ? single : plans.limitFor(key);
  }

  /**
   * Whether {@link #limitFor} may answer differently for {@code key} without these limits being
   * replaced: its plan comes from the host's assignment function.
   */
  boolean resolvedPerCall(String key) {
    return single == null && plans.assignsByFunction(key);
  }

  Iterable<RateLimit> all() {
    return single != null ? List.of(single) : plans.limits();
  }

  Limits scaled(double share) {
    return single != null ? of(single.scaled(share)) : of(plans.scaled(share));
  }

  @Override
  public String toString() {
    return single != null ? single.toString() : plans.toString();
  }
}
