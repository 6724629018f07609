package dev.hotpath.examples.marketdata;

import static java.util.Objects.requireNonNull;

import dev.hotpath.engine.Candle;
import dev.hotpath.engine.Source;
import dev.hotpath.engine.SourceRefusedException;
import dev.hotpath.engine.SourceReply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The 1m candles of one symbol per call from Binance's public spot REST API ({@code GET
 * /api/v3/klines?symbol=…&interval=1m&limit=…}), over the JDK's {@link HttpClient}, with Binance's
 * request weights: {@value #KLINES_WEIGHT} per klines call and {@value #EXCHANGE_INFO_WEIGHT} for
 * {@code exchangeInfo}. The reply's {@value #USED_WEIGHT_HEADER} is handed to the engine, which syncs
 * its limiter with it, so weight spent by other programs on the same IP counts too.
 *
 * <p>Replies: 200 is the candles; 429 and 418 are {@link SourceRefusedException}s with their {@code
 * Retry-After} (the engine pauses every call until then); 400 {@code -1121} (invalid symbol) is a
 * reply without the symbol, so the item is {@code NOT_FOUND}; other 4xx are {@link
 * IllegalArgumentException}s (not retried); 5xx and I/O errors are retried by the engine.
 *
 * <p>The same class serves the {@link SimulatedBinance} exchange (the default) and the real one
 * ({@code MARKET_DATA_SOURCE=binance}): only the base URI differs. Thread-safe.
 */
final class BinanceSource implements Source<String, List<Candle>> {
  static final String USED_WEIGHT_HEADER = "X-MBX-USED-WEIGHT-1M";
  static final URI BINANCE = URI.create("https://api.binance.com");
  /** Binance's weight of one klines call (any {@code limit}). */
  static final int KLINES_WEIGHT = 2;
  /** Binance's weight of {@code exchangeInfo} for every symbol. */
  static final int EXCHANGE_INFO_WEIGHT = 20;
  /** The most klines one call returns: 1,000 minutes, enough for 16 hours of 1h candles. */
  static final int MAX_KLINES = 1_000;

  private final URI base;
  private final HttpClient client;
  private final Clock clock;
  private final Duration timeout;
  private final int lookbackMinutes;
  private final LongAdder calls = new LongAdder();
  private final LongAdder refusals = new LongAdder();

  /**
   * @param lookback how far back each call reads: whole minutes, 1 to {@value #MAX_KLINES} (checked
   *     by {@link ServiceConfig})
   */
  BinanceSource(URI base, Duration lookback, Clock clock, Duration timeout) {
    this.base = requireNonNull(base, "base");
    this.lookbackMinutes = Math.toIntExact(lookback.toMinutes());
    this.clock = requireNonNull(clock, "clock");
    this.timeout = requireNonNull(timeout, "timeout");
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
  }

  @Override
  public String name() {
    return "binance-klines";
  }

  @Override
  public long weight(List<String> symbols) {
    return KLINES_WEIGHT;
  }

  @Override
  public CompletableFuture<SourceReply<String, List<Candle>>> fetch(List<String> symbols) {
    if (symbols.size() != 1) {
      throw new IllegalArgumentException("klines are fetched one symbol per call but was given " + symbols);
    }
    String symbol = symbols.get(0);
    calls.increment();
    URI uri = base.resolve("/api/v3/klines?symbol=" + URLEncoder.encode(symbol, StandardCharsets.UTF_8)
        + "&interval=1m&limit=" + lookbackMinutes);
    return client.sendAsync(get(uri), HttpResponse.BodyHandlers.ofString())
        .thenApply(response -> reply(symbol, response));
  }

  /**
   * The symbols the exchange trades now, from {@code exchangeInfo} (weight {@value
   * #EXCHANGE_INFO_WEIGHT}); blocking, for the start.
   *
   * @throws UncheckedIOException when the exchange cannot be reached or answers with an error
   */
  Set<String> tradingSymbols() {
    try {
      HttpResponse<String> response = client.send(get(base.resolve("/api/v3/exchangeInfo")),
          HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("exchangeInfo: HTTP " + response.statusCode() + ": " + response.body());
      }
      return BinanceJson.tradingSymbols(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the symbols from " + base, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted while reading the symbols from " + base));
    }
  }

  /** Klines calls made. */
  long calls() {
    return calls.sum();
  }

  /** 429 and 418 replies received: a client that keeps its quota never gets one. */
  long refusals() {
    return refusals.sum();
  }

  private HttpRequest get(URI uri) {
    return HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
  }

  private SourceReply<String, List<Candle>> reply(String symbol, HttpResponse<String> response) {
    OptionalLong used = response.headers().firstValue(USED_WEIGHT_HEADER)
        .map(BinanceSource::parseLong).orElse(OptionalLong.empty());
    int status = response.statusCode();
    if (status == 429 || status == 418) {
      refusals.increment();
      long seconds = response.headers().firstValue("Retry-After").map(BinanceSource::parseLong)
          .orElse(OptionalLong.empty()).orElse(1);
      throw new CompletionException(new SourceRefusedException(status, Duration.ofSeconds(seconds), used.orElse(-1)));
    }
    Map<String, List<Candle>> values;
    if (status == 200) {
      values = Map.of(symbol, BinanceJson.klines(response.body(), clock.millis()));
    } else if (status == 400 && BinanceJson.errorCode(response.body()) == BinanceJson.INVALID_SYMBOL) {
      values = Map.of();
    } else if (status >= 400 && status < 500) {
      throw new CompletionException(new IllegalArgumentException("klines " + symbol + ": HTTP " + status + ": "
          + response.body()));
    } else {
      throw new CompletionException(new UncheckedIOException(new IOException("klines " + symbol + ": HTTP " + status)));
    }
    return used.isPresent() ? SourceReply.of(values, used.getAsLong()) : SourceReply.of(values);
  }

  private static OptionalLong parseLong(String value) {
    try {
      return OptionalLong.of(Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  @Override
  public String toString() {
    return "BinanceSource[" + base + "]";
  }
}
