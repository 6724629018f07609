package dev.hotpath.ratelimit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Named plans, each a {@link RateLimit}, and which plan each tenant is on. A limiter built with
 * plans treats its key as the tenant. Immutable and thread-safe (the assignment function, if any,
 * must be thread-safe too); derive a changed copy with {@link #toBuilder()} and hand it to
 * {@link RateLimiter#replacePlans}.
 */
public final class TenantPlans {

  private final Map<String, RateLimit> plans;
  private final Map<String, String> assignments;
  private final Function<String, String> lookup;
  private final String defaultPlan;
  private final RateLimit defaultLimit;
  private final String[] order;

  private TenantPlans(Builder b) {
    this.plans = Map.copyOf(b.plans);
    this.assignments = Map.copyOf(b.assignments);
    this.lookup = b.lookup;
    this.defaultPlan = b.defaultPlan;
    this.defaultLimit = plans.get(defaultPlan);
    this.order = b.plans.keySet().toArray(String[]::new);
  }

  /** A new, empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding the usual API plans: {@code free} 10 requests/s (the default),
   * {@code pro} 100/s and {@code enterprise} 1,000/s, each a greedy bucket of one second's worth.
   * Like {@link #toBuilder()}, each of these presets may be replaced once.
   */
  public static Builder standardApiPlans() {
    Duration second = Duration.ofSeconds(1);
    return builder()
        .plan("free", RateLimit.of(Bandwidth.perPeriod(10, second)))
        .plan("pro", RateLimit.of(Bandwidth.perPeriod(100, second)))
        .plan("enterprise", RateLimit.of(Bandwidth.perPeriod(1_000, second)))
        .defaultPlan("free")
        .build()
        .toBuilder();
  }

  /**
   * A builder starting from this object's plans, assignments, assignment function and default
   * plan. These are presets, not settings: each may be replaced once (then the set-once rule of
   * {@link Builder} applies to it).
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    for (String name : order) {
      b.plans.put(name, plans.get(name));
    }
    b.assignments.putAll(assignments);
    b.lookup = lookup;
    b.defaultPlan = defaultPlan;
    return b;
  }

  /**
   * The limit of {@code tenant}'s plan: its explicit assignment, else the assignment function's
   * answer, else the default plan.
   *
   * @throws NullPointerException if tenant is null
   * @throws IllegalStateException if the assignment function names a plan that does not exist
   */
  public RateLimit limitFor(String tenant) {
    requireNonNull(tenant, "tenant");
    String plan = assignments.get(tenant);
    if (plan == null && lookup != null) {
      plan = lookup.apply(tenant);
    }
    if (plan == null) {
      return defaultLimit;
    }
    RateLimit limit = plans.get(plan);
    if (limit == null) {
      throw new IllegalStateException("tenant assigned to unknown plan: '" + plan + "'");
    }
    return limit;
  }

  /**
   * Whether {@code tenant}'s plan comes from the assignment function, which may answer differently
   * on each call, rather than from a fixed assignment or the default with no function set.
   */
  boolean assignsByFunction(String tenant) {
    return lookup != null && !assignments.containsKey(tenant);
  }

  /**
   * The named plan's limit.
   *
   * @throws IllegalArgumentException if there is no such plan
   */
  public RateLimit plan(String name) {
    RateLimit limit = plans.get(requireNonNull(name, "name"));
    if (limit == null) {
      throw new IllegalArgumentException("no such plan: '" + name + "'");
    }
    return limit;
  }

  /** The name of the plan of tenants without an assignment. */
  public String defaultPlan() {
    return defaultPlan;
  }

  /** These plans with every limit scaled by {@code share} (fail-open fallback). */
  TenantPlans scaled(double share) {
    Builder b = toBuilder();
    for (String name : order) {
      b.plan(name, plans.get(name).scaled(share));
    }
    return b.build();
  }

  /** Every plan's limit, for validation by limiters. */
  Iterable<RateLimit> limits() {
    return plans.values();
  }

  @Override
  public String toString() {
    return "TenantPlans[plans=" + String.join(",", order) + ", default=" + defaultPlan
        + ", assigned=" + assignments.size() + (lookup == null ? "" : ", with lookup") + "]";
  }

  /**
   * Builds {@link TenantPlans}. Each value may be set once: the assignment function, the default
   * plan, each named plan and each tenant's assignment (a second call for the same one throws
   * {@link IllegalStateException}); values preset by {@link TenantPlans#toBuilder()} or
   * {@link TenantPlans#standardApiPlans()} may be replaced once. Not thread-safe; reusable after
   * {@link #build()}.
   */
  public static final class Builder {
    private final Map<String, RateLimit> plans = new LinkedHashMap<>();
    private final Map<String, String> assignments = new LinkedHashMap<>();
    private Function<String, String> lookup;
    private String defaultPlan;
    /** What was set on this builder, as opposed to preset by toBuilder: may not be set again. */
    private final Set<String> set = new HashSet<>();

    private Builder() {
    }

    /** Marks {@code field} set, throwing if it was set on this builder before. */
    private void once(String field, Object current) {
      Checks.requireUnset(field, set.contains(field) ? current : null);
      set.add(field);
    }

    /** Adds the plan {@code name} (or replaces the preset one). */
    public Builder plan(String name, RateLimit limit) {
      requireNonNull(name, "name");
      requireNonNull(limit, "limit");
      if (name.isBlank()) {
        throw new IllegalArgumentException("plan name must not be blank: '" + name + "'");
      }
      once("plan '" + name + "'", plans.get(name));
      plans.put(name, limit);
      return this;
    }

    /** Puts {@code tenant} on {@code plan} (the plan must exist by {@link #build()}). */
    public Builder assign(String tenant, String plan) {
      requireNonNull(tenant, "tenant");
      requireNonNull(plan, "plan");
      once("plan of tenant '" + tenant + "'", assignments.get(tenant));
      assignments.put(tenant, plan);
      return this;
    }

    /**
     * Asks {@code tenantToPlan} for tenants without an explicit assignment (for example a lookup
     * in the host's account cache); it returns a plan name, or null for the default plan. It is
     * called on every request of such a tenant, so it must be fast and thread-safe.
     */
    public Builder assignments(Function<String, String> tenantToPlan) {
      requireNonNull(tenantToPlan, "tenantToPlan");
      Checks.requireUnset("assignments", set.contains("assignments"));
      set.add("assignments");
      this.lookup = tenantToPlan;
      return this;
    }

    /** The plan of tenants without an assignment. */
    public Builder defaultPlan(String name) {
      requireNonNull(name, "name");
      once("defaultPlan", defaultPlan);
      this.defaultPlan = name;
      return this;
    }

    /**
     * @throws IllegalStateException if there is no plan, no default plan, or a default or
     *     assignment names a plan that does not exist
     */
    public TenantPlans build() {
      if (plans.isEmpty()) {
        throw new IllegalStateException("no plan defined");
      }
      if (defaultPlan == null) {
        throw new IllegalStateException("defaultPlan is not set");
      }
      if (!plans.containsKey(defaultPlan)) {
        throw new IllegalStateException("defaultPlan names an unknown plan: '" + defaultPlan + "'");
      }
      for (Map.Entry<String, String> e : assignments.entrySet()) {
        if (!plans.containsKey(e.getValue())) {
          throw new IllegalStateException("tenant '" + e.getKey() + "' assigned to unknown plan: '" + e.getValue() + "'");
        }
      }
      return new TenantPlans(this);
    }
  }
}
