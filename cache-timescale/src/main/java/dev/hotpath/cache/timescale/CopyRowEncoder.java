package dev.hotpath.cache.timescale;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.TemporalAccessor;
import java.util.List;
import java.util.function.Function;

/**
 * Turns a row into one line of PostgreSQL's COPY text format: values separated by tabs, {@code \N}
 * for null, backslash escapes for backslash, tab, newline and carriage return. Rows are encoded when
 * they are written, on the caller's thread, so a value PostgreSQL could never accept is refused at
 * once instead of failing a whole batch later. Thread-safe.
 */
final class CopyRowEncoder<R> {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final List<Function<? super R, ?>> columns;

  CopyRowEncoder(List<? extends Function<? super R, ?>> columns) {
    this.columns = List.copyOf(columns);
  }

  /**
   * The row's line, newline included.
   *
   * @throws IllegalArgumentException when a value contains NUL, which no PostgreSQL text can hold
   */
  byte[] encode(R row) {
    StringBuilder line = new StringBuilder(64);
    for (int i = 0; i < columns.size(); i++) {
      if (i > 0) {
        line.append('\t');
      }
      append(line, columns.get(i).apply(row), i);
    }
    return line.append('\n').toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void append(StringBuilder line, Object value, int column) {
    if (value == null) {
      line.append("\\N");
    } else if (value instanceof Number || value instanceof Instant) {
      line.append(value instanceof BigDecimal d ? d.toPlainString() : value.toString());
    } else if (value instanceof Boolean b) {
      line.append(b ? 't' : 'f');
    } else if (value instanceof byte[] bytes) {
      // bytea in hex form; its leading backslash is escaped like any other.
      line.append("\\\\x");
      for (byte b : bytes) {
        line.append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
      }
    } else if (value instanceof TemporalAccessor) {
      line.append(value);
    } else {
      escape(line, value.toString(), column);
    }
  }

  private static void escape(StringBuilder line, String text, int column) {
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      switch (ch) {
        case '\\' -> line.append("\\\\");
        case '\t' -> line.append("\\t");
        case '\n' -> line.append("\\n");
        case '\r' -> line.append("\\r");
        case '\0' ->
            throw new IllegalArgumentException(
                "column " + column + " contains a NUL character, which PostgreSQL text cannot hold");
        default -> line.append(ch);
      }
    }
  }
}
