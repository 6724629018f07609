package dev.hotpath.cache.timescale;

import dev.hotpath.cache.timescale.RetentionManager.HypertableMode;
import dev.hotpath.cache.timescale.RetentionManager.Registered;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, once per table, how a {@link RetentionManager} cleans it, and does the TimescaleDB
 * setup that goes with it: a hypertable (made one only as the {@link HypertableMode} allows) gets a
 * retention policy and is cleaned by {@code drop_chunks}; every other table by batched deletes.
 * Keeps where the setup stands for {@link RetentionManager#status()}.
 *
 * <p>Thread-safe. The manager sets a table up only while it holds that table's advisory lock, so
 * no two sessions anywhere set the same table up at once.
 */
final class RetentionSetup {
  /** The manager's logger: a host configures one name for everything retention logs. */
  private static final Logger LOG = LoggerFactory.getLogger(RetentionManager.class);

  private final List<Registered> tables;
  private final HypertableMode mode;
  /** True once the manager is closing: a statement that fails then was cancelled by close. */
  private final BooleanSupplier closing;
  /** The tables set up, by {@code schema.table}: whether each is cleaned as a hypertable. */
  private final Map<String, Boolean> decided = new ConcurrentHashMap<>();
  /** Tables TimescaleDB would not set up, by {@code schema.table}: the server's reason. */
  private final Map<String, String> refused = new ConcurrentHashMap<>();
  private final LongAdder failures = new LongAdder();
  private volatile boolean versionKnown;
  private volatile String version;
  private volatile String attemptError;

  RetentionSetup(List<Registered> tables, HypertableMode mode, BooleanSupplier closing) {
    this.tables = tables;
    this.mode = mode;
    this.closing = closing;
  }

  boolean versionKnown() {
    return versionKnown;
  }

  /** The TimescaleDB version, or {@code null} on plain PostgreSQL or before it was detected. */
  String version() {
    return version;
  }

  /**
   * Detects TimescaleDB once. Without it every table is set up at once (it is cleaned by deletes,
   * and there is nothing to create), so no table lock is needed.
   */
  void detectVersion(Connection c) throws SQLException {
    if (versionKnown) {
      return;
    }
    String found = TimescaleSql.version(c);
    version = found;
    versionKnown = true;
    if (found == null) {
      tables.forEach(t -> decided.putIfAbsent(t.name(), false));
    }
  }

  boolean isSetUp(Registered t) {
    return decided.containsKey(t.name());
  }

  /** Whether the table is cleaned by {@code drop_chunks}; false until it is set up. */
  boolean isHypertable(Registered t) {
    return decided.getOrDefault(t.name(), false);
  }

  /**
   * Sets {@code t} up unless it is; the caller holds {@code t}'s lock on {@code c} and has
   * {@link #detectVersion detected} the version.
   *
   * @throws SQLException when the server could not be reached or the manager is closing: nothing is
   *     decided then, and the next attempt sets the table up. Any other failure (TimescaleDB refuses
   *     the table) is logged and reported by {@link #error()}, and the table is cleaned by deletes
   *     (or {@code drop_chunks}, if it is a hypertable already) until the manager is restarted.
   */
  void setUp(Connection c, Registered t) throws SQLException {
    if (decided.containsKey(t.name())) {
      return;
    }
    boolean hyper = false;
    try {
      switch (mode) {
        case MIGRATE_DATA -> TimescaleSql.createHypertable(c, t.qualified(), t.timeColumn(), true);
        case EMPTY_TABLES_ONLY -> {
          // TimescaleDB itself refuses a table without migrate_data once it has rows, so a row
          // written after this check makes the call fail rather than rewrite anything.
          if (!TimescaleSql.hasRows(c, t.qualified())) {
            TimescaleSql.createHypertable(c, t.qualified(), t.timeColumn(), false);
          }
        }
        case NEVER -> {}
      }
      hyper = TimescaleSql.isHypertable(c, t.schema(), t.table());
      if (hyper) {
        TimescaleSql.setRetentionPolicy(c, t.qualified(), t.retention());
      } else if (mode == HypertableMode.EMPTY_TABLES_ONLY) {
        LOG.warn(
            "retention: {} has rows, so it stays a plain table cleaned by batched deletes;"
                + " createHypertables(HypertableMode.MIGRATE_DATA) would make it a hypertable,"
                + " rewriting every row while the table is locked",
            t.name());
      }
    } catch (SQLException e) {
      if (PostgresException.isConnectionFailure(e) || closing.getAsBoolean()) {
        throw e;
      }
      // One table the server will not convert (a primary key without the time column, a
      // migration past the statement timeout, a table not created yet) must not keep the others
      // from being cleaned.
      failures.increment();
      refused.put(t.name(), e.getMessage());
      LOG.warn(
          "retention: could not set {} up for TimescaleDB, cleaning it as a {}: {}",
          t.name(), hyper ? "hypertable without a retention policy" : "plain table", e.toString());
    }
    decided.put(t.name(), hyper);
  }

  /** An attempt to set the tables up ended; {@code failure} is why it stopped, or null. */
  void attemptEnded(SQLException failure) {
    if (failure == null) {
      attemptError = null;
    } else if (pending() > 0) {
      failures.increment();
      attemptError = failure.getMessage();
    }
  }

  /** Where the setup stands; see {@link RetentionManager.Status#setup()}. */
  RetentionManager.Setup state() {
    if (pending() == 0) {
      return RetentionManager.Setup.DONE;
    }
    return attemptError == null ? RetentionManager.Setup.PENDING : RetentionManager.Setup.FAILED;
  }

  /** See {@link RetentionManager.Status#setupError()}. */
  String error() {
    String attempt = attemptError;
    if (attempt != null && pending() > 0) {
      return attempt;
    }
    if (refused.isEmpty()) {
      return null;
    }
    return tables.stream()
        .filter(t -> refused.containsKey(t.name()))
        .map(t -> t.name() + ": " + refused.get(t.name()))
        .collect(Collectors.joining("; "));
  }

  /** The registered tables not set up yet. */
  int pending() {
    return tables.size() - decided.size();
  }

  /** Failed attempts to set tables up, counting each table TimescaleDB refused. */
  long failures() {
    return failures.sum();
  }

  /** The registered tables cleaned as hypertables, in registration order. */
  List<String> hypertables() {
    return tables.stream().map(Registered::name).filter(n -> decided.getOrDefault(n, false)).toList();
  }
}
