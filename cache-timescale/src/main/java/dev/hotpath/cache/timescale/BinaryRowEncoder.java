package dev.hotpath.cache.timescale;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * COPY's binary format for a table whose columns all have types listed in {@link Kind}. The
 * server then parses nothing: a float8 is eight bytes, a timestamp a count of microseconds, which
 * roughly halves its work per row against the text format.
 *
 * <p>Binary data has no type tags, so it must match the column's type exactly; the types are read
 * from the catalog ({@link #forTable}). Each value is stored exactly as the text format would have
 * stored it: where that is not certain (a {@code LocalDateTime} in a timestamptz column depends on
 * the session's time zone, a string in a numeric column needs the server's parser, an out-of-range
 * integer needs the server's error), {@link #row} returns false and the batch goes as text.
 * Immutable and thread-safe.
 */
final class BinaryRowEncoder implements CopyFormat {
  private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
  /** PostgreSQL's epoch, 2000-01-01, in Unix epoch seconds and days. */
  private static final long PG_EPOCH_SECONDS = 946_684_800L;
  private static final long PG_EPOCH_DAYS = 10_957L;
  private static final BigInteger NBASE = BigInteger.valueOf(10_000);
  private static final String COLUMN_TYPES =
      "SELECT a.attname, CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END"
          + " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
          + " WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped";

  /** The column types written in binary, by the OID of the type (or of a domain's base type). */
  enum Kind {
    BOOL(16), BYTEA(17), INT8(20), INT2(21), INT4(23), TEXT(25), JSON(114), FLOAT4(700),
    FLOAT8(701), BPCHAR(1042), VARCHAR(1043), DATE(1082), TIMESTAMP(1114), TIMESTAMPTZ(1184),
    NUMERIC(1700), UUID(2950), JSONB(3802);

    private static final Map<Integer, Kind> BY_OID = new HashMap<>();

    static {
      for (Kind kind : values()) {
        BY_OID.put(kind.oid, kind);
      }
    }

    private final int oid;

    Kind(int oid) {
      this.oid = oid;
    }
  }

  private final Kind[] kinds;

  BinaryRowEncoder(List<Kind> kinds) {
    this.kinds = kinds.toArray(new Kind[0]);
  }

  /**
   * The format to write {@code columns} of {@code table} in: binary when every column has a
   * supported type, else text.
   *
   * @param table a qualified, quoted table name
   * @throws SQLException when the catalog cannot be read (the table does not exist, say)
   */
  static CopyFormat forTable(Connection c, String table, List<String> columns) throws SQLException {
    Map<String, Integer> types = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(COLUMN_TYPES)) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          types.put(rs.getString(1), rs.getInt(2));
        }
      }
    }
    Kind[] kinds = new Kind[columns.size()];
    for (int i = 0; i < kinds.length; i++) {
      kinds[i] = Kind.BY_OID.get(types.get(columns.get(i)));
      if (kinds[i] == null) {
        // A missing column fails the COPY with the server's own message; other types, as text.
        return CopyRowEncoder.INSTANCE;
      }
    }
    return new BinaryRowEncoder(List.of(kinds));
  }

  @Override
  public String options() {
    return " WITH (FORMAT binary)";
  }

  @Override
  public void begin(CopySink out) throws SQLException {
    out.putBytes(SIGNATURE);
    out.putInt(0); // flags
    out.putInt(0); // header extension length
  }

  @Override
  public boolean row(Object[] values, CopySink out) throws SQLException {
    out.putShort(values.length);
    for (int i = 0; i < values.length; i++) {
      if (values[i] == null) {
        out.putInt(-1);
      } else if (!field(kinds[i], values[i], out)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void end(CopySink out) throws SQLException {
    out.putShort(-1);
  }

  private static boolean field(Kind kind, Object value, CopySink out) throws SQLException {
    switch (kind) {
      case FLOAT8 -> {
        if (value instanceof Double d) {
          putLong(Double.doubleToLongBits(d), out);
        } else if (value instanceof Float || isExactNumber(value)) {
          // What the server's parser makes of the text form: correctly rounded, like Java's.
          double rounded = Double.parseDouble(CopyRowEncoder.text(value));
          if (outOfRange(value, rounded)) {
            return false;
          }
          putLong(Double.doubleToLongBits(rounded), out);
        } else {
          return false;
        }
      }
      case TIMESTAMPTZ -> {
        Instant instant = instant(value);
        if (instant == null) {
          return false;
        }
        putLong(micros(instant), out);
      }
      case TEXT, VARCHAR, BPCHAR, JSON -> {
        String text = CopyRowEncoder.text(value);
        out.putInt(CopySink.utf8Length(text));
        out.putUtf8(text);
      }
      case JSONB -> {
        String text = CopyRowEncoder.text(value);
        out.putInt(1 + CopySink.utf8Length(text));
        out.putByte(1); // jsonb's binary format version
        out.putUtf8(text);
      }
      case INT8, INT4, INT2 -> {
        if (!(value instanceof Long || value instanceof Integer || value instanceof Short
            || value instanceof Byte)) {
          return false;
        }
        long v = ((Number) value).longValue();
        switch (kind) {
          case INT8 -> putLong(v, out);
          case INT4 -> {
            if (v != (int) v) {
              return false;
            }
            out.putInt(4);
            out.putInt((int) v);
          }
          default -> {
            if (v != (short) v) {
              return false;
            }
            out.putInt(2);
            out.putShort((int) v);
          }
        }
      }
      case FLOAT4 -> {
        if (value instanceof Float f) {
          out.putInt(4);
          out.putInt(Float.floatToIntBits(f));
        } else if (value instanceof Double || isExactNumber(value)) {
          float rounded = Float.parseFloat(CopyRowEncoder.text(value));
          if (outOfRange(value, rounded)) {
            return false;
          }
          out.putInt(4);
          out.putInt(Float.floatToIntBits(rounded));
        } else {
          return false;
        }
      }
      case NUMERIC -> {
        return numeric(value, out);
      }
      case BOOL -> {
        if (!(value instanceof Boolean b)) {
          return false;
        }
        out.putInt(1);
        out.putByte(b ? 1 : 0);
      }
      case BYTEA -> {
        if (!(value instanceof byte[] bytes)) {
          return false;
        }
        out.putInt(bytes.length);
        out.putBytes(bytes);
      }
      case TIMESTAMP -> {
        // The text form of an Instant or OffsetDateTime carries an offset, which a timestamp
        // column ignores: it keeps the local date and time as written.
        LocalDateTime local =
            value instanceof LocalDateTime l ? l
                : value instanceof Instant i ? LocalDateTime.ofInstant(i, ZoneOffset.UTC)
                : value instanceof OffsetDateTime o ? o.toLocalDateTime()
                : null;
        if (local == null) {
          return false;
        }
        putLong(micros(local.toInstant(ZoneOffset.UTC)), out);
      }
      case DATE -> {
        if (!(value instanceof LocalDate date)) {
          return false;
        }
        out.putInt(4);
        out.putInt(Math.toIntExact(date.toEpochDay() - PG_EPOCH_DAYS));
      }
      case UUID -> {
        if (!(value instanceof UUID uuid)) {
          return false;
        }
        out.putInt(16);
        out.putLong(uuid.getMostSignificantBits());
        out.putLong(uuid.getLeastSignificantBits());
      }
    }
    return true;
  }

  /**
   * Whether rounding the finite, non-zero number {@code value} to a float type gave infinity or
   * zero: the server's parser refuses such a text form as out of range, so binary must not
   * quietly store it (the batch goes as text and the server reports the row).
   */
  private static boolean outOfRange(Object value, double rounded) {
    if (Double.isInfinite(rounded)) {
      return !(value instanceof Double d && d.isInfinite()
          || value instanceof Float f && f.isInfinite());
    }
    if (rounded == 0) {
      return value instanceof Double d ? d != 0 : new BigDecimal(value.toString()).signum() != 0;
    }
    return false;
  }

  /** Numbers whose text form is exact (no float rounding happened on the way to it). */
  private static boolean isExactNumber(Object value) {
    return value instanceof Long || value instanceof Integer || value instanceof BigDecimal
        || value instanceof Short || value instanceof Byte || value instanceof BigInteger;
  }

  private static void putLong(long v, CopySink out) throws SQLException {
    out.putInt(8);
    out.putLong(v);
  }

  private static Instant instant(Object value) {
    if (value instanceof Instant i) {
      return i;
    } else if (value instanceof OffsetDateTime o) {
      return o.toInstant();
    } else if (value instanceof ZonedDateTime z) {
      return z.toInstant();
    }
    return null;
  }

  /**
   * Microseconds since 2000-01-01 UTC. Digits past the microsecond are rounded the way the server
   * rounds them when it parses the text form ({@code rint(strtod(".fraction") * 1e6)}), so both
   * formats store the same value.
   */
  static long micros(Instant instant) {
    long seconds = instant.getEpochSecond() - PG_EPOCH_SECONDS;
    int nanos = instant.getNano();
    long micros = nanos / 1000;
    if (nanos % 1000 != 0) {
      // Locale.ROOT: in some locales (ar-SA, fa-IR) %d prints non-ASCII digits, which
      // parseDouble refuses.
      String fraction = "0." + String.format(Locale.ROOT, "%09d", nanos);
      micros = (long) Math.rint(Double.parseDouble(fraction) * 1_000_000);
    }
    return Math.addExact(Math.multiplyExact(seconds, 1_000_000L), micros);
  }

  /**
   * PostgreSQL's numeric wire form: digit count, weight, sign and display scale, then base-10000
   * digits, the first of which is multiplied by 10000^weight.
   */
  private static boolean numeric(Object value, CopySink out) throws SQLException {
    BigDecimal decimal;
    if (value instanceof BigDecimal d) {
      decimal = d;
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isNaN(d)) {
        out.putInt(8);
        out.putShort(0); // ndigits
        out.putShort(0); // weight
        out.putShort(0xC000); // NaN
        out.putShort(0); // dscale
        return true;
      }
      if (Double.isInfinite(d)) {
        return false; // numeric infinity exists only from PostgreSQL 14: let the server decide
      }
      decimal = new BigDecimal(value.toString());
    } else if (isExactNumber(value)) {
      decimal = new BigDecimal(value.toString());
    } else {
      return false;
    }
    int dscale = Math.max(decimal.scale(), 0);
    BigInteger unscaled = decimal.unscaledValue().abs();
    int scale = decimal.scale();
    if (scale < 0) {
      unscaled = unscaled.multiply(BigInteger.TEN.pow(-scale));
      scale = 0;
    }
    // Align the fraction to whole base-10000 digits.
    int pad = (4 - scale % 4) % 4;
    unscaled = unscaled.multiply(BigInteger.TEN.pow(pad));
    int fractionDigits = (scale + pad) / 4;
    // Each base-10000 digit takes more than 13 bits.
    short[] digits = new short[unscaled.bitLength() / 13 + 1];
    int count = 0;
    while (unscaled.signum() > 0) {
      BigInteger[] qr = unscaled.divideAndRemainder(NBASE);
      digits[count++] = qr[1].shortValue();
      unscaled = qr[0];
    }
    // digits[] is least significant first; drop trailing (low) zero digits, which change nothing.
    int low = 0;
    while (low < count && digits[low] == 0) {
      low++;
    }
    int ndigits = count - low;
    int weight = ndigits == 0 ? 0 : count - fractionDigits - 1;
    if (ndigits > Short.MAX_VALUE || weight != (short) weight || dscale > 0x3FFF) {
      return false; // beyond numeric's wire form: the server's text parser reports it
    }
    out.putInt(8 + 2 * ndigits);
    out.putShort(ndigits);
    out.putShort(weight);
    out.putShort(decimal.signum() < 0 ? 0x4000 : 0);
    out.putShort(dscale);
    for (int i = count - 1; i >= low; i--) {
      out.putShort(digits[i]);
    }
    return true;
  }
}
