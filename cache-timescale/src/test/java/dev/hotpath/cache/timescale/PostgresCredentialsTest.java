package dev.hotpath.cache.timescale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.testing.postgres.PasswordRole;
import dev.hotpath.testing.postgres.PostgresExtension;
import dev.hotpath.testing.postgres.PostgresSchema;
import dev.hotpath.testing.postgres.TestPostgres;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Passwords given every way a PostgreSQL URL takes them never show; a URL that cannot work fails
 * when given; a server that refuses the login or a privilege fails the build saying so, naming the
 * user and server, instead of starting as if the server were down. Against the shared test server,
 * with roles whose passwords it really checks ({@link PasswordRole}).
 */
@ExtendWith(PostgresExtension.class)
@Timeout(120)
class PostgresCredentialsTest {
  /** Generous: the build waits this long for the pool's first connection attempt to fail. */
  private static final Duration CONNECT = Duration.ofSeconds(3);
  private static final String SECRET = "s3cret-" + Long.toHexString(System.nanoTime());

  private static String server(TestPostgres postgres) {
    Properties p = org.postgresql.Driver.parseURL(postgres.jdbcUrl(), null);
    return p.getProperty("PGHOST") + ":" + p.getProperty("PGPORT") + "/" + p.getProperty("PGDBNAME");
  }

  /** {@code url} naming {@code database} instead of its own. */
  private static String withDatabase(String url, String database) {
    return url.replaceFirst("(//[^/]*)/[^/?]*", "$1/" + database);
  }

