package dev.hotpath.examples.marketdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.engine.Priority;
import dev.hotpath.engine.SeriesKey;
import dev.hotpath.engine.Timeframe;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** How a market-data request is read and which inputs are refused, naming the parameter. */
class MarketDataRequestTest {
  private static final Set<String> LISTED = Set.of("BTCUSDT", "ETHUSDT");

  @Test
  void aQueryGivesKeysSymbolBySymbolWithDefaults() {
    MarketDataRequest r = MarketDataRequest.fromQuery(Map.of("symbols", "btcusdt,ETHUSDT,BTCUSDT"), LISTED, 10);

    assertThat(r.symbols()).containsExactly("BTCUSDT", "ETHUSDT");
    assertThat(r.timeframes()).containsExactly(Timeframe.M1, Timeframe.M5, Timeframe.M15);
    assertThat(r.priority()).isEqualTo(Priority.NORMAL);
    assertThat(r.limit()).isEqualTo(100);
    assertThat(r.keys()).startsWith(SeriesKey.parse("BTCUSDT:1m"), SeriesKey.parse("BTCUSDT:5m"),
        SeriesKey.parse("BTCUSDT:15m"), SeriesKey.parse("ETHUSDT:1m"));
  }

  @Test
  void aJsonBodyIsReadLikeTheQuery() {
    MarketDataRequest r = MarketDataRequest.fromJson(
        "{\"symbols\":[\"ETHUSDT\"],\"timeframes\":[\"1h\",\"4h\"],\"priority\":\"high\",\"limit\":5}"
            .getBytes(StandardCharsets.UTF_8), LISTED, 10);

    assertThat(r).isEqualTo(new MarketDataRequest(java.util.List.of("ETHUSDT"),
        java.util.List.of(Timeframe.H1, Timeframe.H4), Priority.HIGH, 5));
  }

  @Test
  void badInputsAreRefusedNamingTheParameter() {
    refused(() -> MarketDataRequest.fromQuery(Map.of(), LISTED, 10), "symbols");
    refused(() -> MarketDataRequest.fromQuery(Map.of("symbols", "NOPEUSDT"), LISTED, 10), "symbols");
    refused(() -> MarketDataRequest.fromQuery(Map.of("symbols", "BTCUSDT,"), LISTED, 10), "symbols");
    refused(() -> MarketDataRequest.fromQuery(Map.of("symbols", "BTCUSDT", "timeframes", "1M"), LISTED, 10),
        "timeframes");
    refused(() -> MarketDataRequest.fromQuery(Map.of("symbols", "BTCUSDT", "timeframes", "7m"), LISTED, 10),
        "timeframes");
    refused(() -> MarketDataRequest.fromQuery(Map.of("symbols", "BTCUSDT", "priority", "urgent"), LISTED, 10),
        "priority");
    refused(() -> MarketDataRequest.fromQuery(Map.of("symbols", "BTCUSDT", "limit", "-1"), LISTED, 10), "limit");
    refused(() -> MarketDataRequest.fromQuery(Map.of("symbols", "BTCUSDT", "limit", "ten"), LISTED, 10), "limit");
    refused(() -> MarketDataRequest.fromQuery(Map.of("symbols", "BTCUSDT", "limit", "1001"), LISTED, 10), "limit");
    refused(() -> MarketDataRequest.fromQuery(Map.of("symbols", "BTCUSDT", "colour", "red"), LISTED, 10), "colour");
    String tenThousand = IntStream.range(0, 10_000).mapToObj(i -> "S" + i + "USDT").collect(Collectors.joining(","));
    refused(() -> MarketDataRequest.fromQuery(Map.of("symbols", tenThousand), LISTED, 500), "symbols");
    refused(() -> MarketDataRequest.fromJson("{\"symbols\":[\"BTCUSDT\"".getBytes(StandardCharsets.UTF_8), LISTED, 10),
        "body");
    refused(() -> MarketDataRequest.fromJson("[1,2]".getBytes(StandardCharsets.UTF_8), LISTED, 10), "body");
    refused(() -> MarketDataRequest.fromJson("{\"symbols\":\"BTCUSDT\"}".getBytes(StandardCharsets.UTF_8), LISTED, 10),
        "symbols");
    refused(() -> MarketDataRequest.fromJson("{\"symbols\":[\"BTCUSDT\"],\"limit\":1.5}"
        .getBytes(StandardCharsets.UTF_8), LISTED, 10), "limit");
  }

  private static void refused(ThrowingCallable call, String parameter) {
    assertThatThrownBy(call).isInstanceOfSatisfying(ApiException.class, e -> {
      assertThat(e.status).isEqualTo(400);
      assertThat(e.parameter).isEqualTo(parameter);
    });
  }
}
