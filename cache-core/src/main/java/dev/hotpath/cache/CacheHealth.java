package dev.hotpath.cache;

import java.util.List;

/**
 * The cache's health after the latest alert evaluation.
 *
 * @param status {@link Status#UP} with no alert, {@link Status#DOWN} when a shared tier failed on
 *     every operation of the window, else {@link Status#DEGRADED}
 * @param alerts the alerts active now
 */
public record CacheHealth(Status status, List<CacheAlert> alerts) {

  public CacheHealth {
    alerts = List.copyOf(alerts);
  }

  /** Overall health. */
  public enum Status {
    UP,
    DEGRADED,
    DOWN
  }
}
