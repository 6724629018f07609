package dev.hotpath.testing.postgres;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;

/**
 * A login role with a password that the test server really checks, for tests of wrong passwords
 * and missing privileges. The embedded server trusts every local connection (zonky's initdb runs
 * with {@code -A trust}), so for it a {@code pg_hba.conf} line asking this role for its password is
 * put first and the configuration reloaded; the line and the role go on {@link #close()}. A server
 * this JVM did not start is not reconfigured: the test is skipped unless it already asks for
 * passwords. Role names are lower-case and unique per JVM.
 */
public final class PasswordRole implements AutoCloseable {
  private static final AtomicLong ROLES = new AtomicLong();
  private static final long PATIENCE_MILLIS = 20_000;

  private final TestPostgres postgres;
  private final String name;
  private final String password;
  private final Path hbaFile;
  private final String originalHba;

  private PasswordRole(TestPostgres postgres, String name, String password, Path hbaFile, String originalHba) {
    this.postgres = postgres;
    this.name = name;
    this.password = password;
    this.hbaFile = hbaFile;
    this.originalHba = originalHba;
  }

  /**
   * Creates the role ({@code LOGIN}, no other privilege beyond what {@code PUBLIC} has) and makes the
   * server check its password over TCP.
   *
   * @param extra more of {@code CREATE ROLE}'s options, such as {@code "CREATEDB"}; may be empty
   */
  public static PasswordRole create(TestPostgres postgres, String extra) throws Exception {
    requireNonNull(postgres, "postgres");
    String name = "hp_auth_" + ProcessHandle.current().pid() + "_" + ROLES.incrementAndGet();
    String password = "pw-" + Long.toHexString(System.nanoTime());
    // Identifiers and the password are generated here from [a-z0-9_-]: nothing to escape.
    postgres.execute("CREATE ROLE " + name + " LOGIN PASSWORD '" + password + "' " + extra);
    Path hbaFile = null;
    String original = null;
    if (!refusesWrongPassword(postgres, name)) {
      if (!postgres.isRestartable()) {
        postgres.execute("DROP ROLE " + name);
        Assumptions.abort("the server does not check passwords, and it is not this JVM's to reconfigure");
      }
      hbaFile = Path.of(showHbaFile(postgres));
      original = Files.readString(hbaFile, StandardCharsets.UTF_8);
      Files.writeString(hbaFile, "host all " + name + " all scram-sha-256\n" + original, StandardCharsets.UTF_8);
      postgres.execute("SELECT pg_reload_conf()");
      // The postmaster reloads on the signal, shortly after the call returns: wait until it has.
      long deadline = System.currentTimeMillis() + PATIENCE_MILLIS;
      while (!refusesWrongPassword(postgres, name)) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("the server did not start checking the password of " + name);
        }
        Thread.sleep(20);
      }
    }
    return new PasswordRole(postgres, name, password, hbaFile, original);
  }

  private static String showHbaFile(TestPostgres postgres) throws SQLException {
    try (Connection c = postgres.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW hba_file")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static boolean refusesWrongPassword(TestPostgres postgres, String role) {
    Properties props = new Properties();
    props.setProperty("user", role);
    props.setProperty("password", "certainly-not-the-password");
    try (Connection c = DriverManager.getConnection(urlWithoutCredentials(postgres), props)) {
      return false;
    } catch (SQLException e) {
      return "28P01".equals(e.getSQLState());
    }
  }

  /** The server's JDBC URL without {@code user}/{@code password} parameters, so the role's own apply. */
  public static String urlWithoutCredentials(TestPostgres postgres) {
    return postgres.jdbcUrl().replaceAll("([?&])(user|password)=[^&]*&?", "$1").replaceAll("[?&]$", "");
  }

  public String name() {
    return name;
  }

  /** The right password; never log it. */
  public String password() {
    return password;
  }

  /** Drops the role (and what it owns) and restores {@code pg_hba.conf}. */
  @Override
  public void close() throws Exception {
    try {
      postgres.execute("DROP OWNED BY " + name + " CASCADE");
      postgres.execute("DROP ROLE IF EXISTS " + name);
    } finally {
      if (hbaFile != null) {
        Files.writeString(hbaFile, originalHba, StandardCharsets.UTF_8);
        postgres.execute("SELECT pg_reload_conf()");
      }
    }
  }

  @Override
  public String toString() {
    return "PasswordRole[" + name + "]";
  }
}
