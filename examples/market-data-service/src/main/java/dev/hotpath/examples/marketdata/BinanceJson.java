package dev.hotpath.examples.marketdata;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hotpath.engine.Candle;
import dev.hotpath.engine.Timeframe;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads Binance's spot REST replies: klines ({@code GET /api/v3/klines}, an array of arrays whose
 * prices are strings), the symbols of {@code GET /api/v3/exchangeInfo}, and error bodies ({@code
 * {"code":-1121,"msg":"Invalid symbol."}}). Stateless; the simulated exchange writes the same
 * shapes with {@link #klineRow} so both ends agree on one format.
 */
final class BinanceJson {
  /** Binance's error code for a symbol it does not list. */
  static final int INVALID_SYMBOL = -1121;

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final long ONE_MINUTE_MILLIS = Timeframe.M1.duration().toMillis();

  private BinanceJson() {}

  /**
   * The 1m candles of a klines reply, oldest first. A kline whose minute has not ended at {@code
   * nowMillis} is the open candle ({@code closed == false}); Binance sends it as the last row.
   *
   * @throws IllegalArgumentException when the body is not a klines array (not retried: the same
   *     request would get the same body)
   */
  static List<Candle> klines(String body, long nowMillis) {
    JsonNode rows = parse(body);
    if (!rows.isArray()) {
      throw new IllegalArgumentException("klines reply is not an array: " + abbreviate(body));
    }
    List<Candle> candles = new ArrayList<>(rows.size());
    for (JsonNode row : rows) {
      if (!row.isArray() || row.size() < 6) {
        throw new IllegalArgumentException("kline row is not an array of at least 6 fields: " + row);
      }
      long openTime = row.get(0).asLong();
      candles.add(new Candle(Timeframe.M1, openTime, decimal(row, 1), decimal(row, 2), decimal(row, 3),
          decimal(row, 4), decimal(row, 5), openTime + ONE_MINUTE_MILLIS <= nowMillis));
    }
    return candles;
  }

  /** The symbols whose {@code status} is {@code TRADING} in an exchangeInfo reply, in its order. */
  static Set<String> tradingSymbols(String body) {
    JsonNode symbols = parse(body).path("symbols");
    if (!symbols.isArray()) {
      throw new IllegalArgumentException("exchangeInfo reply has no symbols array: " + abbreviate(body));
    }
    Set<String> trading = new LinkedHashSet<>();
    for (JsonNode symbol : symbols) {
      if ("TRADING".equals(symbol.path("status").asText())) {
        trading.add(symbol.path("symbol").asText());
      }
    }
    return trading;
  }

  /** The {@code code} of a Binance error body, or 0 when the body is not one. */
  static int errorCode(String body) {
    try {
      return MAPPER.readTree(body).path("code").asInt(0);
    } catch (JsonProcessingException e) {
      return 0;
    }
  }

  /** One kline row as Binance writes it: open time, OHLCV as strings, close time, and the rest. */
  static List<Object> klineRow(Candle c) {
    long closeTime = c.openTime() + c.timeframe().duration().toMillis() - 1;
    return List.of(c.openTime(), c.open().toPlainString(), c.high().toPlainString(), c.low().toPlainString(),
        c.close().toPlainString(), c.volume().toPlainString(), closeTime, "0", 0, "0", "0", "0");
  }

  private static BigDecimal decimal(JsonNode row, int index) {
    try {
      return new BigDecimal(row.get(index).asText());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("kline field " + index + " is not a number: " + row);
    }
  }

  private static JsonNode parse(String body) {
    try {
      return MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + abbreviate(body));
    }
  }

  private static String abbreviate(String body) {
    return body.length() <= 200 ? body : body.substring(0, 200) + "…";
  }
}
