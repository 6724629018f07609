package dev.hotpath.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.KeyCodec;
import org.junit.jupiter.api.Test;

class SeriesKeyTest {

  @Test
  void aKeyIsWrittenSymbolColonTimeframeAndReadBack() {
    SeriesKey key = SeriesKey.of("BTCUSDT", Timeframe.H4);
    assertThat(key).hasToString("BTCUSDT:4h").isEqualTo(SeriesKey.parse("BTCUSDT:4h")).isEqualTo(SeriesKey.parse("BTCUSDT:240m"));
    assertThat(SeriesKey.parse("BINANCE:BTC/USDT:1d")).isEqualTo(SeriesKey.of("BINANCE:BTC/USDT", Timeframe.D1));
    KeyCodec<SeriesKey> codec = SeriesKey.keyCodec();
    for (String text : new String[] {"BTCUSDT:1m", "ETH-PERP:15m", "a:b:c:1h"}) {
      assertThat(codec.encode(codec.decode(text))).isEqualTo(text);
    }
  }

  @Test
  void badKeysAreRejectedNamingTheText() {
    assertThatThrownBy(() -> SeriesKey.parse("BTCUSDT"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a series key: \"BTCUSDT\" (expected <symbol>:<timeframe>, as in BTCUSDT:1h)");
    assertThatThrownBy(() -> SeriesKey.parse(":1h")).hasMessageStartingWith("not a series key: \":1h\"");
    assertThatThrownBy(() -> SeriesKey.parse("BTCUSDT:1w")).hasMessageStartingWith("not a timeframe: \"1w\"");
    assertThatThrownBy(() -> SeriesKey.of("", Timeframe.H1)).hasMessage("symbol must not be empty");
    assertThatThrownBy(() -> SeriesKey.of(null, Timeframe.H1)).isInstanceOf(NullPointerException.class).hasMessage("symbol");
    assertThatThrownBy(() -> SeriesKey.of("BTCUSDT", null)).isInstanceOf(NullPointerException.class).hasMessage("timeframe");
  }
}
