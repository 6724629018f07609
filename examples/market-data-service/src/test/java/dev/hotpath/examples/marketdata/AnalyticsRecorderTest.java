package dev.hotpath.examples.marketdata;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.engine.Candle;
import dev.hotpath.engine.Timeframe;
import dev.hotpath.testing.postgres.TestPostgres;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a recomputation sends to PostgreSQL: only the rows newer than those already recorded. */
class AnalyticsRecorderTest {
  private static final long MINUTE = 60_000L;
  private static final long START = 1_764_000_000_000L;

  private final TestPostgres postgres = TestPostgres.get();
  private final String schema = postgres.newSchemaName("analytics");
  private HikariDataSource pool;
  private AnalyticsRecorder recorder;

  @BeforeEach
  void open() throws SQLException {
    pool = postgres.newPool(4);
    MarketTables.create(pool, schema);
    recorder = new AnalyticsRecorder(pool, schema);
  }

  @AfterEach
  void close() throws SQLException {
    try {
      recorder.close();
      postgres.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } finally {
      pool.close();
    }
  }

  @Test
  void anIndicatorRecomputedOneCandleLaterSendsOnlyItsNewPoint() throws SQLException {
    recorder.indicator(series(30));
    recorder.indicator(series(31)); // its entry expired, the window moved on by one closed candle
    recorder.indicator(series(31)); // computed again with nothing new

    assertThat(recorder.flush(Duration.ofSeconds(60))).isTrue();
    assertThat(recorder.indicatorWriter().stats().accepted()).isEqualTo(31);
    assertThat(postgres.count("SELECT count(*) FROM " + schema + ".indicator_values")).isEqualTo(31);
  }

  @Test
  void theCrossesOfCandlesAlreadyRecordedAreNotSentAgain() throws SQLException {
    // Closes that fall for 30 minutes, rise for 30, fall for 30: the fast SMA crosses the slow one
    // up in the rise and down in the second fall.
    List<Candle> closed = new ArrayList<>();
    for (int i = 0; i < 90; i++) {
      int close = i < 30 ? 200 - i : i < 60 ? 140 + i : 260 - i;
      closed.add(candle(i, close));
    }

    recorder.signals("BTCUSDT", Timeframe.M1, closed.subList(0, 60));
    long afterFirst = recorder.signalWriter().stats().accepted();
    recorder.signals("BTCUSDT", Timeframe.M1, closed); // the same candles and 30 newer ones

    assertThat(recorder.flush(Duration.ofSeconds(60))).isTrue();
    long crosses = postgres.count("SELECT count(*) FROM " + schema + ".signals");
    assertThat(afterFirst).isEqualTo(1); // the cross up
    assertThat(crosses).isEqualTo(2); // and the cross down
    assertThat(recorder.signalWriter().stats().accepted()).isEqualTo(crosses);
  }

  private static IndicatorService.Series series(int points) {
    List<IndicatorService.Point> values = new ArrayList<>();
    for (int i = 0; i < points; i++) {
      values.add(new IndicatorService.Point(START + i * MINUTE, 50 + i));
    }
    return new IndicatorService.Series("BTCUSDT", "1m", "rsi", 14, values);
  }

  private static Candle candle(int minute, int close) {
    BigDecimal price = BigDecimal.valueOf(close);
    return new Candle(Timeframe.M1, START + minute * MINUTE, price, price, price, price, BigDecimal.ONE, true);
  }
}
