package dev.hotpath.cache.timescale;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A circuit breaker for one server: after a connection failure, calls fail at once for {@code
 * retryAfter} instead of each waiting out the connect timeout; then one call is let through as a
 * probe, and its success closes the breaker. Statement errors (a constraint, a syntax error) do not
 * open it: the server answered. Thread-safe.
 */
final class OutageGuard {
  private static final long CLOSED = Long.MIN_VALUE;

  private final String name;
  private final Clock clock;
  private final long retryAfterMillis;
  /** Epoch millis before which calls fail fast, or {@link #CLOSED}. */
  private final AtomicLong openUntil = new AtomicLong(CLOSED);
  private final LongAdder failures = new LongAdder();
  private final LongAdder rejected = new LongAdder();

  OutageGuard(String name, Clock clock, Duration retryAfter) {
    this.name = name;
    this.clock = clock;
    this.retryAfterMillis = retryAfter.toMillis();
  }

  /**
   * Returns when a call may go to the server.
   *
   * @throws PostgresException while the breaker is open and this call is not the probe
   */
  void check() {
    long until = openUntil.get();
    if (until == CLOSED) {
      return;
    }
    long now = clock.millis();
    // The first caller after the pause becomes the probe; everyone else keeps failing fast.
    if (now < until || !openUntil.compareAndSet(until, now + retryAfterMillis)) {
      rejected.increment();
      throw new PostgresException(name + " is unreachable; retrying after a pause");
    }
  }

  /** Records a successful call: the server is back. */
  void succeeded() {
    if (openUntil.get() != CLOSED) {
      openUntil.set(CLOSED);
    }
  }

  /** Records a failed call and returns the exception to throw. */
  PostgresException failed(String operation, SQLException e) {
    failures.increment();
    if (PostgresException.isConnectionFailure(e)) {
      openUntil.set(clock.millis() + retryAfterMillis);
    }
    return new PostgresException(name + ": " + operation + " failed", e);
  }

  boolean isOpen() {
    return openUntil.get() != CLOSED;
  }

  long failures() {
    return failures.sum();
  }

  long rejected() {
    return rejected.sum();
  }
}
