package dev.hotpath.cache.timescale;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.ZonedDateTime;

/**
 * COPY's text format: values separated by tabs, {@code \N} for null, backslash escapes for
 * backslash, tab, newline and carriage return, each value in the text form PostgreSQL parses for
 * its column. The format of last resort: it takes any value the server can parse, for any column
 * type, and is used when {@link BinaryRowEncoder} cannot encode a table or a batch exactly.
 * Stateless and thread-safe.
 */
final class CopyRowEncoder implements CopyFormat {
  static final CopyRowEncoder INSTANCE = new CopyRowEncoder();
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private CopyRowEncoder() {}

  @Override
  public String options() {
    return "";
  }

  @Override
  public void begin(CopySink out) {}

  @Override
  public boolean row(Object[] values, CopySink out) throws SQLException {
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        out.putByte('\t');
      }
      if (values[i] == null) {
        out.putByte('\\');
        out.putByte('N');
      } else {
        escape(text(values[i]), out);
      }
    }
    out.putByte('\n');
    return true;
  }

  @Override
  public void end(CopySink out) {}

  /**
   * The text PostgreSQL parses for a captured, non-null value: numbers, {@code java.time} values
   * (ISO-8601; a {@code ZonedDateTime} by its offset) and anything else by {@code toString()},
   * booleans as {@code t}/{@code f}, {@code byte[]} in bytea's hex form. Also what the binary format
   * sends for text-like columns, so both formats store the same thing.
   */
  static String text(Object value) {
    if (value instanceof String text) {
      return text;
    } else if (value instanceof BigDecimal d) {
      return d.toPlainString();
    } else if (value instanceof Boolean b) {
      return b ? "t" : "f";
    } else if (value instanceof ZonedDateTime z) {
      // Its toString() ends in a zone id in brackets, which PostgreSQL cannot parse.
      return z.toOffsetDateTime().toString();
    } else if (value instanceof byte[] bytes) {
      char[] hex = new char[2 + bytes.length * 2];
      hex[0] = '\\';
      hex[1] = 'x';
      for (int i = 0; i < bytes.length; i++) {
        hex[2 + 2 * i] = HEX[(bytes[i] >> 4) & 0xF];
        hex[3 + 2 * i] = HEX[bytes[i] & 0xF];
      }
      return new String(hex);
    }
    return value.toString();
  }

  private static void escape(String text, CopySink out) throws SQLException {
    for (int i = 0; i < text.length(); ) {
      switch (text.charAt(i)) {
        case '\\' -> putEscape('\\', out);
        case '\t' -> putEscape('t', out);
        case '\n' -> putEscape('n', out);
        case '\r' -> putEscape('r', out);
        default -> {
          i += out.putChar(text, i);
          continue;
        }
      }
      i++;
    }
  }

  private static void putEscape(char code, CopySink out) throws SQLException {
    out.putByte('\\');
    out.putByte(code);
  }
}
