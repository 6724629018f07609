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
    super(message + ": " + cause.getMessage() + refusalNote(cause), cause);
    this.sqlState = cause.getSQLState();
  }

  /**
   * The server refused the login or a privilege: a configuration error, thrown by a build.
   *
   * @param message the whole message, naming the user and server, never the password
   * @param refusal the server's refusal, from {@link #refusal}
   */
  PostgresException(String message, SQLException refusal, Throwable cause) {
    super(message, cause);
    this.sqlState = refusal.getSQLState();
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
   * The server's refusal of the login or of a privilege anywhere in {@code e}'s chain (causes and
   * next exceptions, where a pool puts the failure behind its own timeout), or null. These are
   * configuration errors, not outages: retrying does not help. SQLSTATE 28P01 (wrong password),
   * 28000 (no {@code pg_hba.conf} entry, no such role), 3D000 (no such database) and 42501 (a
   * privilege is missing, including {@code CONNECT} on the database).
   */
  static SQLException refusal(Throwable e) {
    java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    java.util.ArrayDeque<Throwable> next = new java.util.ArrayDeque<>();
    next.add(e);
    while (!next.isEmpty()) {
      Throwable t = next.poll();
      if (t == null || !seen.add(t)) {
        continue;
      }
      if (t instanceof SQLException sql) {
        if (whatWasRefused(sql.getSQLState()) != null && !(sql instanceof java.sql.SQLTransientConnectionException)) {
          return sql;
        }
        if (sql.getNextException() != null) {
          next.add(sql.getNextException());
        }
      }
      if (t.getCause() != null) {
        next.add(t.getCause());
      }
    }
    return null;
  }

  /** What a refusal's SQLSTATE means in words, or null when it is not a refusal. */
  static String whatWasRefused(String sqlState) {
    if (sqlState == null) {
      return null;
    }
    return switch (sqlState) {
      case "28P01" -> "authentication failed (wrong password)";
      case "28000" -> "authorization failed (no pg_hba.conf entry for it, or no such role)";
      case "3D000" -> "the database does not exist";
      case "42501" -> "a privilege is missing";
      default -> null;
    };
  }

  /** A refusal deep in {@code e}'s chain, said in the message, which otherwise may say only "timed out". */
  private static String refusalNote(SQLException e) {
    SQLException refusal = refusal(e);
    if (refusal == null || refusal == e) {
      return "";
    }
    return " (" + whatWasRefused(refusal.getSQLState()) + ": SQLSTATE " + refusal.getSQLState() + ", "
        + refusal.getMessage() + ")";
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
