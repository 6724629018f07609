package dev.hotpath.cache.timescale;

import dev.hotpath.cache.CacheException;
import java.sql.SQLException;

/**
 * A PostgreSQL operation of this module failed: the server is unreachable or refused a statement.
 * Carries the SQLSTATE when the server or driver gave one. The cache treats a tier's failure as a
 * miss or a skipped write, so cache callers do not see it; callers of {@link TimeSeriesWriter} and
 * {@link RetentionManager} may.
 */
public final class PostgresException extends CacheException {
  private static final long serialVersionUID = 1L;

  /** SQLSTATE class 08: the connection failed or was lost. */
  private static final String CONNECTION_EXCEPTION_CLASS = "08";

  private final String sqlState;

  PostgresException(String message, SQLException cause) {
    super(message + ": " + cause.getMessage(), cause);
    this.sqlState = cause.getSQLState();
  }

  PostgresException(String message) {
    super(message, null);
    this.sqlState = null;
  }

  /** The SQLSTATE of the failure, or {@code null} when none was reported. */
  public String sqlState() {
    return sqlState;
  }

  /**
   * Whether {@code e} says the server could not be reached (rather than that it refused the
   * statement): worth retrying later, and a reason to stop calling for a while.
   */
  static boolean isConnectionFailure(SQLException e) {
    if (e instanceof java.sql.SQLTransientConnectionException
        || e instanceof java.sql.SQLNonTransientConnectionException
        || e instanceof java.sql.SQLRecoverableException) {
      return true;
    }
    String state = e.getSQLState();
    // 57P01..57P03: the server is shutting down or starting up.
    return state != null && (state.startsWith(CONNECTION_EXCEPTION_CLASS) || state.startsWith("57P"));
  }
}
