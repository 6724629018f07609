package dev.hotpath.engine;

import static dev.hotpath.engine.CandleRollupTest.candle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.JsonCodec;
import dev.hotpath.cache.TypeToken;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CandleTest {

  private static final Instant H13 = Instant.parse("2024-01-01T13:00:00Z");

  @Test
  void aCandleKnowsItsBucket() {
    Candle c = candle(Timeframe.H1, "2024-01-01T13:00:00Z", "10", "12", "9", "11", "5", true);
    assertThat(c.openTime()).isEqualTo(H13.toEpochMilli());
    assertThat(c.start()).isEqualTo(H13);
    assertThat(c.end()).isEqualTo("2024-01-01T14:00:00Z");
    assertThat(c).hasToString("Candle[1h 2024-01-01T13:00:00Z open=10 high=12 low=9 close=11 volume=5 closed]");
    assertThat(candle(Timeframe.H1, "2024-01-01T13:00:00Z", "10", "12", "9", "11", "5", false))
        .hasToString("Candle[1h 2024-01-01T13:00:00Z open=10 high=12 low=9 close=11 volume=5 not closed]");
  }

  @Test
  void highLowAndVolumeAreChecked() {
    assertThatThrownBy(() -> candle(Timeframe.H1, "2024-01-01T13:00:00Z", "10", "10.5", "9", "11", "5", true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("1h 2024-01-01T13:00:00Z: high 10.5 is below the open 10 or the close 11");
    assertThatThrownBy(() -> candle(Timeframe.H1, "2024-01-01T13:00:00Z", "10", "12", "10.5", "11", "5", true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("1h 2024-01-01T13:00:00Z: low 10.5 is above the open 10 or the close 11");
    assertThatThrownBy(() -> candle(Timeframe.H1, "2024-01-01T13:00:00Z", "10", "12", "9", "11", "-0.001", true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("1h 2024-01-01T13:00:00Z: volume must not be negative but was -0.001");
    // Equal to the bounds, zero volume and negative prices are all fine.
    assertThat(candle(Timeframe.H1, "2024-01-01T13:00:00Z", "10.00", "10.0", "10", "10", "0", false).high()).isEqualTo("10.0");
    assertThat(candle(Timeframe.M1, "2020-04-20T18:00:00Z", "-37.63", "-30", "-40.32", "-38", "12", true).low()).isEqualTo("-40.32");
  }

  @Test
  void theOpenTimeMustStartABucket() {
    assertThatThrownBy(() -> candle(Timeframe.H4, "2024-01-01T13:00:00Z", "1", "1", "1", "1", "1", true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a 4h candle must open at the start of a 4h bucket but opened at 2024-01-01T13:00:00Z");
    assertThatThrownBy(() -> new Candle(Timeframe.M1, 1, BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE, true))
        .hasMessage("a 1m candle must open at the start of a 1m bucket but opened at 1970-01-01T00:00:00.001Z");
    assertThat(candle(Timeframe.D1, "1969-12-31T00:00:00Z", "1", "1", "1", "1", "1", true).openTime()).isEqualTo(-86_400_000L);
    assertThatThrownBy(() -> Candle.of(Timeframe.M1, H13.plusNanos(1), BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("start must be a whole millisecond but was 2024-01-01T13:00:00.000000001Z");
  }

  @Test
  void nullComponentsAreRejectedByName() {
    BigDecimal one = BigDecimal.ONE;
    assertThatThrownBy(() -> new Candle(null, 0, one, one, one, one, one, true)).hasMessage("timeframe");
    assertThatThrownBy(() -> new Candle(Timeframe.M1, 0, one, one, one, one, null, true)).hasMessage("volume");
    assertThatThrownBy(() -> Candle.of(Timeframe.M1, null, one, one, one, one, one, true)).hasMessage("start");
  }

  /** What the ohlc namespace stores: JSON through cache-core's codec, with its plain ObjectMapper. */
  @Test
  void aListOfCandlesRoundTripsThroughJsonCodec() {
    JsonCodec<List<Candle>> codec = JsonCodec.of(new TypeToken<List<Candle>>() {});
    List<Candle> minutes = CandleSeries.random(new Random(42), Instant.parse("2024-01-01T00:00:00Z"), 600, 0.05, 0.01);
    List<Candle> candles = new java.util.ArrayList<>(minutes);
    candles.addAll(CandleRollup.rollUp(minutes, Timeframe.H1, Instant.parse("2024-01-01T09:30:00Z")));
    candles.add(candle(Timeframe.D1, "1969-12-31T00:00:00Z", "1E+3", "1.0E+3", "0.00000001", "999.99999999", "0", false));

    byte[] json = codec.encode(candles);
    assertThat(codec.decode(json)).isEqualTo(candles);

    Candle hour = candle(Timeframe.H1, "2024-01-01T13:00:00Z", "42000.10", "42100.00", "41900.5", "42050.25", "12.500", true);
    String text = new String(codec.encode(List.of(hour)), StandardCharsets.UTF_8);
    assertThat(text).isEqualTo("[{\"timeframe\":{\"minutes\":60},\"openTime\":1704114000000,\"open\":42000.10,\"high\":42100.00,"
        + "\"low\":41900.5,\"close\":42050.25,\"volume\":12.500,\"closed\":true}]");
  }

  @Test
  void decodingChecksTheCandleToo() {
    JsonCodec<List<Candle>> codec = JsonCodec.of(new TypeToken<List<Candle>>() {});
    byte[] badHigh = ("[{\"timeframe\":{\"minutes\":60},\"openTime\":1704114000000,\"open\":10,\"high\":9,"
        + "\"low\":8,\"close\":9,\"volume\":1,\"closed\":true}]").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> codec.decode(badHigh))
        .isInstanceOf(IllegalArgumentException.class)
        .hasRootCauseMessage("1h 2024-01-01T13:00:00Z: high 9 is below the open 10 or the close 9");
    byte[] badTimeframe = ("[{\"timeframe\":{\"minutes\":7},\"openTime\":0,\"open\":1,\"high\":1,"
        + "\"low\":1,\"close\":1,\"volume\":1,\"closed\":true}]").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> codec.decode(badTimeframe))
        .isInstanceOf(IllegalArgumentException.class)
        .hasRootCauseMessage("a timeframe must be a whole number of minutes that divides a day (1440) but was 7 minutes");
  }
}
