package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.spi.TierValue;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CodecTest {

  record Candle(String symbol, long openTime, BigDecimal open, BigDecimal close) {}

  @Test
  void builtInCodecsRoundTripThroughTheEnvelope() {
    assertThat(roundTrip(Codec.utf8(), "ключ 😀")).isEqualTo("ключ 😀");
    assertThat(roundTrip(Codec.longs(), Long.MIN_VALUE)).isEqualTo(Long.MIN_VALUE);
    assertThat(roundTrip(Codec.integers(), -7)).isEqualTo(-7);
    assertThat(roundTrip(Codec.doubles(), 0.1)).isEqualTo(0.1);
    assertThat(roundTrip(Codec.decimals(), new BigDecimal("1.2300"))).isEqualTo(new BigDecimal("1.2300"));
    assertThat(roundTrip(Codec.bytes(), new byte[] {0, 1, -1})).containsExactly(0, 1, -1);
  }

  @Test
  void jsonCodecBindsToOneTypeAndRejectsGarbage() {
    JsonCodec<Candle> codec = JsonCodec.of(Candle.class);
    Candle candle = new Candle("BTCUSDT", 1_700_000_000_000L, new BigDecimal("37000.10"), new BigDecimal("37010.5"));
    assertThat(roundTrip(codec, candle)).isEqualTo(candle);
    assertThatThrownBy(() -> codec.decode("{not json".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void foreignStaleOrCorruptPayloadsAreRejected() {
    byte[] good = PayloadFormat.encode(TierValue.of("v"), Codec.utf8());
    assertThatThrownBy(() -> PayloadFormat.decode("plain text".getBytes(StandardCharsets.UTF_8), Codec.utf8()))
        .hasMessage("not a Hotpath payload");
    byte[] otherFormat = good.clone();
    otherFormat[1] = 9;
    assertThatThrownBy(() -> PayloadFormat.decode(otherFormat, Codec.utf8())).hasMessage("payload format version 9");
    assertThatThrownBy(() -> PayloadFormat.decode(good, JsonCodec.of(new com.fasterxml.jackson.databind.ObjectMapper(), String.class, 3)))
        .hasMessage("codec version 0 but reading with 3");
    byte[] badUtf8 = {good[0], good[1], 0, 0, (byte) 0xC3, (byte) 0x28};
    assertThatThrownBy(() -> PayloadFormat.decode(badUtf8, Codec.utf8())).hasMessage("not valid UTF-8");
    assertThatThrownBy(() -> PayloadFormat.decode(new byte[] {good[0], good[1], 0, 0, 1}, Codec.longs()))
        .hasMessage("expected 8 bytes but got 1");
    assertThat(PayloadFormat.decode(PayloadFormat.encode(TierValue.absent(), Codec.utf8()), Codec.utf8()).isAbsent()).isTrue();
  }

  private static <V> V roundTrip(Codec<V> codec, V value) {
    return PayloadFormat.decode(PayloadFormat.encode(TierValue.of(value), codec), codec).value();
  }
}
