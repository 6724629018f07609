package dev.hotpath.examples.marketdata;

import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import dev.hotpath.cache.Namespace;
import dev.hotpath.engine.BatchEngine;
import dev.hotpath.engine.BatchRequest;
import dev.hotpath.engine.BatchResult;
import dev.hotpath.engine.Candle;
import dev.hotpath.engine.ItemFailure;
import dev.hotpath.engine.SeriesKey;
import dev.hotpath.engine.Timeframe;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET|POST /api/market-data} and {@code GET /api/indicators}: requests checked, answered by
 * the engine (cache first), with the metadata the replaced systems returned, an {@code ETag} over
 * the data and {@code Cache-Control: max-age} from the namespace's TTL. A {@code GET} whose {@code
 * If-None-Match} still matches is answered 304 from what the cache tiers hold, without the engine
 * or the exchange. Thread-safe.
 */
final class MarketDataApi {
  private static final Duration REQUEST_DEADLINE = Duration.ofSeconds(10);
  /** The encoded characters of candle arrays kept for warm replies: about 16 MB with their bytes. */
  private static final long ENCODED_CANDLES_MAX_CHARS = 8L << 20;

  private final BatchEngine<SeriesKey, List<Candle>> engine;
  private final Namespace<SeriesKey, List<Candle>> candles;
  private final IndicatorService indicators;
  private final Set<String> listed;
  private final ServiceConfig config;
  private final ServiceStats stats;
  private final Clock clock;
  private final String cacheControl;
  private final CandleJson candleJson = new CandleJson(ENCODED_CANDLES_MAX_CHARS);

  MarketDataApi(BatchEngine<SeriesKey, List<Candle>> engine, Namespace<SeriesKey, List<Candle>> candles,
      IndicatorService indicators, Set<String> listed, ServiceConfig config, ServiceStats stats, Clock clock) {
    this.engine = engine;
    this.candles = candles;
    this.indicators = indicators;
    this.listed = listed;
    this.config = config;
    this.stats = stats;
    this.clock = clock;
    this.cacheControl = "max-age=" + candles.spec().ttl().l1().toSeconds();
  }

