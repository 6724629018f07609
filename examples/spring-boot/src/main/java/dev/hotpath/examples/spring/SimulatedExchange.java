package dev.hotpath.examples.spring;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stands for the slow, rate-limited source the caches spare (an exchange's REST API, a database):
 * a few instruments and random quotes, counting every call so that the caching shows. Thread-safe.
 */
public class SimulatedExchange {
  private final Map<String, Instrument> instruments = new ConcurrentHashMap<>(Map.of(
      "BTCUSDT", new Instrument("BTCUSDT", "BTC", "USDT", new BigDecimal("0.01")),
      "ETHUSDT", new Instrument("ETHUSDT", "ETH", "USDT", new BigDecimal("0.01")),
      "SOLUSDT", new Instrument("SOLUSDT", "SOL", "USDT", new BigDecimal("0.001"))));
  private final AtomicLong instrumentCalls = new AtomicLong();
  private final AtomicLong quoteCalls = new AtomicLong();

  /** @throws UnknownSymbolException when the exchange lists no such symbol */
  public Instrument instrument(String symbol) {
    instrumentCalls.incrementAndGet();
    Instrument instrument = instruments.get(symbol);
    if (instrument == null) {
      throw new UnknownSymbolException(symbol);
    }
    return instrument;
  }

  /**
   * Changes a symbol's price step and returns the instrument as it is now.
   *
   * @throws UnknownSymbolException when the exchange lists no such symbol
   */
  public Instrument changeTickSize(String symbol, BigDecimal tickSize) {
    instrumentCalls.incrementAndGet();
    Instrument changed = instruments.computeIfPresent(symbol,
        (s, i) -> new Instrument(s, i.baseAsset(), i.quoteAsset(), tickSize));
    if (changed == null) {
      throw new UnknownSymbolException(symbol);
    }
    return changed;
  }

  /** @throws UnknownSymbolException when the exchange lists no such symbol */
  public Quote quote(String symbol) {
    quoteCalls.incrementAndGet();
    if (!instruments.containsKey(symbol)) {
      throw new UnknownSymbolException(symbol);
    }
    BigDecimal bid =
        BigDecimal.valueOf(ThreadLocalRandom.current().nextDouble(100, 200)).setScale(2, RoundingMode.DOWN);
    return new Quote(symbol, bid, bid.add(new BigDecimal("0.01")), Instant.now());
  }

  /** Calls of {@link #instrument} and {@link #changeTickSize} so far. */
  public long instrumentCalls() {
    return instrumentCalls.get();
  }

  /** Calls of {@link #quote} so far. */
  public long quoteCalls() {
    return quoteCalls.get();
  }
}