  @Test
  void aPasswordInTheUrlNeverShowsAndAUrlThatCannotWorkFailsWhenGiven() {
    // Before: accepted, and toString() printed it unmasked (pgjdbc takes "user:pw@host" for a host).
    assertThatThrownBy(() -> PostgresTier.builder().jdbcUrl("jdbc:postgresql://app:" + SECRET + "@db:5432/app", null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("jdbcUrl must not carry user:password@ before the host (pgjdbc does not read it) but was"
            + " 'jdbc:postgresql://app:***@db:5432/app'");
    // Before: the message echoed the password (only password= parameters were masked).
    assertThatThrownBy(() -> PostgresTier.builder().jdbcUrl("postgres://app:" + SECRET + "@db:5432/app", null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("jdbcUrl must start with jdbc:postgresql: but was 'postgres://app:***@db:5432/app'");
    // Before: accepted; failed on every connection later.
    for (String port : List.of("notaport", "0", "65536")) {
      assertThatThrownBy(() -> PostgresTier.builder().jdbcUrl("jdbc:postgresql://db:" + port + "/app?password=" + SECRET, "u", null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("jdbcUrl is not a URL pgjdbc can parse")
          .hasMessageEndingWith("but was 'jdbc:postgresql://db:" + port + "/app?password=***'");
    }
    for (String url : List.of("jdbc:postgresql://app:" + SECRET + "@db/app", "postgresql://app:" + SECRET + "@db/app")) {
      assertThatThrownBy(() -> TimeSeriesWriter.builder().jdbcUrl(url, null, null))
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET).contains("app:***@db"));
      assertThatThrownBy(() -> RetentionManager.builder().jdbcUrl(url, null, null))
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET).contains("app:***@db"));
    }

    // Parameters, and the password argument: toString, metric tags and the error of a failed call.
    try (PostgresTier tier = PostgresTier.builder()
        .jdbcUrl("jdbc:postgresql://127.0.0.1:1/app?user=u&password=" + SECRET + "&sslpassword=" + SECRET, "u", SECRET)
        .connectTimeout(Duration.ofMillis(250))
        .sweepInterval(Duration.ZERO)
        .build()) {
      assertThat(tier.toString()).doesNotContain(SECRET).contains("password=***&sslpassword=***");
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      tier.bindTo(registry);
      for (Meter meter : registry.getMeters()) {
        for (Tag tag : meter.getId().getTags()) {
          assertThat(tag.getValue()).doesNotContain(SECRET);
        }
      }
      assertThatThrownBy(tier::sweepExpired)
          .isInstanceOf(PostgresException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
    }
  }

  /** A URL given without its scheme is still shown masked, by every builder that takes one. */
  @Test
  void aUrlWithoutItsSchemeIsShownWithoutItsPassword() {
    for (String url : List.of("app:" + SECRET + "@db:5432/app", ":" + SECRET + "@db/app", "//app:" + SECRET + "@db/app")) {
      List<ThrowingCallable> builders = List.of(
          () -> PostgresTier.builder().jdbcUrl(url, null, null),
          () -> TimeSeriesWriter.builder().jdbcUrl(url, null, null),
          () -> RetentionManager.builder().jdbcUrl(url, null, null));
      for (ThrowingCallable builder : builders) {
        assertThatThrownBy(builder)
            .isInstanceOf(IllegalArgumentException.class)
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET).contains("***@db"));
      }
    }
  }

  /**
   * pgjdbc logs a URL it cannot parse, whole, at WARNING: a refused URL must not reach it with its
   * password. Every record pgjdbc logs while the URLs are refused is captured, at every level.
   */
  @Test
  void aRefusedUrlIsNeverLoggedByPgjdbcWithItsPassword() {
    Logger pgjdbc = Logger.getLogger("org.postgresql");
    Level levelBefore = pgjdbc.getLevel();
    List<String> logged = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        logged.add(new SimpleFormatter().formatMessage(record) + " " + Arrays.toString(record.getParameters()));
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    capture.setLevel(Level.ALL);
    pgjdbc.setLevel(Level.ALL);
    pgjdbc.addHandler(capture);
    try {
      List<String> urls = List.of(
          "jdbc:postgresql://db.internal?user=app&password=" + SECRET,
          "jdbc:postgresql://db.internal:5432?password=" + SECRET + "&ssl=true",
          "jdbc:postgresql://db.internal;password=" + SECRET,
          "jdbc:postgresql://db/app/extra?password=" + SECRET,
          "jdbc:postgresql://app:" + SECRET + "/x@db/app");
      for (String url : urls) {
        assertThatThrownBy(() -> PostgresTier.builder().jdbcUrl(url, null, null))
            .as(url.replace(SECRET, "***"))
            .isInstanceOf(IllegalArgumentException.class)
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET).contains("***"));
      }
    } finally {
      pgjdbc.removeHandler(capture);
      pgjdbc.setLevel(levelBefore);
    }
    assertThat(logged).noneSatisfy(line -> assertThat(line).contains(SECRET));
    assertThatThrownBy(() -> PostgresTier.builder().jdbcUrl("jdbc:postgresql://db.internal?user=app&password=" + SECRET, null, null))
        .hasMessage("jdbcUrl must have a / after the host and port (jdbc:postgresql://host[:port]/database) but was"
            + " 'jdbc:postgresql://db.internal?user=app&password=***'");
  }

  @Test
  void aWrongPasswordFailsTheBuildSayingAuthenticationFailedAndNamingUserAndServer(TestPostgres postgres,
      PostgresSchema schema) throws Exception {
    try (PasswordRole role = PasswordRole.create(postgres, "")) {
      String wrong = "wrong-" + System.nanoTime();
      String url = PasswordRole.urlWithoutCredentials(postgres);
      // Before: built, logged "unreachable", and every read waited and missed.
      assertThatThrownBy(() -> PostgresTier.builder().jdbcUrl(url, role.name(), wrong).connectTimeout(CONNECT)
              .schema(schema.name()).sweepInterval(Duration.ZERO).build())
          .isInstanceOf(PostgresException.class)
          .hasMessageStartingWith("tier 'postgres': PostgreSQL at " + server(postgres) + " refused user '" + role.name()
              + "': authentication failed (wrong password) (SQLSTATE 28P01, FATAL: password authentication failed for user \""
              + role.name() + "\"). This is a configuration error, not an outage")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong).doesNotContain(role.password()))
          .satisfies(e -> assertThat(((PostgresException) e).sqlState()).isEqualTo("28P01"));

      // The same through a host's pool: the tier cannot name the server, the server names the user.
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(url);
      config.setUsername(role.name());
      config.setPassword(wrong);
      config.setConnectionTimeout(CONNECT.toMillis());
      config.setInitializationFailTimeout(-1);
      try (HikariDataSource hostPool = new HikariDataSource(config)) {
        assertThatThrownBy(() -> PostgresTier.builder().dataSource(hostPool).schema(schema.name())
                .sweepInterval(Duration.ZERO).build())
            .isInstanceOf(PostgresException.class)
            .hasMessageContaining("refused the connection: authentication failed (wrong password) (SQLSTATE 28P01, FATAL:"
                + " password authentication failed for user \"" + role.name() + "\")")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong));
      }
    }
  }

  @Test
  void aMissingDatabaseFailsTheBuild(TestPostgres postgres, PostgresSchema schema) {
    String missing = "hp_missing_" + ProcessHandle.current().pid();
    assertThatThrownBy(() -> PostgresTier.builder()
            .jdbcUrl(withDatabase(postgres.jdbcUrl(), missing), postgres.user(), postgres.password())
            .connectTimeout(CONNECT).schema(schema.name()).sweepInterval(Duration.ZERO).build())
        .isInstanceOf(PostgresException.class)
        .hasMessageContaining("refused")
        .hasMessageContaining(": the database does not exist (SQLSTATE 3D000, FATAL: database \"" + missing + "\" does not exist)")
        .satisfies(e -> assertThat(((PostgresException) e).sqlState()).isEqualTo("3D000"));
  }

  @Test
  void aUserWithoutConnectOrCreatePrivilegeFailsTheBuild(TestPostgres postgres, PostgresSchema schema) throws Exception {
    String database = "hp_noconnect_" + ProcessHandle.current().pid();
    try (PasswordRole role = PasswordRole.create(postgres, "")) {
      // No CREATE on the database: the tier cannot create its schema (before: IllegalStateException).
      assertThatThrownBy(() -> PostgresTier.builder()
              .jdbcUrl(PasswordRole.urlWithoutCredentials(postgres), role.name(), role.password())
              .connectTimeout(CONNECT).schema(schema.name()).sweepInterval(Duration.ZERO).build())
          .isInstanceOf(PostgresException.class)
          .hasMessageStartingWith("tier 'postgres': PostgreSQL at " + server(postgres) + " refused user '" + role.name()
              + "': a privilege is missing (SQLSTATE 42501, ERROR: permission denied for database")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(role.password()));

      // No CONNECT on the database at all.
      postgres.execute("CREATE DATABASE " + database);
      try {
        postgres.execute("REVOKE CONNECT ON DATABASE " + database + " FROM PUBLIC");
        assertThatThrownBy(() -> PostgresTier.builder()
                .jdbcUrl(withDatabase(PasswordRole.urlWithoutCredentials(postgres), database), role.name(), role.password())
                .connectTimeout(CONNECT).schema(schema.name()).sweepInterval(Duration.ZERO).build())
            .isInstanceOf(PostgresException.class)
            .hasMessageContaining("refused user '" + role.name() + "': a privilege is missing (SQLSTATE 42501, FATAL:"
                + " permission denied for database \"" + database + "\"");
      } finally {
        postgres.execute("DROP DATABASE IF EXISTS " + database);
      }
    }
  }

  @Test
  void theRightPasswordWorks(TestPostgres postgres, PostgresSchema schema) throws Exception {
    try (PasswordRole role = PasswordRole.create(postgres, "")) {
      postgres.execute("CREATE SCHEMA " + schema.name() + " AUTHORIZATION " + role.name());
      try (PostgresTier tier = PostgresTier.builder()
          .jdbcUrl(PasswordRole.urlWithoutCredentials(postgres), role.name(), role.password())
          .connectTimeout(CONNECT).schema(schema.name()).sweepInterval(Duration.ZERO).build()) {
        assertThat(tier.sweepExpired()).isZero();
        assertThat(tier.toString()).contains(" as " + role.name()).doesNotContain(role.password());
      }
    }
  }
}
