package dev.hotpath;

import static java.util.Objects.requireNonNull;

import dev.hotpath.cache.CacheHealth.Status;
import java.util.List;
import java.util.Optional;

/**
 * The health of everything a {@link Hotpath} runs, part by part, each with the reason for its
 * status, and one overall status.
 *
 * <p>The overall status is the worst of the parts', except that a part the others work around
 * counts as {@link Status#DEGRADED} at worst: a Redis or PostgreSQL tier that is down (the cache
 * reads the next tier and the loader instead) and an engine whose source circuit is open (it still
 * serves what the cache holds). So the overall status is {@link Status#DOWN} only when the Hotpath
 * is closed or a rate limiter cannot decide (Redis away under {@code RedisDownPolicy.failClosed()}:
 * its calls throw).
 *
 * @param status the overall status
 * @param parts one per part, in creation order: the in-process cache, Redis, PostgreSQL, each rate
 *     limiter, each engine (those that were configured)
 */
public record HotpathHealth(Status status, List<Part> parts) {

  /**
   * @throws NullPointerException if status or parts is null
   */
  public HotpathHealth {
    requireNonNull(status, "status");
    parts = List.copyOf(parts);
  }

  /** The part of that kind and name, if there is one. */
  public Optional<Part> part(Kind kind, String name) {
    return parts.stream().filter(p -> p.kind() == kind && p.name().equals(name)).findFirst();
  }

  /** What a part is. */
  public enum Kind {
    /** The in-process tier and what runs on it (warmup, alerts); named {@code "cache"}. */
    CACHE,
    /** The Redis tier; named by the tier's name, {@code "redis"}. */
    REDIS,
    /** The PostgreSQL tier; named by the tier's name, {@code "postgres"}. */
    POSTGRES,
    /** A rate limiter, by its name. */
    RATE_LIMITER,
    /** A batch engine, by its name. */
    ENGINE
  }

  /**
   * One part's health.
   *
   * @param kind what the part is
   * @param name its name
   * @param status its status
   * @param reason why, in a sentence for people (never a password); for {@link Status#UP} what the
   *     part is
   */
  public record Part(Kind kind, String name, Status status, String reason) {

    /**
     * @throws NullPointerException if an argument is null
     */
    public Part {
      requireNonNull(kind, "kind");
      requireNonNull(name, "name");
      requireNonNull(status, "status");
      requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
      return kind + " " + name + ": " + status + " (" + reason + ")";
    }
  }

  /** The overall status of an open Hotpath's {@code parts}, by the rule in the class comment. */
  static Status overall(List<Part> parts) {
    Status worst = Status.UP;
    for (Part part : parts) {
      Status counted = part.status() == Status.DOWN && worksAround(part.kind()) ? Status.DEGRADED : part.status();
      if (counted.compareTo(worst) > 0) {
        worst = counted;
      }
    }
    return worst;
  }

  private static boolean worksAround(Kind kind) {
    return kind == Kind.REDIS || kind == Kind.POSTGRES || kind == Kind.ENGINE;
  }
}
