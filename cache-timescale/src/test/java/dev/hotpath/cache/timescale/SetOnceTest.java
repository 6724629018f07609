package dev.hotpath.cache.timescale;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every builder setter of the module may be called once; the second call names the field. */
class SetOnceTest {
  private static final Duration SECOND = Duration.ofSeconds(1);

  static Stream<Arguments> setters() {
    return Stream.of(
        set("PostgresTier.dataSource", PostgresTier.builder(), b -> b.dataSource(new CountingDataSource(null)), "dataSource/jdbcUrl"),
        set("PostgresTier.jdbcUrl", PostgresTier.builder(), b -> b.jdbcUrl("jdbc:postgresql://localhost/db", "u", "secret"), "dataSource/jdbcUrl"),
        set("PostgresTier.connectTimeout", PostgresTier.builder(), b -> b.connectTimeout(SECOND), "connectTimeout"),
        set("PostgresTier.statementTimeout", PostgresTier.builder(), b -> b.statementTimeout(SECOND), "statementTimeout"),
        set("PostgresTier.poolSize", PostgresTier.builder(), b -> b.poolSize(2), "poolSize"),
        set("PostgresTier.name", PostgresTier.builder(), b -> b.name("pg"), "name"),
        set("PostgresTier.schema", PostgresTier.builder(), b -> b.schema("s"), "schema"),
        set("PostgresTier.table", PostgresTier.builder(), b -> b.table("t"), "table"),
        set("PostgresTier.unlogged", PostgresTier.builder(), b -> b.unlogged(true), "unlogged"),
        set("PostgresTier.sweepInterval", PostgresTier.builder(), b -> b.sweepInterval(SECOND), "sweepInterval"),
        set("PostgresTier.sweepBatchSize", PostgresTier.builder(), b -> b.sweepBatchSize(10), "sweepBatchSize"),
        set("PostgresTier.sweepMaxBatches", PostgresTier.builder(), b -> b.sweepMaxBatches(10), "sweepMaxBatches"),
        set("PostgresTier.retryAfter", PostgresTier.builder(), b -> b.retryAfter(SECOND), "retryAfter"),
        set("PostgresTier.clock", PostgresTier.builder(), b -> b.clock(Clock.systemUTC()), "clock"),
        set("TimeSeriesWriter.connectTimeout", TimeSeriesWriter.<Object>builder(), b -> b.connectTimeout(SECOND), "connectTimeout"),
        set("TimeSeriesWriter.schema", TimeSeriesWriter.<Object>builder(), b -> b.schema("s"), "schema"),
        set("TimeSeriesWriter.table", TimeSeriesWriter.<Object>builder(), b -> b.table("t"), "table"),
        set("TimeSeriesWriter.bufferCapacity", TimeSeriesWriter.<Object>builder(), b -> b.bufferCapacity(10), "bufferCapacity"),
        set("TimeSeriesWriter.batchSize", TimeSeriesWriter.<Object>builder(), b -> b.batchSize(10), "batchSize"),
        set("TimeSeriesWriter.flushThreads", TimeSeriesWriter.<Object>builder(), b -> b.flushThreads(1), "flushThreads"),
        set("TimeSeriesWriter.flushInterval", TimeSeriesWriter.<Object>builder(), b -> b.flushInterval(SECOND), "flushInterval"),
        set("TimeSeriesWriter.overflow", TimeSeriesWriter.<Object>builder(), b -> b.overflow(TimeSeriesWriter.Overflow.REJECT), "overflow"),
        set("TimeSeriesWriter.blockTimeout", TimeSeriesWriter.<Object>builder(), b -> b.blockTimeout(SECOND), "blockTimeout"),
        set("TimeSeriesWriter.retryBackoff", TimeSeriesWriter.<Object>builder(), b -> b.retryBackoff(SECOND, SECOND), "retryBackoff"),
        set("TimeSeriesWriter.closeTimeout", TimeSeriesWriter.<Object>builder(), b -> b.closeTimeout(SECOND), "closeTimeout"),
        set("RetentionManager.interval", RetentionManager.builder(), b -> b.interval(SECOND), "interval"),
        set("RetentionManager.batchSize", RetentionManager.builder(), b -> b.batchSize(10), "batchSize"),
        set("RetentionManager.maxBatches", RetentionManager.builder(), b -> b.maxBatches(10), "maxBatches"),
        set("RetentionManager.createHypertables", RetentionManager.builder(), b -> b.createHypertables(RetentionManager.HypertableMode.NEVER), "createHypertables"),
        set("RetentionManager.clock", RetentionManager.builder(), b -> b.clock(Clock.systemUTC()), "clock"));
  }

  private static <B> Arguments set(String name, B builder, Consumer<B> setter, String field) {
    return Arguments.of(name, builder, setter, field);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setters")
  <B> void everySetterMayBeCalledOnce(String name, B builder, Consumer<B> setter, String field) {
    setter.accept(builder);
    assertThatThrownBy(() -> setter.accept(builder))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(field + " was already set");
  }
}
