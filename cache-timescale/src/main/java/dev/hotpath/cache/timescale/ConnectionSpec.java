package dev.hotpath.cache.timescale;

import static java.util.Objects.requireNonNull;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.cache.spi.UrlMasking;
import java.time.Duration;
import java.util.Properties;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Where the builders of this module get connections: the host's {@link DataSource}, or a small
 * HikariCP pool built from a JDBC URL with short timeouts, so that an unreachable server costs a
 * caller at most {@link #connectTimeout} instead of minutes. Collected by a builder, then frozen
 * by {@link #open}. Not thread-safe (builders are not).
 */
final class ConnectionSpec {
  /**
   * An {@code @} before the parameters: a user-info part, {@code //user:password@host}, which
   * pgjdbc does not read (the password may hold a {@code /}, so the host is not where it ends).
   */
  private static final Pattern USER_INFO = Pattern.compile("^jdbc:postgresql://[^?;]*@");
  /** A host part with no {@code /} after it, which pgjdbc refuses by logging the whole URL. */
  private static final Pattern NO_DATABASE_SLASH = Pattern.compile("^jdbc:postgresql://[^/?;]+(?:[?;].*)?$", Pattern.DOTALL);
  /** HikariCP refuses a connection timeout under 250 ms. */
  static final Duration MIN_CONNECT_TIMEOUT = Duration.ofMillis(250);

  private DataSource dataSource;
  private String jdbcUrl;
  private String user;
  private String password;
  private Duration connectTimeout = Duration.ofSeconds(1);
  private Duration statementTimeout = Duration.ofSeconds(5);
  private int poolSize = 4;

  void dataSource(DataSource dataSource) {
    requireNonNull(dataSource, "dataSource");
    Checks.unset(this.dataSource != null ? this.dataSource : jdbcUrl, "dataSource/jdbcUrl");
    this.dataSource = dataSource;
  }

  /**
   * Checks the URL now, so that one that cannot work fails when given rather than at the first
   * connection: pgjdbc must parse it (host list, ports in 1..65535, a / after them), and it must
   * not carry a user and password before the host, which pgjdbc would take for part of the host
   * name (and then print, password included, in its connection errors). The checks that pgjdbc
   * would make by logging the URL are made here first.
   */
  void jdbcUrl(String jdbcUrl, String user, String password) {
    requireNonNull(jdbcUrl, "jdbcUrl");
    Checks.unset(this.dataSource != null ? this.dataSource : this.jdbcUrl, "dataSource/jdbcUrl");
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "jdbcUrl must start with jdbc:postgresql: but was '" + mask(jdbcUrl) + "'");
    }
    if (USER_INFO.matcher(jdbcUrl).find()) {
      throw new IllegalArgumentException(
          "jdbcUrl must not carry user:password@ before the host (pgjdbc does not read it) but was '"
              + mask(jdbcUrl) + "': give them to jdbcUrl(url, user, password) or as user= and password= parameters");
    }
    if (NO_DATABASE_SLASH.matcher(jdbcUrl).matches()) {
      throw new IllegalArgumentException(
          "jdbcUrl must have a / after the host and port (jdbc:postgresql://host[:port]/database) but was '"
              + mask(jdbcUrl) + "'");
    }
    if (parseServer(jdbcUrl) == null) {
      throw new IllegalArgumentException(
          "jdbcUrl is not a URL pgjdbc can parse (jdbc:postgresql://host[:port][,host[:port]…]/database[?parameters],"
              + " ports in 1..65535) but was '" + mask(jdbcUrl) + "'");
    }
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
  }

  void connectTimeout(Duration timeout) {
    this.connectTimeout = Checks.atLeast(timeout, MIN_CONNECT_TIMEOUT, "connectTimeout");
  }

  void statementTimeout(Duration timeout) {
    this.statementTimeout = Checks.atLeast(timeout, Duration.ofMillis(1), "statementTimeout");
  }

  void poolSize(int size) {
    this.poolSize = Checks.positive(size, "poolSize");
  }

  /** Whether this spec will build its own pool (so pool settings apply). */
  boolean ownsPool() {
    return dataSource == null;
  }

  /**
   * The connections to use; a pool built here is owned by the caller, who must close it.
   *
   * @throws IllegalStateException when neither a data source nor a URL was given
   */
  Pool open(String poolName) {
    if (dataSource != null) {
      return new Pool(dataSource, null, dataSource.getClass().getSimpleName() + " (host's)");
    }
    if (jdbcUrl == null) {
      throw new IllegalStateException("dataSource or jdbcUrl must be set");
    }
    HikariConfig config = new HikariConfig();
    config.setPoolName(poolName);
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(poolSize);
    config.setMinimumIdle(Math.min(poolSize, 1));
    config.setConnectionTimeout(connectTimeout.toMillis());
    config.setValidationTimeout(MIN_CONNECT_TIMEOUT.toMillis());
    // PostgreSQL's default, stated so that HikariCP never detects it: when the first connection
    // dies during that detection, HikariCP asks every later connection for isolation level -1 and
    // the pool never connects again (HikariCP issue #1944), which an outage at start can trigger.
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    // Start without a server: the tier reports misses and the writer buffers until it comes up.
    config.setInitializationFailTimeout(-1);
    long connectSeconds = Math.max(1, (connectTimeout.toMillis() + 999) / 1000);
    config.addDataSourceProperty("connectTimeout", connectSeconds);
    // The socket timeout is the last line of defence against a server that stopped answering
    // mid-statement; the statement timeout below normally ends a slow statement first.
    config.addDataSourceProperty(
        "socketTimeout", Math.max(connectSeconds, statementTimeout.toSeconds() + 5));
    config.addDataSourceProperty("options", "-c statement_timeout=" + statementTimeout.toMillis());
    config.addDataSourceProperty("ApplicationName", "hotpath");
    HikariDataSource pool = new HikariDataSource(config);
    return new Pool(pool, pool, mask(jdbcUrl) + (user == null ? "" : " as " + user));
  }

  /**
   * pgjdbc's parse of {@code url} without its parameters (from the first {@code ?} or {@code ;}),
   * or null when pgjdbc cannot parse it. pgjdbc logs a URL it refuses, whole, at WARNING: given
   * only the part before the parameters, it cannot log a password parameter.
   */
  private static Properties parseServer(String url) {
    int end = url.length();
    for (char c : new char[] {'?', ';'}) {
      int i = url.indexOf(c);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    return org.postgresql.Driver.parseURL(url.substring(0, end), null);
  }

  /** {@code url} with its passwords replaced by {@code ***}: user-info and password parameters. */
  static String mask(String url) {
    return UrlMasking.mask(url);
  }

  /**
   * Where connections go, for messages: {@code host:port/database} of the URL, or null with a
   * host's data source (its own settings are not ours to read).
   */
  String server() {
    if (jdbcUrl == null) {
      return null;
    }
    Properties parsed = parseServer(jdbcUrl);
    if (parsed == null) {
      return mask(jdbcUrl);
    }
    String[] hosts = parsed.getProperty("PGHOST", "localhost").split(",");
    String[] ports = parsed.getProperty("PGPORT", "5432").split(",");
    StringBuilder server = new StringBuilder();
    for (int i = 0; i < hosts.length; i++) {
      server.append(i == 0 ? "" : ",").append(hosts[i]).append(':').append(i < ports.length ? ports[i] : ports[0]);
    }
    return server.append('/').append(parsed.getProperty("PGDBNAME", "")).toString();
  }

  /** The user connections log in as, for messages: given, or the URL's {@code user=}; null when unknown. */
  String user() {
    if (user != null || jdbcUrl == null) {
      return user;
    }
    Properties parsed = org.postgresql.Driver.parseURL(jdbcUrl, null);
    return parsed == null ? null : parsed.getProperty("user");
  }

  /**
   * Open connections.
   *
   * @param dataSource where connections come from
   * @param owned the pool built for this component, closed with it; {@code null} for the host's
   * @param description for {@code toString()}: never contains a password
   */
  record Pool(DataSource dataSource, HikariDataSource owned, String description) {
    void close() {
      if (owned != null) {
        owned.close();
      }
    }
  }
}