  void marketData(HttpExchange exchange) throws IOException, InterruptedException {
    String method = exchange.getRequestMethod();
    MarketDataRequest request;
    if ("GET".equals(method) || "HEAD".equals(method)) {
      request = MarketDataRequest.fromQuery(HttpIo.query(exchange), listed, config.maxSymbols);
    } else if ("POST".equals(method)) {
      request = MarketDataRequest.fromJson(HttpIo.body(exchange, config.maxBodyBytes), listed, config.maxSymbols);
    } else {
      exchange.getResponseHeaders().set("Allow", "GET, HEAD, POST");
      throw new ApiException(405, null, method + " is not allowed; use GET or POST");
    }
    List<SeriesKey> keys = request.keys();
    String ifNoneMatch = "POST".equals(method) ? null : exchange.getRequestHeaders().getFirst("If-None-Match");
    if (ifNoneMatch != null) {
      // Without a loader, the namespace reads its tiers only: no engine, no exchange.
      Map<SeriesKey, List<Candle>> held = candles.getAll(keys);
      if (held.size() == keys.size()
          && JsonReply.ofData(json -> writeData(json, request, held)).etag().equals(ifNoneMatch.trim())) {
        notModified(exchange, ifNoneMatch.trim());
        return;
      }
    }
    long started = System.nanoTime();
    BatchResult<SeriesKey, List<Candle>> result = engine.process(
        BatchRequest.of(keys).priority(request.priority()).deadline(REQUEST_DEADLINE));
    double processingMs = (System.nanoTime() - started) / 1e6;
    count(request, result);
    JsonReply reply = JsonReply.of(result.isComplete(), json -> writeData(json, request, result.values()), json -> {
      json.writeArrayFieldStart("errors");
      for (Map.Entry<SeriesKey, ItemFailure> failure : result.failures().entrySet()) {
        json.writeStartObject();
        json.writeStringField("symbol", failure.getKey().symbol());
        json.writeStringField("timeframe", failure.getKey().timeframe().toString());
        json.writeStringField("kind", failure.getValue().kind().name());
        json.writeStringField("message", failure.getValue().message());
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeObjectFieldStart("metadata");
      json.writeStringField("processedAt", Instant.now(clock).toString());
      json.writeNumberField("symbolsProcessed", request.symbols().size());
      json.writeNumberField("timeframesProcessed", request.timeframes().size());
      json.writeNumberField("cacheHitRate", result.cacheHitRate());
      json.writeNumberField("processingTimeMs", Math.round(processingMs * 1000) / 1000.0);
      json.writeNumberField("fromCache", result.fromCache());
      json.writeNumberField("fromSource", result.fromSource());
      json.writeNumberField("sourceCalls", result.sourceCalls());
      json.writeEndObject();
    });
    if (result.isComplete()) {
      String etag = reply.etag();
      if (ifNoneMatch != null && etag.equals(ifNoneMatch.trim())) {
        notModified(exchange, etag);
        return;
      }
      exchange.getResponseHeaders().set("ETag", etag);
      exchange.getResponseHeaders().set("Cache-Control", cacheControl);
    } else {
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
    }
    reply.send(exchange, 200);
  }

  void indicators(HttpExchange exchange) throws IOException, InterruptedException {
    if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
      exchange.getResponseHeaders().set("Allow", "GET, HEAD");
      throw new ApiException(405, null, exchange.getRequestMethod() + " is not allowed; use GET");
    }
    Map<String, String> query = HttpIo.query(exchange);
    for (String name : query.keySet()) {
      if (!Set.of("symbol", "timeframe", "kind", "period").contains(name)) {
        throw ApiException.badRequest(name, "is not a parameter of /api/indicators (symbol, timeframe, kind, period)");
      }
    }
    String symbol = required(query, "symbol").trim().toUpperCase(Locale.ROOT);
    if (!listed.contains(symbol)) {
      throw ApiException.badRequest("symbol", "'" + symbol + "' is not listed by the exchange");
    }
    Timeframe timeframe = MarketDataRequest.timeframe("timeframe", required(query, "timeframe"));
    Indicators.Kind kind;
    try {
      kind = Indicators.Kind.valueOf(required(query, "kind").trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("kind", "must be sma, ema or rsi but was '" + query.get("kind") + "'");
    }
    int period = MarketDataRequest.parseInt("period", query.getOrDefault("period", "14"));
    if (period < 1 || period > IndicatorService.MAX_PERIOD) {
      throw ApiException.badRequest("period", "must be 1 to " + IndicatorService.MAX_PERIOD + " but was " + period);
    }
    IndicatorService.Series series = indicators.get(symbol, timeframe, kind, period);
    JsonReply reply = JsonReply.of(true, json -> HttpIo.MAPPER.writeValue(json, series), json -> {});
    String etag = reply.etag();
    exchange.getResponseHeaders().set("ETag", etag);
    exchange.getResponseHeaders().set("Cache-Control", cacheControl);
    String ifNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
    if (ifNoneMatch != null && etag.equals(ifNoneMatch.trim())) {
      notModified(exchange, etag);
      return;
    }
    reply.send(exchange, 200);
  }

  private void notModified(HttpExchange exchange, String etag) throws IOException {
    stats.notModified.increment();
    exchange.getResponseHeaders().set("ETag", etag);
    exchange.getResponseHeaders().set("Cache-Control", cacheControl);
    HttpIo.send(exchange, 304, HttpIo.JSON, new byte[0]);
  }

  private void count(MarketDataRequest request, BatchResult<SeriesKey, List<Candle>> result) {
    stats.items.add(result.size());
    stats.itemsFromCache.add(result.fromCache());
    stats.itemsFromSource.add(result.fromSource());
    stats.itemsFailed.add(result.failures().size());
    stats.symbols.add(request.symbols().size());
    stats.series.add(result.size());
  }

  /**
   * {@code {"BTCUSDT":{"1m":[…],"5m":[…]},…}}: the newest {@code limit} candles of each series held,
   * each series' array encoded once per cached value ({@link CandleJson}).
   */
  private void writeData(JsonGenerator json, MarketDataRequest request, Map<SeriesKey, List<Candle>> values)
      throws IOException {
    json.writeStartObject();
    for (String symbol : request.symbols()) {
      json.writeObjectFieldStart(symbol);
      for (Timeframe timeframe : request.timeframes()) {
        List<Candle> series = values.get(SeriesKey.of(symbol, timeframe));
        if (series == null) {
          continue;
        }
        json.writeFieldName(timeframe.toString());
        json.writeRawValue(candleJson.newest(series, request.limit()));
      }
      json.writeEndObject();
    }
    json.writeEndObject();
  }

  private static String required(Map<String, String> query, String name) {
    String value = query.get(name);
    if (value == null || value.isBlank()) {
      throw ApiException.badRequest(name, "is required");
    }
    return value;
  }
}
