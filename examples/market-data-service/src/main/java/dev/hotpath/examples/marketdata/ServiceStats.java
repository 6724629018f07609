package dev.hotpath.examples.marketdata;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the API served, counted for {@code /api/metrics}, the dashboard and the demo's table.
 * Thread-safe (striped counters).
 */
final class ServiceStats {
  final LongAdder requests = new LongAdder();
  final LongAdder badRequests = new LongAdder();
  final LongAdder notModified = new LongAdder();
  final LongAdder serverErrors = new LongAdder();
  /** Series (symbol × timeframe) answered, and how. */
  final LongAdder items = new LongAdder();
  final LongAdder itemsFromCache = new LongAdder();
  final LongAdder itemsFromSource = new LongAdder();
  final LongAdder itemsFailed = new LongAdder();
  final WindowedRate symbols;
  final WindowedRate series;

  ServiceStats(java.util.function.LongSupplier millis) {
    this.symbols = new WindowedRate(millis);
    this.series = new WindowedRate(millis);
  }
}
