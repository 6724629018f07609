package dev.hotpath.examples.marketdata;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hotpath.engine.Candle;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The JSON array of a series' newest candles, encoded once per cached series rather than once per
 * request: a warm reply then copies one encoded array per series instead of formatting every
 * candle's numbers again, which was most of its cost.
 *
 * <p>Keyed by the identity of the candle list the cache holds (weakly, so an entry goes when the
 * cache drops or replaces the list; cached lists are never modified, a new value is a new list),
 * and by the number of candles asked for: the newest encoding of each list is kept, so clients
 * asking different {@code limit}s of one series take turns encoding it. Bounded by the encoded
 * size. Thread-safe.
 */
final class CandleJson {
  // A candle's field names, encoded once rather than for each candle.
  private static final SerializedString OPEN_TIME = new SerializedString("openTime");
  private static final SerializedString OPEN = new SerializedString("open");
  private static final SerializedString HIGH = new SerializedString("high");
  private static final SerializedString LOW = new SerializedString("low");
  private static final SerializedString CLOSE = new SerializedString("close");
  private static final SerializedString VOLUME = new SerializedString("volume");
  private static final SerializedString CLOSED = new SerializedString("closed");

  /** An encoding of the newest {@code limit} candles of a list. */
  private record Encoded(int limit, SerializedString json) {}

  private final Cache<List<Candle>, Encoded> encoded;

  /** @param maxChars the encoded characters kept at most, over all series */
  CandleJson(long maxChars) {
    this.encoded = Caffeine.newBuilder().weakKeys().maximumWeight(maxChars)
        .weigher((List<Candle> series, Encoded e) -> e.json().charLength()).build();
  }

  /** {@code [{"openTime":…,"open":…,"high":…,"low":…,"close":…,"volume":…,"closed":…},…]}, oldest first. */
  SerializableString newest(List<Candle> series, int limit) {
    Encoded e = encoded.getIfPresent(series);
    if (e == null || e.limit() != limit) {
      e = new Encoded(limit, new SerializedString(encode(series.subList(Math.max(0, series.size() - limit),
          series.size()))));
      encoded.put(series, e);
    }
    return e.json();
  }

  private static String encode(List<Candle> candles) {
    StringWriter out = new StringWriter(candles.size() * 120);
    try (JsonGenerator json = HttpIo.MAPPER.getFactory().createGenerator(out)) {
      json.writeStartArray();
      for (Candle c : candles) {
        json.writeStartObject();
        json.writeFieldName(OPEN_TIME);
        json.writeNumber(c.openTime());
        json.writeFieldName(OPEN);
        json.writeNumber(c.open());
        json.writeFieldName(HIGH);
        json.writeNumber(c.high());
        json.writeFieldName(LOW);
        json.writeNumber(c.low());
        json.writeFieldName(CLOSE);
        json.writeNumber(c.close());
        json.writeFieldName(VOLUME);
        json.writeNumber(c.volume());
        json.writeFieldName(CLOSED);
        json.writeBoolean(c.closed());
        json.writeEndObject();
      }
      json.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException("a StringWriter does not fail", e);
    }
    return out.toString();
  }
}
