package dev.hotpath.examples.marketdata;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotpath.engine.Candle;
import dev.hotpath.engine.Timeframe;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reply written once, the ETag over its data bytes, and the candle arrays encoded per series. */
class JsonReplyTest {
  @Test
  void theEtagDependsOnTheDataOnlyNotOnTheRestOfTheReply() throws IOException {
    JsonReply one = JsonReply.of(true, json -> json.writeString("candles"), json -> json.writeNumberField("ms", 1));
    JsonReply other = JsonReply.of(true, json -> json.writeString("candles"), json -> json.writeNumberField("ms", 2));
    JsonReply changed = JsonReply.of(true, json -> json.writeString("candlez"), json -> json.writeNumberField("ms", 1));

    assertThat(other.etag()).isEqualTo(one.etag());
    assertThat(changed.etag()).isNotEqualTo(one.etag());
    assertThat(JsonReply.ofData(json -> json.writeString("candles")).etag()).isEqualTo(one.etag());
  }

  @Test
  void candleArraysAreTheNewestLimitCandlesForEachLimitAsked() throws IOException {
    CandleJson encoder = new CandleJson(1 << 20);
    List<Candle> series = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      BigDecimal price = BigDecimal.valueOf(100 + i);
      series.add(new Candle(Timeframe.M1, i * 60_000L, price, price, price, price, BigDecimal.ONE, i < 4));
    }

    JsonNode three = HttpIo.MAPPER.readTree(encoder.newest(series, 3).getValue());
    JsonNode all = HttpIo.MAPPER.readTree(encoder.newest(series, 10).getValue());

    assertThat(three).hasSize(3);
    assertThat(three.get(0).get("openTime").asLong()).isEqualTo(120_000L);
    assertThat(three.get(2).get("close").decimalValue()).isEqualByComparingTo("104");
    assertThat(three.get(2).get("closed").asBoolean()).isFalse();
    assertThat(all).hasSize(5);
  }
}
