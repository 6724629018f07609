package dev.hotpath.cache.timescale;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Reads a row's column values when it is written, on the caller's thread, into an array the
 * buffer keeps until the flusher encodes it. Values of immutable types are kept as they are; a
 * {@code byte[]} is copied and any other object is turned into its {@code toString()} at once, so a
 * caller that changes or reuses its objects after {@code write} cannot change what gets written.
 * A value PostgreSQL could never accept (a NUL character in text) is refused here, so one bad row
 * fails its own {@code write} instead of a whole batch later. Thread-safe.
 */
final class RowCapture<R> {
  private final List<String> names;
  private final List<Function<? super R, ?>> columns;

  RowCapture(List<String> names, List<? extends Function<? super R, ?>> columns) {
    this.names = List.copyOf(names);
    this.columns = List.copyOf(columns);
  }

  int size() {
    return columns.size();
  }

  /**
   * The row's values, in column order.
   *
   * @throws IllegalArgumentException when a value contains NUL, which no PostgreSQL text can hold
   */
  Object[] capture(R row) {
    Object[] values = new Object[columns.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = keep(columns.get(i).apply(row), i);
    }
    return values;
  }

  private Object keep(Object value, int column) {
    if (value == null || isImmutable(value.getClass())) {
      if (value instanceof String text) {
        checkText(text, column);
      }
      return value;
    }
    if (value instanceof byte[] bytes) {
      return bytes.clone();
    }
    String text = value.toString();
    checkText(text, column);
    return text;
  }

  private static boolean isImmutable(Class<?> type) {
    return type == String.class || type == Double.class || type == Instant.class
        || type == Long.class || type == Integer.class || type == BigDecimal.class
        || type == Boolean.class || type == OffsetDateTime.class || type == Float.class
        || type == Short.class || type == Byte.class || type == BigInteger.class
        || type == LocalDateTime.class || type == LocalDate.class || type == ZonedDateTime.class
        || type == LocalTime.class || type == OffsetTime.class || type == UUID.class;
  }

  private void checkText(String text, int column) {
    if (text.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "column '" + names.get(column)
              + "' contains a NUL character, which PostgreSQL text cannot hold");
    }
  }
}
