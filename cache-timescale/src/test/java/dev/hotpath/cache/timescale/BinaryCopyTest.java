package dev.hotpath.cache.timescale;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.testing.postgres.PostgresExtension;
import dev.hotpath.testing.postgres.PostgresSchema;
import dev.hotpath.testing.postgres.TestPostgres;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The writer's binary COPY path against the text path it replaces: the same rows go to a table the
 * writer can write in binary and to a twin with one extra column of a type binary does not cover
 * (so every batch goes as text, parsed by the server), and both must hold exactly the same values,
 * compared by their text forms (which shows numeric's scale, for instance), besides the values
 * expected here.
 */
@ExtendWith(PostgresExtension.class)
class BinaryCopyTest {
  /** The columns, one of each type written in binary, and a row number to order by. */
  private static final String COLUMNS =
      "n int4, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, num numeric,"
          + " t text, vc varchar(40), ch char(5), js json, jb jsonb, raw bytea, d date,"
          + " ts timestamp, tz timestamptz, id uuid, pos positive_int";
  private static final String[] NAMES = {
    "n", "b", "i2", "i4", "i8", "f4", "f8", "num", "t", "vc", "ch", "js", "jb", "raw", "d", "ts",
    "tz", "id", "pos"
  };
  private static final String AWKWARD = "tab\there\nnew line\\back slash\r'q' \"dq\" ключ 😀 \\N \ud800x";

  private TestPostgres postgres;
  private PostgresSchema schema;
  private HikariDataSource pool;

  @BeforeEach
  void createTables(TestPostgres postgres, PostgresSchema schema) throws SQLException {
    this.postgres = postgres;
    this.schema = schema;
    this.pool = postgres.newPool(2);
    execute("CREATE SCHEMA " + schema.name());
    execute("CREATE DOMAIN " + schema.qualify("positive_int") + " AS int4 CHECK (VALUE > 0)");
    String columns = COLUMNS.replace("positive_int", schema.qualify("positive_int"));
    execute("CREATE TABLE " + schema.qualify("bin") + " (" + columns + ")");
    // inet is not written in binary, so every batch for this table goes as text.
    execute("CREATE TABLE " + schema.qualify("txt") + " (" + columns + ", addr inet)");
  }

  @AfterEach
  void closePool() {
    pool.close();
  }

  private static List<Object[]> rows() {
    List<Object[]> rows = new ArrayList<>();
    rows.add(
        new Object[] {
          true, (short) -7, Integer.MIN_VALUE, Long.MAX_VALUE, 1.5f, -0.1,
          new BigDecimal("12345678901234567890.123456789"), AWKWARD, "ключ 😀", "ab", "{\"a\": [1, 2]}",
          "{\"k\": \"ü😀\", \"a\": 1}", new byte[] {0, 1, (byte) 0xFF, '\\', '\t'},
          LocalDate.of(1999, 12, 31), LocalDateTime.of(1970, 1, 1, 0, 0, 0, 1000),
          Instant.parse("2026-01-02T03:04:05.123456Z"), new UUID(0x0123456789abcdefL, -1L), 1
        });
    // Every column null (but the row number, added below).
    rows.add(new Object[18]);
    rows.add(
        new Object[] {
          false, Short.MIN_VALUE, 0, Long.MIN_VALUE, Float.NaN, Double.NaN, new BigDecimal("-0.0005"),
          "", "", "", "null", "[]", new byte[0], LocalDate.of(2000, 1, 1),
          LocalDateTime.of(2000, 1, 1, 0, 0), Instant.parse("1969-07-20T20:17:40.123456789Z"),
          UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), Integer.MAX_VALUE
        });
    rows.add(
        new Object[] {
          null, (short) 1, 1, 7, 0.1, 1e300, new BigDecimal("1E+5"), 42, 3.25, true,
          "\"s\"", "{}", null, LocalDate.of(1, 1, 1), Instant.parse("2026-06-01T12:00:00Z"),
          OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 500, ZoneOffset.ofHours(5)), null, 2
        });
    // Numbers of one type into columns of another, as the text path would parse them.
    rows.add(
        new Object[] {
          null, null, null, 5, 7, 1.0f, 0.1, null, new BigDecimal("1.50"), null, null, null, null,
          null, OffsetDateTime.of(2026, 1, 1, 12, 0, 0, 0, ZoneOffset.ofHours(-3)),
          Instant.parse("2026-03-29T01:30:00Z").atZone(ZoneId.of("Europe/Paris")), null, null
        });
    rows.add(
        new Object[] {
          null, null, null, null, new BigDecimal("0.1"), BigInteger.TEN.pow(30), Double.valueOf(-0.0),
          null, null, null, null, null, null, null, null, null, null, null
        });
    rows.add(
        new Object[] {
          null, null, null, null, null, Float.valueOf(0.1f), 1e-20, null, null, null, null, null,
          null, null, null, null, null, null
        });
    rows.add(
        new Object[] {
          null, null, null, null, null, new BigDecimal("0.30000000000000000000001"),
          new BigDecimal("0.00"), null, null, null, null, null, null, null, null, null, null, null
        });
    rows.add(
        new Object[] {
          null, null, null, null, null, null, 123456789L, null, null, null, null, null, null, null,
          null, null, null, null
        });
    rows.add(
        new Object[] {
          null, null, null, null, null, null, new BigDecimal("-99999999.99990000"), null, null,
          null, null, null, null, null, null, null, null, null
        });
    List<Object[]> numbered = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Object[] row = new Object[NAMES.length];
      row[0] = i;
      System.arraycopy(rows.get(i), 0, row, 1, NAMES.length - 1);
      numbered.add(row);
    }
    return numbered;
  }

  private TimeSeriesWriter<Object[]> writer(String table) {
    TimeSeriesWriter.Builder<Object[]> builder =
        TimeSeriesWriter.<Object[]>builder().dataSource(pool).schema(schema.name()).table(table);
    for (int i = 0; i < NAMES.length; i++) {
      int column = i;
      builder.column(NAMES[i], row -> row[column]);
    }
    if (table.equals("txt")) {
      builder.column("addr", row -> null);
    }
    return builder.build();
  }

  private boolean writeAll(String table) {
    try (TimeSeriesWriter<Object[]> writer = writer(table)) {
      for (Object[] row : rows()) {
        assertThat(writer.write(row)).isTrue();
      }
      assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();
      return writer.lastBatchBinary();
    }
  }

  @Test
  void everySupportedTypeIsStoredInBinaryAsTheTextFormatStoresIt() throws SQLException {
    assertThat(writeAll("bin")).as("binary format used").isTrue();
    assertThat(writeAll("txt")).as("binary format used").isFalse();

    List<String> binary = rowTexts("bin");
    assertThat(binary).hasSize(rows().size());
    assertThat(binary).containsExactlyElementsOf(rowTexts("txt"));

    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT b, i2, i4, i8, f4, f8, num::text, t, vc, ch, js::text, jb->>'k', raw, d,"
                    + " ts, tz, id, pos FROM " + schema.qualify("bin") + " ORDER BY n")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getBoolean(1)).isTrue();
      assertThat(rs.getShort(2)).isEqualTo((short) -7);
      assertThat(rs.getInt(3)).isEqualTo(Integer.MIN_VALUE);
      assertThat(rs.getLong(4)).isEqualTo(Long.MAX_VALUE);
      assertThat(rs.getFloat(5)).isEqualTo(1.5f);
      assertThat(rs.getDouble(6)).isEqualTo(-0.1);
      assertThat(rs.getString(7)).isEqualTo("12345678901234567890.123456789");
      assertThat(rs.getString(8)).isEqualTo(AWKWARD.replace('\ud800', '?'));
      assertThat(rs.getString(9)).isEqualTo("ключ 😀");
      assertThat(rs.getString(10)).isEqualTo("ab   ");
      assertThat(rs.getString(11)).isEqualTo("{\"a\": [1, 2]}");
      assertThat(rs.getString(12)).isEqualTo("ü😀");
      assertThat(rs.getBytes(13)).containsExactly(0, 1, 0xFF, '\\', '\t');
      assertThat(rs.getObject(14, LocalDate.class)).isEqualTo(LocalDate.of(1999, 12, 31));
      assertThat(rs.getObject(15, LocalDateTime.class))
          .isEqualTo(LocalDateTime.of(1970, 1, 1, 0, 0, 0, 1000));
      assertThat(rs.getObject(16, OffsetDateTime.class).toInstant())
          .isEqualTo(Instant.parse("2026-01-02T03:04:05.123456Z"));
      assertThat(rs.getObject(17, UUID.class)).isEqualTo(new UUID(0x0123456789abcdefL, -1L));
      assertThat(rs.getInt(18)).isEqualTo(1);

      assertThat(rs.next()).isTrue();
      for (int i = 1; i <= 18; i++) {
        assertThat(rs.getObject(i)).as("column %d of the all-null row", i).isNull();
      }

      assertThat(rs.next()).isTrue();
      assertThat(Float.isNaN(rs.getFloat(5))).isTrue();
      assertThat(rs.getDouble(6)).isNaN();
      assertThat(rs.getString(7)).isEqualTo("-0.0005");
      assertThat(rs.getString(8)).isEmpty();
      assertThat(rs.getBytes(13)).isEmpty();
      // Nanoseconds are rounded to microseconds as the server rounds them.
      assertThat(rs.getObject(16, OffsetDateTime.class).toInstant())
          .isEqualTo(Instant.parse("1969-07-20T20:17:40.123457Z"));

      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(7)).isEqualTo("100000");
      assertThat(rs.getString(8)).isEqualTo("42");
      assertThat(rs.getString(10)).isEqualTo("t    ");
      assertThat(rs.getObject(14, LocalDate.class)).isEqualTo(LocalDate.of(1, 1, 1));
      // A timestamp column keeps the local time of the text form and ignores its offset.
      assertThat(rs.getObject(15, LocalDateTime.class)).isEqualTo(LocalDateTime.of(2026, 6, 1, 12, 0));
      assertThat(rs.getObject(16, OffsetDateTime.class).toInstant())
          .isEqualTo(Instant.parse("2025-12-31T19:00:00Z"));
    }
  }

  @Test
  void aBatchWithAValueBinaryCannotStoreExactlyGoesAsText() throws SQLException {
    execute("CREATE TABLE " + schema.qualify("events") + " (at timestamptz, v float8)");
    try (TimeSeriesWriter<Object[]> writer =
        TimeSeriesWriter.<Object[]>builder()
            .dataSource(pool)
            .schema(schema.name())
            .table("events")
            .column("at", row -> row[0])
            .column("v", row -> row[1])
            .build()) {
      writer.write(new Object[] {Instant.parse("2026-01-01T00:00:00Z"), 1.0});
      assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(writer.lastBatchBinary()).isTrue();

      // Text the server parses: binary has no exact form for it.
      writer.write(new Object[] {Instant.parse("2026-01-01T00:00:01Z"), 2.0});
      writer.write(new Object[] {"2026-01-01 00:00:02+00", "3.5"});
      assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(writer.lastBatchBinary()).isFalse();

      writer.write(new Object[] {Instant.parse("2026-01-01T00:00:03Z"), 4.0});
      assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(writer.lastBatchBinary()).isTrue();
    }
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT extract(epoch FROM at)::int, v FROM " + schema.qualify("events") + " ORDER BY at")) {
      List<String> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(rs.getInt(1) - 1_767_225_600 + "=" + rs.getDouble(2));
      }
      assertThat(rows).containsExactly("0=1.0", "1=2.0", "2=3.5", "3=4.0");
    }
  }

  @Test
  void nanosecondsAreRoundedTheSameInALocaleWithOtherDigits() throws SQLException {
    execute("CREATE TABLE " + schema.qualify("events") + " (at timestamptz)");
    Locale before = Locale.getDefault();
    // %d prints Arabic-Indic digits in ar-SA, which Double.parseDouble refuses.
    Locale.setDefault(new Locale("ar", "SA"));
    try (TimeSeriesWriter<Object[]> writer =
        TimeSeriesWriter.<Object[]>builder()
            .dataSource(pool)
            .schema(schema.name())
            .table("events")
            .column("at", row -> row[0])
            .build()) {
      writer.write(new Object[] {Instant.parse("2026-01-02T03:04:05.123456789Z")});
      assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(writer.lastBatchBinary()).isTrue();
    } finally {
      Locale.setDefault(before);
    }
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT at FROM " + schema.qualify("events"))) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getObject(1, OffsetDateTime.class).toInstant())
          .isEqualTo(Instant.parse("2026-01-02T03:04:05.123457Z"));
    }
  }

  @Test
  void aFloatOutOfRangeIsRefusedAsTheTextFormatRefusesItNotStoredAsInfinityOrZero()
      throws SQLException {
    execute("CREATE TABLE " + schema.qualify("floats") + " (n int4, f4 float4, f8 float8)");
    try (TimeSeriesWriter<Object[]> writer =
        TimeSeriesWriter.<Object[]>builder()
            .dataSource(pool)
            .schema(schema.name())
            .table("floats")
            .column("n", row -> row[0])
            .column("f4", row -> row[1])
            .column("f8", row -> row[2])
            .build()) {
      writer.write(new Object[] {1, 1e39, null});
      writer.write(new Object[] {2, 1e-50, null});
      writer.write(new Object[] {3, null, new BigDecimal("1E+400")});
      writer.write(new Object[] {4, null, new BigDecimal("-1E-400")});
      writer.write(new Object[] {5, Double.POSITIVE_INFINITY, 0.0});
      assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(writer.stats().refused()).isEqualTo(4);
    }
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT n, f4::text, f8::text FROM " + schema.qualify("floats"))) {
      List<String> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(rs.getInt(1) + "=" + rs.getString(2) + "," + rs.getString(3));
      }
      assertThat(rows).containsExactly("5=Infinity,0");
    }
  }

  /** Each row of {@code table} in PostgreSQL's text form of a record, by row number. */
  private List<String> rowTexts(String table) throws SQLException {
    List<String> texts = new ArrayList<>();
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT row(" + String.join(", ", NAMES) + ")::text FROM " + schema.qualify(table)
                    + " ORDER BY n")) {
      while (rs.next()) {
        texts.add(rs.getString(1));
      }
    }
    return texts;
  }

  private void execute(String sql) throws SQLException {
    postgres.execute(sql);
  }
}
