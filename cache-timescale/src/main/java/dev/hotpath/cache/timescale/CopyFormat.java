package dev.hotpath.cache.timescale;

import java.sql.SQLException;

/**
 * One of COPY's data formats: how the flusher of a {@link TimeSeriesWriter} turns the values it
 * captured for a row (see {@link RowCapture}) into COPY data.
 */
interface CopyFormat {
  /** The {@code WITH (...)} clause of the COPY statement, or {@code ""}. */
  String options();

  /** Writes what comes before the first row. */
  void begin(CopySink out) throws SQLException;

  /**
   * Writes one row.
   *
   * @return false when a value has no exact form in this format; the row may be partly written,
   *     so the COPY must be abandoned and the batch sent in another format
   */
  boolean row(Object[] values, CopySink out) throws SQLException;

  /** Writes what comes after the last row. */
  void end(CopySink out) throws SQLException;
}
