package dev.hotpath.examples.marketdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.hotpath.engine.Candle;
import dev.hotpath.engine.SourceRefusedException;
import dev.hotpath.engine.SourceReply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Binance source over real HTTP against replies recorded in Binance's documented formats
 * (test resources {@code binance/}), replayed by a loopback server with Binance's headers.
 */
class BinanceSourceTest {
  /** 30 s into the minute of the third recorded kline: that one is still open. */
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1704067230000L), ZoneOffset.UTC);

  private HttpServer server;
  private final AtomicReference<Reply> next = new AtomicReference<>();
  private final AtomicReference<URI> asked = new AtomicReference<>();
  private BinanceSource source;

  private record Reply(int status, String resource, Map<String, String> headers) {}

  @BeforeEach
  void startReplay() throws IOException {
    server = HttpIo.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    server.createContext("/", exchange -> {
      try (exchange) {
        asked.set(exchange.getRequestURI());
        Reply reply = next.get();
        byte[] body = recorded(reply.resource());
        reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        exchange.sendResponseHeaders(reply.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    });
    server.start();
    source = new BinanceSource(URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
        Duration.ofMinutes(BinanceSource.MAX_KLINES), CLOCK, Duration.ofSeconds(5));
  }

  @AfterEach
  void stopReplay() {
    server.stop(0);
  }

  private static byte[] recorded(String resource) throws IOException {
    try (InputStream in = BinanceSourceTest.class.getResourceAsStream("/binance/" + resource)) {
      return in.readAllBytes();
    }
  }

  @Test
  void klinesAreParsedWithTheUsedWeightAndTheOpenMinuteNotClosed() {
    next.set(new Reply(200, "klines-BTCUSDT-1m.json", Map.of(BinanceSource.USED_WEIGHT_HEADER, "42")));

    SourceReply<String, List<Candle>> reply = source.fetch(List.of("BTCUSDT")).join();

    assertThat(asked.get().toString()).isEqualTo("/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1000");
    assertThat(reply.usedWeight()).hasValue(42);
    List<Candle> candles = reply.values().get("BTCUSDT");
    assertThat(candles).hasSize(3);
    Candle first = candles.get(0);
    assertThat(first.openTime()).isEqualTo(1704067080000L);
    assertThat(first.open()).isEqualByComparingTo(new BigDecimal("42283.58"));
    assertThat(first.high()).isEqualByComparingTo(new BigDecimal("42298.62"));
    assertThat(first.low()).isEqualByComparingTo(new BigDecimal("42261.02"));
    assertThat(first.close()).isEqualByComparingTo(new BigDecimal("42298.61"));
    assertThat(first.volume()).isEqualByComparingTo(new BigDecimal("35.92724"));
    assertThat(candles).extracting(Candle::closed).containsExactly(true, true, false);
    assertThat(source.weight(List.of("BTCUSDT"))).isEqualTo(BinanceSource.KLINES_WEIGHT);
    assertThat(source.calls()).isEqualTo(1);
  }

  @Test
  void a429IsARefusalWithItsRetryAfterSoTheEnginePauses() {
    next.set(new Reply(429, "error-too-much-weight.json",
        Map.of("Retry-After", "17", BinanceSource.USED_WEIGHT_HEADER, "6001")));

    assertThatThrownBy(() -> source.fetch(List.of("BTCUSDT")).join())
        .isInstanceOf(CompletionException.class)
        .cause().isInstanceOfSatisfying(SourceRefusedException.class, refused -> {
          assertThat(refused.status()).isEqualTo(429);
          assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(17));
          assertThat(refused.usedWeight()).hasValue(6001);
        });
    assertThat(source.refusals()).isEqualTo(1);
  }

  @Test
  void anInvalidSymbolIsAReplyWithoutIt() {
    next.set(new Reply(400, "error-invalid-symbol.json", Map.of(BinanceSource.USED_WEIGHT_HEADER, "3")));

    SourceReply<String, List<Candle>> reply = source.fetch(List.of("NOPEUSDT")).join();

    assertThat(reply.values()).isEmpty();
    assertThat(reply.usedWeight()).hasValue(3);
  }

  @Test
  void exchangeInfoListsOnlyTradingSymbols() {
    next.set(new Reply(200, "exchangeInfo.json", Map.of(BinanceSource.USED_WEIGHT_HEADER, "20")));

    assertThat(source.tradingSymbols()).containsExactly("BTCUSDT", "ETHUSDT");
    assertThat(asked.get().getPath()).isEqualTo("/api/v3/exchangeInfo");
  }

  @Test
  void theSimulatedExchangeWritesWhatTheParserReads() {
    Candle candle = SimulatedBinance.candle("BTCUSDT", 1704067080000L, 1704067230000L);
    String row = HttpIo.MAPPER.valueToTree(List.of(BinanceJson.klineRow(candle))).toString();

    assertThat(BinanceJson.klines(row, 1704067230000L)).containsExactly(candle);
  }
}
