package dev.hotpath.examples.marketdata;

import dev.hotpath.cache.timescale.TimeSeriesWriter;
import java.time.Clock;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * The service's event log in PostgreSQL ({@code service_logs}): its start and stop, and each
 * request it could not serve (500, 503), beside the process log, so that an operator sees them
 * from any instance with SQL. Never the configuration's secrets (see {@link ServiceConfig#toString}).
 * Written off the request path; a full buffer drops the oldest events. Thread-safe.
 */
final class EventLog implements AutoCloseable {
  /** A row of {@code service_logs}. */
  record Event(Instant ts, String level, String message) {}

  private final TimeSeriesWriter<Event> writer;
  private final Clock clock;

  EventLog(DataSource pool, String schema, Clock clock) {
    this.clock = clock;
    this.writer = TimeSeriesWriter.<Event>builder().dataSource(pool).schema(schema).table(MarketTables.LOGS)
        .column("ts", Event::ts)
        .column("level", Event::level)
        .column("message", Event::message)
        .bufferCapacity(10_000)
        .batchSize(1_000)
        .overflow(TimeSeriesWriter.Overflow.DROP_OLDEST)
        .build();
  }

  void info(String message) {
    record("INFO", message);
  }

  void warn(String message) {
    record("WARN", message);
  }

  void error(String message) {
    record("ERROR", message);
  }

  private void record(String level, String message) {
    try {
      // A NUL cannot be stored in text; a request path could carry one.
      writer.write(new Event(Instant.now(clock), level, message.replace('\0', '?')));
    } catch (IllegalStateException closed) {
      // Stopping: the process log has it.
    }
  }

  TimeSeriesWriter<Event> writer() {
    return writer;
  }

  @Override
  public void close() {
    writer.close();
  }
}
