package dev.hotpath.examples.marketdata;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import dev.hotpath.engine.Priority;
import dev.hotpath.engine.SeriesKey;
import dev.hotpath.engine.Timeframe;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A checked {@code /api/market-data} request, from the query string ({@code GET}) or a JSON body
 * ({@code POST}, {@code {"symbols":[…],"timeframes":[…],"priority":"high","limit":100}}). Every
 * refusal is an {@link ApiException} naming the parameter.
 *
 * @param symbols distinct symbols the exchange lists, in request order
 * @param timeframes distinct timeframes, in request order (default 1m, 5m, 15m)
 * @param priority the engine priority (default NORMAL)
 * @param limit the newest candles returned per series, 1 to 1,000 (default 100)
 */
record MarketDataRequest(List<String> symbols, List<Timeframe> timeframes, Priority priority, int limit) {
  static final List<Timeframe> DEFAULT_TIMEFRAMES = List.of(Timeframe.M1, Timeframe.M5, Timeframe.M15);
  static final int MAX_LIMIT = BinanceSource.MAX_KLINES;

  /** The series keys, symbol by symbol (all timeframes of one symbol together, for the roll-up). */
  List<SeriesKey> keys() {
    List<SeriesKey> keys = new ArrayList<>(symbols.size() * timeframes.size());
    for (String symbol : symbols) {
      for (Timeframe timeframe : timeframes) {
        keys.add(SeriesKey.of(symbol, timeframe));
      }
    }
    return keys;
  }

  static MarketDataRequest fromQuery(Map<String, String> query, Set<String> listed, int maxSymbols) {
    for (String name : query.keySet()) {
      if (!Set.of("symbols", "timeframes", "priority", "limit").contains(name)) {
        throw ApiException.badRequest(name, "is not a parameter of /api/market-data"
            + " (symbols, timeframes, priority, limit)");
      }
    }
    String symbols = query.get("symbols");
    String timeframes = query.get("timeframes");
    String limit = query.get("limit");
    return of(split(symbols, "symbols"), timeframes == null ? null : split(timeframes, "timeframes"),
        query.get("priority"), limit == null ? null : parseInt("limit", limit), listed, maxSymbols);
  }

  static MarketDataRequest fromJson(byte[] body, Set<String> listed, int maxSymbols) {
    JsonNode json;
    try {
      json = HttpIo.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("body", "is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest("body", "cannot be read: " + e.getMessage());
    }
    if (json == null || !json.isObject()) {
      throw ApiException.badRequest("body", "must be a JSON object such as {\"symbols\":[\"BTCUSDT\"]}");
    }
    json.fieldNames().forEachRemaining(name -> {
      if (!Set.of("symbols", "timeframes", "priority", "limit").contains(name)) {
        throw ApiException.badRequest(name, "is not a field of the request (symbols, timeframes, priority, limit)");
      }
    });
    Integer limit = null;
    if (json.has("limit")) {
      if (!json.get("limit").canConvertToInt() || !json.get("limit").isIntegralNumber()) {
        throw ApiException.badRequest("limit", "must be a whole number");
      }
      limit = json.get("limit").asInt();
    }
    JsonNode priority = json.get("priority");
    if (priority != null && !priority.isTextual()) {
      throw ApiException.badRequest("priority", "must be a string: high, normal or low");
    }
    return of(strings(json, "symbols"), json.has("timeframes") ? strings(json, "timeframes") : null,
        priority == null ? null : priority.asText(), limit, listed, maxSymbols);
  }

  private static MarketDataRequest of(List<String> symbolTexts, List<String> timeframeTexts, String priorityText,
      Integer limit, Set<String> listed, int maxSymbols) {
    if (symbolTexts == null || symbolTexts.isEmpty()) {
      throw ApiException.badRequest("symbols", "is required: one or more symbols, as in symbols=BTCUSDT,ETHUSDT");
    }
    Set<String> symbols = new LinkedHashSet<>();
    for (String text : symbolTexts) {
      symbols.add(text.trim().toUpperCase(Locale.ROOT));
    }
    if (symbols.size() > maxSymbols) {
      throw ApiException.badRequest("symbols", "holds " + symbols.size() + " symbols; at most " + maxSymbols
          + " per request");
    }
    List<String> unknown = symbols.stream().filter(s -> !listed.contains(s)).limit(5).toList();
    if (!unknown.isEmpty()) {
      throw ApiException.badRequest("symbols", "holds symbols the exchange does not list: " + unknown);
    }
    Set<Timeframe> timeframes = new LinkedHashSet<>();
    for (String text : timeframeTexts == null ? List.<String>of() : timeframeTexts) {
      timeframes.add(timeframe("timeframes", text.trim()));
    }
    if (timeframeTexts != null && timeframes.isEmpty()) {
      throw ApiException.badRequest("timeframes", "is empty; leave it out for 1m,5m,15m");
    }
    int candles = limit == null ? 100 : limit;
    if (candles < 1 || candles > MAX_LIMIT) {
      throw ApiException.badRequest("limit", "must be 1 to " + MAX_LIMIT + " but was " + candles);
    }
    return new MarketDataRequest(List.copyOf(symbols),
        timeframes.isEmpty() ? DEFAULT_TIMEFRAMES : List.copyOf(timeframes), priority(priorityText), candles);
  }

  static Timeframe timeframe(String parameter, String text) {
    try {
      return Timeframe.parse(text);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(parameter, "holds '" + text + "', not a timeframe (1m, 5m, 15m, 1h, 4h, 1d, …)");
    }
  }

  private static Priority priority(String text) {
    if (text == null) {
      return Priority.NORMAL;
    }
    try {
      return Priority.valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("priority", "must be high, normal or low but was '" + text + "'");
    }
  }

  static int parseInt(String parameter, String text) {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(parameter, "must be a whole number but was '" + text + "'");
    }
  }

  private static List<String> split(String text, String parameter) {
    if (text == null) {
      return null;
    }
    List<String> parts = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      if (part.isBlank()) {
        throw ApiException.badRequest(parameter, "has an empty item: '" + text + "'");
      }
      parts.add(part);
    }
    return parts;
  }

  private static List<String> strings(JsonNode json, String field) {
    JsonNode node = json.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isArray()) {
      throw ApiException.badRequest(field, "must be an array of strings");
    }
    List<String> out = new ArrayList<>(node.size());
    for (JsonNode item : node) {
      if (!item.isTextual() || item.asText().isBlank()) {
        throw ApiException.badRequest(field, "must hold non-empty strings but holds " + item);
      }
      out.add(item.asText());
    }
    return out;
  }
}
