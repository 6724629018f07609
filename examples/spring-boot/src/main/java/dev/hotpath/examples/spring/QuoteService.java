package dev.hotpath.examples.spring;

import java.math.BigDecimal;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;

/**
 * Quotes and instruments, cached by Spring's annotations in Hotpath namespaces of the same names
 * (TTLs in application.yml). A change made here reaches every instance sharing the Redis: the
 * entry is rewritten (or removed) in each tier, and the other instances drop their in-process copy.
 */
@Service
public class QuoteService {
  static final String QUOTES = "quotes";
  static final String INSTRUMENTS = "instruments";

  private final SimulatedExchange exchange;

  public QuoteService(SimulatedExchange exchange) {
    this.exchange = exchange;
  }

  @Cacheable(QUOTES)
  public Quote quote(String symbol) {
    return exchange.quote(symbol);
  }

  @Cacheable(INSTRUMENTS)
  public Instrument instrument(String symbol) {
    return exchange.instrument(symbol);
  }

  /** Changes the price step at the exchange and caches the changed instrument on every instance. */
  @CachePut(cacheNames = INSTRUMENTS, key = "#symbol")
  public Instrument changeTickSize(String symbol, BigDecimal tickSize) {
    return exchange.changeTickSize(symbol, tickSize);
  }

  /** Drops the cached instrument everywhere: the next read, on any instance, asks the exchange. */
  @CacheEvict(INSTRUMENTS)
  public void forgetInstrument(String symbol) {}
}
